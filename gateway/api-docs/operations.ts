// gateway/api-docs/operations.ts
// Every documented route: its method and path, who may call it, the schemas its request is parsed with, and its answers.

import { z } from "zod";
import type { ErrorCode } from "../../shared/errors";
import { API_BASE, BATCH_MAX_IDENTIFIERS } from "../../shared/routes";
import {
	auditData,
	auditQuery,
	createKeyBody,
	guildParams as adminGuildParams,
	keyIssuedData,
	keyListData,
	keyParams,
	keyRecordData,
	rollKeyBody,
	updateKeyBody,
	usageData,
	usageQuery,
} from "../keys/key-schemas";
import { consoleParams, consoleStatusData, consoleStatusParams, consoleStatusQuery } from "../moderation/console-schemas";
import {
	activeBansData,
	activeMutesData,
	banStatusBatchData,
	banStatusData,
	banWriteData,
	batchBody,
	consoleImposeBody,
	guildParams,
	imposeBody,
	liftBody,
	eventsQuery,
	historyData,
	listQuery,
	moderationEventsData,
	muteStatusData,
	muteWriteData,
	statusParams,
	statusQuery,
	unbanData,
	unmuteData,
} from "../moderation/moderation-schemas";
import {
	addMemberBody,
	discordCallbackQuery,
	guildsData,
	meData,
	memberData,
	memberParams,
	membersData,
	operatorParams,
	signedOutData,
	suspensionData,
	updateMemberBody,
} from "../operators/operator-schemas";
import { OUTBOUND_OPERATIONS } from "../outbound/outbound-operations";

/**
 * Who may call a route: a guild's API key, the admin API's callers (the ADMIN_TOKEN or an
 * operator's session), anyone, or a browser coming back from Discord's sign-in.
 */
export type Caller = "api_key" | "admin_token" | "anyone" | "sign_in";

export interface Operation {
	method: "get" | "post" | "patch" | "delete";
	/** OpenAPI's template form (`{guildId}`). */
	path: string;
	tag: "Moderation" | "API keys" | "Operators" | "Outbound" | "Health";
	summary: string;
	description?: string;
	caller: Caller;
	params?: z.ZodObject;
	query?: z.ZodObject;
	body?: { schema: z.ZodType; required: boolean };
	/** The one success answer; `data: null` for one without a body (204). */
	success: { status: number; description: string; data: z.ZodType | null };
	/** Error statuses the route answers besides the edge's own (408, 417, 431, …: the `default` answer). */
	errors: readonly number[];
	/** The `error` codes of its 409, when it has one: each key route conflicts in its own way. */
	conflicts?: readonly [ErrorCode, ...ErrorCode[]];
}

/** The `error` codes each error status carries, by caller: what a client may switch on. */
export function errorCodes(status: number, caller: Caller): readonly ErrorCode[] {
	switch (status) {
		case 400:
			return caller === "sign_in" ? ["bad_request", "signin_failed"] : ["bad_request"];
		case 401:
			return caller === "api_key"
				? [
						"missing_api_key",
						"invalid_api_key",
						"key_revoked",
						"key_disabled",
						"key_expired",
						"key_auto_expired",
						"key_moderated",
						"key_user_moderated",
						"key_creator_removed",
					]
				: ["unauthorized"];
		case 403:
			if (caller === "api_key") return ["guild_mismatch", "ip_not_allowed", "insufficient_scope"];
			return caller === "sign_in" ? ["permission_denied"] : ["permission_denied", "csrf_rejected"];
		case 404:
			return ["not_found"];
		case 413:
			return ["payload_too_large"];
		case 415:
			return ["unsupported_media_type"];
		case 429:
			return caller === "api_key" ? ["rate_limited", "auth_throttled"] : ["auth_throttled"];
		case 502:
			return ["upstream_unavailable"];
		case 503:
			return ["service_unavailable"];
		case 504:
			return ["upstream_timeout"];
		default:
			throw new Error(`no error codes listed for status ${status}`);
	}
}

export const ERROR_DESCRIPTIONS: Record<number, string> = {
	400: "A path parameter, query value or body field is wrong; `message` says which and why (a failed Discord sign-in: `signin_failed`)",
	401: "The credential is missing or does not verify (for an API key: also one that is not active)",
	403:
		"For an API key: it belongs to another guild, the caller's address is outside `allowed_cidrs`, or the key lacks the scope. " +
		"For the admin API: the caller lacks the permission in the guild (`permission_denied`), or a request with a session cookie " +
		"came from another origin or without the CSRF token (`csrf_rejected`)",
	404: "Nothing to act on (no active record, no such key)",
	409: "The change conflicts with the key's state, the guild's key limit, or an existing member",
	413: "The body is over 16 KB",
	415: "The body's charset or Content-Encoding is not one the gateway reads",
	429: "Quota spent, or too many failed authentications from this address: retry after `retry_after` seconds",
	502: "The data store (or, for the sign-in, Discord) is unreachable, or answered something that is not JSON",
	503: "A database the gateway needs is unavailable; try again shortly",
	504: "The data store did not answer in time",
};

const keyedRead = [400, 401, 403, 429, 502, 503, 504] as const;
const keyedWrite = [400, 401, 403, 413, 415, 429, 502, 503, 504] as const;
const adminRead = [400, 401, 403, 429, 503] as const;
const adminKey = [400, 401, 403, 404, 429, 503] as const;
const adminWrite = [400, 401, 403, 404, 413, 415, 429, 503] as const;

const moderation = `${API_BASE}/moderation/{guildId}`;
const keys = "/admin/v1/guilds/{guildId}/keys";

function kindOperations(kind: "ban" | "mute"): Operation[] {
	const [Kind, lift, status, list, statusNoun, liftedNoun] =
		kind === "ban"
			? ["Ban", "unban", "ban-status", "bans", "banned", "unbanned"]
			: ["Mute", "unmute", "mute-status", "mutes", "muted", "unmuted"];
	return [
		{
			method: "get",
			path: `${moderation}/${status}/{identifier}`,
			tag: "Moderation",
			summary: `${Kind} status of a Roblox user`,
			description:
				`Whether the user is ${statusNoun} in the guild (a record past its \`expires_at\` is not). With \`place_id\`, ` +
				"records for that place apply too. The answer carries `Cache-Control: private, max-age=<seconds>`: how long a client may reuse it.",
			caller: "api_key",
			params: statusParams,
			query: statusQuery,
			success: { status: 200, description: `User is ${statusNoun} / User is not ${statusNoun}`, data: kind === "ban" ? banStatusData : muteStatusData },
			errors: keyedRead,
		},
		{
			method: "post",
			path: `${moderation}/roblox/${kind}`,
			tag: "Moderation",
			summary: `${Kind} a Roblox user`,
			description: `Needs the \`moderation:write\` scope. ${Kind}ning a user who already has one replaces it.`,
			caller: "api_key",
			params: guildParams,
			body: { schema: imposeBody, required: true },
			success: { status: 201, description: `User ${statusNoun}`, data: kind === "ban" ? banWriteData : muteWriteData },
			errors: keyedWrite,
		},
		{
			method: "post",
			path: `${moderation}/roblox/${lift}`,
			tag: "Moderation",
			summary: `Lift a Roblox user's ${kind}`,
			description: `Needs the \`moderation:write\` scope. 404 \`No active ${kind} for this user\` when there is none.`,
			caller: "api_key",
			params: guildParams,
			body: { schema: liftBody, required: true },
			success: { status: 200, description: `User ${liftedNoun}`, data: kind === "ban" ? unbanData : unmuteData },
			errors: [...keyedWrite, 404],
		},
		{
			method: "get",
			path: `${moderation}/roblox/${list}/active`,
			tag: "Moderation",
			summary: `Active ${list} of the guild`,
			description: "In the order they were made, a page at a time: pass `next_cursor` back as `cursor` until it is null.",
			caller: "api_key",
			params: guildParams,
			query: listQuery,
			success: { status: 200, description: `Active ${list}`, data: kind === "ban" ? activeBansData : activeMutesData },
			errors: keyedRead,
		},
	];
}

const consolePath = "/admin/v1/guilds/{guildId}/moderation";
const consoleRead = [400, 401, 403, 429, 502, 503, 504] as const;
const consoleWrite = [400, 401, 403, 413, 415, 429, 502, 503, 504] as const;

/** The dashboard's moderation (README, "API summary"): the keyed moderation answers, with the operator as the actor. */
function consoleOperations(): Operation[] {
	const reads: Operation[] = [
		{
			method: "get",
			path: `${consolePath}/status/{identifier}`,
			tag: "Moderation",
			summary: "Ban and mute status of a Roblox user, for the dashboard",
			description: "Needs `view`. Ban-status and mute-status `data` in one answer; with `place_id`, records for that place apply too.",
			caller: "admin_token",
			params: consoleStatusParams,
			query: consoleStatusQuery,
			success: { status: 200, description: "Moderation status", data: consoleStatusData },
			errors: consoleRead,
		},
		{
			method: "get",
			path: `${consolePath}/history/{identifier}`,
			tag: "Moderation",
			summary: "A Roblox user's history, for the dashboard",
			description: "Needs `view`. As the key-authenticated history route.",
			caller: "admin_token",
			params: consoleStatusParams,
			query: listQuery,
			success: { status: 200, description: "Moderation history", data: historyData },
			errors: consoleRead,
		},
		...(["bans", "mutes"] as const).map(
			(list): Operation => ({
				method: "get",
				path: `${consolePath}/${list}`,
				tag: "Moderation",
				summary: `Active ${list}, for the dashboard`,
				description: "Needs `view`. As the key-authenticated active list.",
				caller: "admin_token",
				params: consoleParams,
				query: listQuery,
				success: { status: 200, description: `Active ${list}`, data: list === "bans" ? activeBansData : activeMutesData },
				errors: consoleRead,
			}),
		),
	];
	const writes = (["ban", "mute"] as const).flatMap((kind): Operation[] => {
		const [Kind, lift, imposed, lifted] = kind === "ban" ? ["Ban", "unban", "banned", "unbanned"] : ["Mute", "unmute", "muted", "unmuted"];
		return [
			{
				method: "post",
				path: `${consolePath}/${kind}`,
				tag: "Moderation",
				summary: `${Kind} a Roblox user from the dashboard`,
				description: `Needs \`moderate\`. Without \`moderator_roblox_id\`, \`${kind}ned_by\` is the operator: \`discord:<user id>\`, or \`admin_token\` for the platform operator.`,
				caller: "admin_token",
				params: consoleParams,
				body: { schema: consoleImposeBody, required: true },
				success: { status: 201, description: `User ${imposed}`, data: kind === "ban" ? banWriteData : muteWriteData },
				errors: consoleWrite,
			},
			{
				method: "post",
				path: `${consolePath}/${lift}`,
				tag: "Moderation",
				summary: `Lift a Roblox user's ${kind} from the dashboard`,
				description: `Needs \`moderate\`. Without \`moderator_roblox_id\`, \`lifted_by\` is the operator. 404 when there is none.`,
				caller: "admin_token",
				params: consoleParams,
				body: { schema: liftBody, required: true },
				success: { status: 200, description: `User ${lifted}`, data: kind === "ban" ? unbanData : unmuteData },
				errors: [...consoleWrite, 404],
			},
		];
	});
	return [...reads, ...writes];
}

export const OPERATIONS: readonly Operation[] = [
	kindOperations("ban")[0],
	{
		method: "post",
		path: `${moderation}/ban-status/batch`,
		tag: "Moderation",
		summary: "Ban status of many Roblox users at once",
		description: `1 to ${BATCH_MAX_IDENTIFIERS} ids per request; costs one quota point per 10 ids (at least 1).`,
		caller: "api_key",
		params: guildParams,
		query: statusQuery,
		body: { schema: batchBody, required: true },
		success: { status: 200, description: "Ban statuses", data: banStatusBatchData },
		errors: keyedWrite,
	},
	...kindOperations("ban").slice(1),
	...kindOperations("mute"),
	{
		method: "get",
		path: `${moderation}/roblox/history/{identifier}`,
		tag: "Moderation",
		summary: "Every ban and mute a Roblox user ever had in the guild",
		description:
			"Newest first, lifted, replaced and expired records included, a page at a time: pass `next_cursor` back as `cursor` " +
			"until it is null. Costs one `lists` point.",
		caller: "api_key",
		params: statusParams,
		query: listQuery,
		success: { status: 200, description: "Moderation history", data: historyData },
		errors: keyedRead,
	},
	{
		method: "get",
		path: `${moderation}/events`,
		tag: "Moderation",
		summary: "The guild's bans and mutes as they happen",
		description:
			"A long poll: answers as soon as there is a change after `after` (or when `wait` ends), with the events and `next`, " +
			"the `after` of the next poll. With `Accept: text/event-stream` it is a server-sent event stream instead: each change " +
			"as `id: <sequence>`, `event: ban|unban|mute|unmute`, `data:` the event's other fields; a comment every 15 s; resume " +
			"with `Last-Event-ID`. A position older than the gateway keeps (at least 24 hours or 10,000 changes) starts with " +
			"`reset`: re-check everyone. Each poll or stream costs one `moderation` point; a key holds at most 2,000 open at once " +
			"(EVENT_STREAMS_PER_KEY; more is a 429).",
		caller: "api_key",
		params: guildParams,
		query: eventsQuery,
		success: { status: 200, description: "Moderation events", data: moderationEventsData },
		errors: keyedRead,
	},
	{
		method: "get",
		path: keys,
		tag: "API keys",
		summary: "List the guild's keys",
		caller: "admin_token",
		params: adminGuildParams,
		success: { status: 200, description: "API keys retrieved", data: keyListData },
		errors: adminRead,
	},
	{
		method: "post",
		path: keys,
		tag: "API keys",
		summary: "Create a key",
		description: "At most 3 keys per guild that are not revoked (409 `key_limit_reached`). The full key is in `data.key`, this once.",
		caller: "admin_token",
		params: adminGuildParams,
		body: { schema: createKeyBody, required: false },
		success: { status: 201, description: "API key created; store it now, it will not be shown again", data: keyIssuedData },
		errors: [400, 401, 403, 409, 413, 415, 429, 503],
		conflicts: ["key_limit_reached"],
	},
	...(["revoke", "disable", "enable"] as const).map(
		(action): Operation => ({
			method: "post",
			path: `${keys}/{keyId}/${action}`,
			tag: "API keys",
			summary: `${action[0].toUpperCase()}${action.slice(1)} a key`,
			description:
				action === "revoke"
					? "Final: a revoked key never works again, and frees its slot. Takes effect on the next request on every instance."
					: action === "enable"
						? "409 `key_revoked` for a revoked key; 409 `key_roll_required` for a `moderated`, `user_moderated` or `creator_removed` key: only a roll makes it active."
						: "409 `key_revoked` for a revoked key.",
			caller: "admin_token",
			params: keyParams,
			success: { status: 200, description: `API key ${action === "revoke" ? "revoked" : `${action}d`}`, data: keyRecordData },
			// Revoking a revoked key answers its record: only the other two conflict.
			...(action === "revoke"
				? { errors: adminKey }
				: { errors: [...adminKey, 409], conflicts: action === "enable" ? (["key_revoked", "key_roll_required"] as const) : (["key_revoked"] as const) }),
		}),
	),
	{
		method: "patch",
		path: `${keys}/{keyId}`,
		tag: "API keys",
		summary: "Change a key's name, addresses or expiry",
		description: "Scopes are fixed at creation. Any update reactivates an `auto_expired` key.",
		caller: "admin_token",
		params: keyParams,
		body: { schema: updateKeyBody, required: true },
		success: { status: 200, description: "API key updated", data: keyRecordData },
		errors: [...adminWrite, 409],
		conflicts: ["key_revoked"],
	},
	{
		method: "delete",
		path: `${keys}/{keyId}`,
		tag: "API keys",
		summary: "Delete a revoked key",
		description: "409 `key_not_revoked` unless the key is revoked; its audit events stay.",
		caller: "admin_token",
		params: keyParams,
		success: { status: 204, description: "Deleted", data: null },
		errors: [...adminKey, 409],
		conflicts: ["key_not_revoked"],
	},
	{
		method: "post",
		path: `${keys}/{keyId}/roll`,
		tag: "API keys",
		summary: "Give a key a new secret",
		description: "The new full key is in `data.key`, this once; the previous secret keeps working for `expire_previous_in_seconds`.",
		caller: "admin_token",
		params: keyParams,
		body: { schema: rollKeyBody, required: false },
		success: { status: 200, description: "API key rolled; store the new key now, it will not be shown again", data: keyIssuedData },
		errors: [...adminWrite, 409],
		conflicts: ["key_revoked"],
	},
	{
		method: "post",
		path: `${keys}/{keyId}/moderate`,
		tag: "API keys",
		summary: "Moderate a key (platform operator only)",
		description:
			"Resets the key for security reasons: it turns `moderated` and stops working on the next request, on every instance, until " +
			"someone allowed rolls it. Only `Authorization: Bearer <ADMIN_TOKEN>` may; an operator's session gets 403 `permission_denied`.",
		caller: "admin_token",
		params: keyParams,
		success: { status: 200, description: "API key moderated; roll it to give it a new secret", data: keyRecordData },
		errors: [...adminKey, 409],
		conflicts: ["key_revoked"],
	},
	{
		method: "get",
		path: "/admin/v1/guilds/{guildId}/audit",
		tag: "API keys",
		summary: "The guild's key, member, webhook and experience events",
		description:
			"Newest first, each with its actor and address. `key_id` is null for events about no key: members, suspensions, " +
			"webhooks (`webhook_*`) and linked experiences (`experience_*`; `experience_link_failing` names the actor `system`).",
		caller: "admin_token",
		params: adminGuildParams,
		query: auditQuery,
		success: { status: 200, description: "Audit events retrieved", data: auditData },
		errors: adminRead,
	},
	{
		method: "get",
		path: `${keys}/{keyId}/usage`,
		tag: "API keys",
		summary: "Requests per minute or hour",
		caller: "admin_token",
		params: keyParams,
		query: usageQuery,
		success: { status: 200, description: "Usage retrieved", data: usageData },
		errors: adminKey,
	},
	...consoleOperations(),
	...OUTBOUND_OPERATIONS,
	{
		method: "get",
		path: "/admin/v1/auth/discord",
		tag: "Operators",
		summary: "Start the Discord sign-in",
		description:
			"Redirects (302) to Discord's authorize page with `state`, an S256 PKCE challenge and the scopes `identify guilds`; a " +
			"short-lived HttpOnly cookie keeps the state and verifier for the callback. 404 when DISCORD_CLIENT_ID/SECRET are unset.",
		caller: "anyone",
		success: { status: 302, description: "To Discord's authorize page", data: null },
		errors: [404],
	},
	{
		method: "get",
		path: "/admin/v1/auth/discord/callback",
		tag: "Operators",
		summary: "Discord's way back: open a session",
		description:
			"Checks `state`, trades the code (with the PKCE verifier) for Discord tokens (kept encrypted with SECRETS_KEY), reads the " +
			"user and their guilds, then sets a new session cookie (any previous one ends) and redirects (302) to the dashboard. A " +
			"failed sign-in is 400 `signin_failed` and counts against the address (429 `auth_throttled` past the limit); a suspended " +
			"operator gets 403.",
		caller: "sign_in",
		query: discordCallbackQuery,
		success: { status: 302, description: "To the dashboard, signed in", data: null },
		errors: [400, 403, 404, 429, 502, 503],
	},
	{
		method: "post",
		path: "/admin/v1/auth/logout",
		tag: "Operators",
		summary: "End the session",
		description: "Ends the session of the cookie and clears it (CSRF rules apply). With the admin token there is nothing to end.",
		caller: "admin_token",
		success: { status: 200, description: "Signed out", data: signedOutData },
		errors: [401, 403, 429, 503],
	},
	{
		method: "get",
		path: "/admin/v1/me",
		tag: "Operators",
		summary: "Who is signed in",
		description: "The actor, their guilds with the permissions they hold there, and the CSRF token of the session.",
		caller: "admin_token",
		success: { status: 200, description: "Signed in as …", data: meData },
		errors: [401, 429, 503],
	},
	{
		method: "get",
		path: "/admin/v1/guilds",
		tag: "Operators",
		summary: "The guilds the caller may see",
		description:
			"An operator's guilds where they hold any permission (through Discord or granted); for the admin token, every guild " +
			"with keys. Names and icons come from Discord where an operator's sign-in saw them.",
		caller: "admin_token",
		success: { status: 200, description: "Guilds retrieved", data: guildsData },
		errors: [401, 429, 503],
	},
	{
		method: "get",
		path: "/admin/v1/guilds/{guildId}/members",
		tag: "Operators",
		summary: "The guild's operators by grant",
		description: "Needs `manage_members`. Discord owners and holders of Administrator or Manage Server need no grant.",
		caller: "admin_token",
		params: adminGuildParams,
		success: { status: 200, description: "Members retrieved", data: membersData },
		errors: adminRead,
	},
	{
		method: "post",
		path: "/admin/v1/guilds/{guildId}/members",
		tag: "Operators",
		summary: "Grant a Discord user permissions in the guild",
		description: "Needs `manage_members`. 409 `member_exists` when they are a member already (PATCH them instead).",
		caller: "admin_token",
		params: adminGuildParams,
		body: { schema: addMemberBody, required: true },
		success: { status: 201, description: "Member added", data: memberData },
		errors: [400, 401, 403, 409, 413, 415, 429, 503],
		conflicts: ["member_exists"],
	},
	{
		method: "patch",
		path: "/admin/v1/guilds/{guildId}/members/{discordUserId}",
		tag: "Operators",
		summary: "Set a member's permissions",
		description:
			"Needs `manage_members`. A member left without `create_keys` or `administer_keys` has the keys they generated turn " +
			"`creator_removed`, on the next request on every instance.",
		caller: "admin_token",
		params: memberParams,
		body: { schema: updateMemberBody, required: true },
		success: { status: 200, description: "Member updated", data: memberData },
		errors: adminWrite,
	},
	{
		method: "delete",
		path: "/admin/v1/guilds/{guildId}/members/{discordUserId}",
		tag: "Operators",
		summary: "Remove a member",
		description: "Needs `manage_members`. Their keys turn `creator_removed` unless Discord still gives them the right.",
		caller: "admin_token",
		params: memberParams,
		success: { status: 204, description: "Removed", data: null },
		errors: adminKey,
	},
	...(["suspend", "unsuspend"] as const).map(
		(action): Operation => ({
			method: "post",
			path: `/admin/v1/operators/{discordUserId}/${action}`,
			tag: "Operators",
			summary: action === "suspend" ? "Suspend an operator (platform operator only)" : "Lift a suspension (platform operator only)",
			description:
				action === "suspend"
					? "Their sessions end and every key they generated turns `user_moderated`, on the next request on every instance; the audit " +
						"of each guild where they hold a permission records `operator_suspended`."
					: "Their `user_moderated` keys are back to what they were; those guilds' audits record `operator_unsuspended`.",
			caller: "admin_token",
			params: operatorParams,
			success: { status: 200, description: action === "suspend" ? "Operator suspended" : "Suspension lifted", data: suspensionData },
			errors: adminKey,
		}),
	),
	{
		method: "get",
		path: "/healthz",
		tag: "Health",
		summary: "The process is up",
		caller: "anyone",
		success: { status: 200, description: "OK", data: z.object({ status: z.literal("up") }) },
		errors: [],
	},
	{
		method: "get",
		path: "/readyz",
		tag: "Health",
		summary: "Every store and the data store are reachable",
		description: "503 names the failing parts in `message` and `details.failing`.",
		caller: "anyone",
		success: { status: 200, description: "Ready", data: z.object({ ready: z.literal(true) }) },
		errors: [503],
	},
];
