// gateway/roblox-users/roblox-users-routes.ts
// The Roblox users route of the admin API (docs/names.md): names and faces by username or id, for any operator of some guild, declared once.

import { sendSuccess } from "../platform/http/envelope";
import { readPart } from "../platform/http/fields";
import { defineRoute, type Route } from "../platform/http/route";
import { robloxUsersData, robloxUsersQuery } from "./roblox-users-schemas";
import type { RobloxUsers } from "./roblox-users-service";

export interface RobloxUsersParts {
	robloxUsers: RobloxUsers;
}

export const ROBLOX_USERS_ROUTES: readonly Route<RobloxUsersParts>[] = [
	defineRoute({
		method: "get",
		path: "/admin/v1/roblox/users",
		tag: "Roblox users",
		summary: "Names, display names and headshots of Roblox users",
		description:
			"By `usernames` (former usernames match too, answered with `requested_username`) or by `ids`, at most 100. What the gateway " +
			"learnt in the last 24 hours is answered from its database; the rest is asked of Roblox's users and thumbnails APIs. When Roblox " +
			"cannot answer (down, slow, rate limited, nonsense), the users are ids alone and `complete` is false: never an error.",
		guard: { caller: "admin", need: { someGuild: true } },
		request: { query: robloxUsersQuery },
		answers: [
			{
				status: 200,
				description: "Users resolved",
				data: robloxUsersData,
				example: {
					message: "Users resolved",
					data: {
						users: [
							{
								id: 156,
								name: "builderman",
								display_name: "builderman",
								avatar_url: "https://tr.rbxcdn.com/30DAY-AvatarHeadshot-5A4F5C4D3B2A1908F7E6D5C4B3A29180-Png/150/150/AvatarHeadshot/Png/noFilter",
								learnt_at: 1765065600,
								requested_username: "builderman",
							},
						],
						not_found: [],
						complete: true,
					},
				},
			},
		],
		handle: ({ robloxUsers }) => [
			async (req, res) => {
				const query = readPart(robloxUsersQuery, req.query);
				const resolution = query.usernames !== undefined ? await robloxUsers.byUsernames(query.usernames) : await robloxUsers.byIds(query.ids ?? []);
				sendSuccess(res, 200, "Users resolved", resolution);
			},
		],
	}),
];
