// gateway/operators/operator-schemas.ts
// Requests and answers of the operators' routes (docs/api.md, "API summary"): sign-in, who is signed in, guilds, members, suspensions.

import { z } from "zod";
import { PERMISSIONS } from "./access";
import { actorSchema, adminGuildId } from "../keys/key-schemas";

const DISCORD_ID = /^\d{17,20}$/;
const userIdWords = "discord_user_id must be a Discord user id (17-20 digits)";
const discordUserId = z.string({ error: userIdWords }).regex(DISCORD_ID, { error: userIdWords }).meta({ description: "Discord user id (17 to 20 digits)" });

export const memberParams = z.object({
	guildId: adminGuildId,
	discordUserId: z
		.string()
		.regex(DISCORD_ID, { error: "discordUserId must be a Discord user id (17-20 digits)" })
		.meta({ description: "The member's Discord user id" }),
});
export const operatorParams = z.object({
	discordUserId: z
		.string()
		.regex(DISCORD_ID, { error: "discordUserId must be a Discord user id (17-20 digits)" })
		.meta({ description: "The operator's Discord user id" }),
});

const permissionListWords = { error: `permissions must be a list of ${PERMISSIONS.join(", ")}` };
const permission = z.enum(PERMISSIONS, {
	error: (issue) => `Unknown permission ${JSON.stringify(issue.input)}: permissions must be ${PERMISSIONS.join(", ")}`,
});
/** Deduplicated, in the contract's order, so two grants of the same set read the same. */
const permissionList = z
	.array(permission, permissionListWords)
	.transform((list) => PERMISSIONS.filter((name) => list.includes(name)))
	.meta({ description: "What the member may do in the guild; an empty list keeps them listed with no permission" });

const objectWords = { error: "body must be a JSON object" };
export const addMemberBody = z.object({ discord_user_id: discordUserId, permissions: permissionList }, objectWords);
export const updateMemberBody = z.object({ permissions: permissionList }, objectWords);

/** What Discord sends back to the callback: a code and our state, or an error the user chose (access_denied). */
export const discordCallbackQuery = z.object({
	code: z.string().optional().meta({ description: "The authorization code" }),
	state: z.string().optional().meta({ description: "The state sent with the redirect" }),
	error: z.string().optional().meta({ description: "Discord's error, e.g. `access_denied` when the user cancelled" }),
});

// Answers.
const unixSeconds = z.int().nonnegative();
const permissionNames = z.array(z.enum(PERMISSIONS));

export const meData = z.object({
	actor: actorSchema,
	guilds: z
		.array(
			z.object({
				id: z.string(),
				name: z.string().nullable().meta({ description: "From Discord; null for a guild granted to them that no Discord read has named yet" }),
				icon: z.string().nullable().meta({ description: "Discord's icon hash; the image is at cdn.discordapp.com/icons/<id>/<icon>.png" }),
				permissions: permissionNames,
			}),
		)
		.meta({ description: "The guilds the operator may do something in; empty for the admin token (every guild)" }),
	csrf_token: z
		.string()
		.nullable()
		.meta({ description: "Send it back as `X-CSRF-Token` on every state-changing request with the session cookie; null for the admin token" }),
	session_expires_at: unixSeconds.nullable().meta({ description: "When the session ends at the latest; null for the admin token" }),
});

export const guildsData = z.object({
	guilds: z.array(
		z.object({
			id: z.string(),
			name: z.string().nullable().meta({ description: "From Discord, when an operator who signed in is in the guild" }),
			icon: z.string().nullable(),
			permissions: permissionNames,
			key_count: z.int().nonnegative().meta({ description: "Keys that hold a slot (every status but revoked)" }),
			active_ban_count: z.int().nonnegative().nullable().meta({ description: "Null when the data store could not be read" }),
		}),
	),
});

const memberRecord = z.object({
	discord_user_id: z.string(),
	name: z.string().nullable().meta({ description: "Their Discord name once they signed in" }),
	permissions: permissionNames,
	added_by: actorSchema,
	added_at: unixSeconds,
});
export const membersData = z.object({ members: z.array(memberRecord) });
export const memberData = z.object({ member: memberRecord });

export const suspensionData = z.object({
	operator: z.object({
		discord_user_id: z.string(),
		name: z.string(),
		suspended_at: unixSeconds.nullable(),
	}),
	keys_changed: z.int().nonnegative().meta({ description: "Keys that turned `user_moderated` (suspend) or back (unsuspend)" }),
});

export const signedOutData = z.object({ signed_out: z.literal(true) });
