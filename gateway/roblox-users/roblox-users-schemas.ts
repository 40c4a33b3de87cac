// gateway/roblox-users/roblox-users-schemas.ts
// The query and answer of the Roblox users route: usernames or ids, at most 100, and each user's name, display name and headshot.

import { z } from "zod";
import { ROBLOX_BATCH } from "./roblox-users-client";

/** Roblox's rule for usernames: 3 to 20 letters and digits with at most one underscore, neither first nor last. */
export const ROBLOX_USERNAME = /^(?=.{3,20}$)[A-Za-z0-9]+(?:_[A-Za-z0-9]+)?$/;
const ID_TEXT = /^[1-9][0-9]{0,15}$/;

const list = (text: string) => text.split(",").map((item) => item.trim());
const tooMany = (field: string) => `${field} takes at most ${ROBLOX_BATCH} at once`;
const onceWords = (field: string) => ({ error: `${field} must be given once, as a comma-separated list` });

const usernames = z
	.string(onceWords("usernames"))
	.transform(list)
	.check((ctx) => {
		if (ctx.value.length > ROBLOX_BATCH) ctx.issues.push({ code: "custom", message: tooMany("usernames"), input: ctx.value });
		const bad = ctx.value.find((name) => !ROBLOX_USERNAME.test(name));
		if (bad !== undefined) {
			ctx.issues.push({
				code: "custom",
				message: `${JSON.stringify(bad)} is not a Roblox username: 3 to 20 letters and digits, with at most one underscore, neither first nor last`,
				input: bad,
			});
		}
	})
	.meta({ description: `Comma-separated Roblox usernames (former ones match too), at most ${ROBLOX_BATCH}` });

const ids = z
	.string(onceWords("ids"))
	.transform(list)
	.check((ctx) => {
		if (ctx.value.length > ROBLOX_BATCH) ctx.issues.push({ code: "custom", message: tooMany("ids"), input: ctx.value });
		const bad = ctx.value.find((id) => !ID_TEXT.test(id) || !Number.isSafeInteger(Number(id)));
		if (bad !== undefined) ctx.issues.push({ code: "custom", message: `${JSON.stringify(bad)} is not a Roblox user id: a positive integer below 2^53`, input: bad });
	})
	.transform((texts) => texts.map(Number))
	.meta({ description: `Comma-separated Roblox user ids, at most ${ROBLOX_BATCH}`, example: "156,1" });

export const robloxUsersQuery = z
	.object({ usernames: usernames.optional(), ids: ids.optional() })
	.refine((query) => (query.usernames === undefined) !== (query.ids === undefined), { error: "Give usernames or ids, one of them" });

const resolvedUser = z.object({
	id: z.number().int().meta({ description: "The Roblox user id" }),
	name: z.string().nullable().meta({ description: "The username; null when Roblox does not know the id or could not be asked" }),
	display_name: z.string().nullable().meta({ description: "The display name; null as `name`" }),
	avatar_url: z.string().nullable().meta({ description: "A 150×150 headshot on Roblox's image host; null when there is none to show" }),
	learnt_at: z.number().int().nullable().meta({ description: "When this was learnt from Roblox (unix seconds); null when it was not" }),
	requested_username: z.string().optional().meta({ description: "For a lookup by username: the name as asked, a former name when it differs from `name`" }),
});

export const robloxUsersData = z.object({
	users: z.array(resolvedUser).meta({ description: "In the order asked; usernames that name nobody are left out" }),
	not_found: z.array(z.string()).meta({ description: "Usernames that name nobody, as asked" }),
	complete: z.boolean().meta({
		description: "False when Roblox could not be asked for some: those users are ids alone (or, asked by username, missing); the answer is never an error for it",
	}),
});
