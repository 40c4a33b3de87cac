// gateway/moderation/moderation-schemas.ts
// Requests and answers of the key-authenticated moderation API (docs/api.md, "API summary"): what the data store parses with, and what the document shows.

import { z } from "zod";
import type {
	BanInfo,
	BanStatusBatchData,
	BanStatusData,
	HistoryData,
	ModerationEvent,
	ModerationEventsData,
	MuteInfo,
	MuteStatusData,
	PushNotice,
	ServerCommandOrder,
} from "../../shared/records";
import { BATCH_MAX_IDENTIFIERS } from "../../shared/routes";
import {
	cursorQuery,
	duration,
	guildIdParam,
	includeMutes,
	jobId,
	limitQuery,
	noCacheQuery,
	optionalReason,
	optionalRobloxId,
	placeId,
	placeIdQuery,
	playersQuery,
	reason,
	robloxId,
	robloxIdText,
	sequence,
	serverJobId,
	universeIdQuery,
	writtenAs,
} from "../platform/http/fields";

/** A JSON body: an object, or the one refusal every route words the same. */
function jsonObject<Shape extends z.core.$ZodLooseShape>(shape: Shape) {
	return z.object(shape, { error: "Request body must be a JSON object (Content-Type: application/json)" });
}

/** The longest a long poll is held (docs/api.md, "API summary"). */
export const MAX_EVENTS_WAIT_SECONDS = 25;
const waitWords = {
	error: `wait must be a whole number of seconds from 0 to ${MAX_EVENTS_WAIT_SECONDS}`,
};

const guildId = guildIdParam("guildId must be a Discord guild id (17 to 20 digits)");
export const guildParams = z.object({ guildId });
export const statusParams = z.object({ guildId, identifier: robloxIdText });
export const statusQuery = z.object({ place_id: placeIdQuery, no_cache: noCacheQuery });
export const listQuery = z.object({ limit: limitQuery, cursor: cursorQuery });

const identifiersWords = {
	error: (issue: z.core.$ZodRawIssue) =>
		Array.isArray(issue.input)
			? `identifiers must hold 1 to ${BATCH_MAX_IDENTIFIERS} ids (got ${issue.input.length})`
			: "identifiers must be an array of Roblox user ids",
};

/** 1 to 100 Roblox ids, each kept once, in the order first given. */
export const batchBody = jsonObject({
	identifiers: z
		.array(robloxId, identifiersWords)
		.min(1, identifiersWords)
		.max(BATCH_MAX_IDENTIFIERS, identifiersWords)
		.transform((ids) => [...new Set(ids)])
		.meta({ description: `1 to ${BATCH_MAX_IDENTIFIERS} Roblox user ids; a repeated id is answered once` }),
	place_id: placeId.meta({ description: "Place-specific bans apply too (the query string's `place_id` is accepted as well)" }),
	include_mutes: includeMutes,
});

/** The change log read (the data store's, behind the internal token). */
export const changesQuery = z.object({ after: sequence.optional().transform((after) => after ?? 0), limit: limitQuery });
/** The events route (docs/api.md, "API summary"). */
export const eventsQuery = z.object({
	after: sequence.optional(),
	wait: writtenAs(
		z
			.string(waitWords)
			.regex(/^(0|[1-9][0-9]?)$/, waitWords)
			.refine((value) => Number(value) <= MAX_EVENTS_WAIT_SECONDS, waitWords)
			.default(String(MAX_EVENTS_WAIT_SECONDS))
			.transform(Number)
			.meta({ description: `Long poll only: seconds to hold the request when nothing is new, 0 to ${MAX_EVENTS_WAIT_SECONDS} (default ${MAX_EVENTS_WAIT_SECONDS})` }),
		// The example asks for an answer at once: a client trying it should not wait 25 seconds.
		{ type: "integer", minimum: 0, maximum: MAX_EVENTS_WAIT_SECONDS, default: MAX_EVENTS_WAIT_SECONDS, example: 0 },
	),
	// A live server says which it is: its presence, at no extra cost (docs/fleets.md).
	job_id: serverJobId.optional().meta({ description: "The asking server's `game.JobId`: it is listed as live, and `command` events for it reach it" }),
	place_id: placeIdQuery,
	universe_id: universeIdQuery.optional(),
	players: playersQuery.optional(),
});

/**
 * A stream's `Last-Event-ID` header: where a reconnecting EventSource stopped. One that is no sequence
 * (set by something else on the origin) counts as absent: EventSource takes a 400 as final and never
 * reconnects.
 */
export const lastEventIdHeader = sequence.optional().catch(undefined);

/** Ban and mute. */
export const imposeBody = jsonObject({
	roblox_id: robloxId,
	reason,
	moderator_roblox_id: robloxId,
	duration,
	place_id: placeId,
	job_id: jobId,
});

/**
 * Ban and mute from the dashboard (docs/api.md, "API summary"): the moderator's Roblox id may be left out,
 * and the operator is recorded instead.
 */
export const consoleImposeBody = imposeBody.extend({
	moderator_roblox_id: optionalRobloxId.meta({ description: "The moderator's Roblox user id; left out, the operator (`discord:<user id>`) is recorded" }),
});

/** Unban and unmute. */
export const liftBody = jsonObject({
	roblox_id: robloxId,
	reason: optionalReason.meta({ description: "Why it is lifted (default `Unbanned via game server`)" }),
	moderator_roblox_id: optionalRobloxId,
	job_id: jobId,
});

// Answers. Times are unix seconds; each schema is checked against the shared wire type it describes.
const unixSeconds = z.int().nonnegative();

/** The most a `message` command may show (docs/fleets.md). */
export const COMMAND_TEXT_MAX_CHARS = 200;

/** An order for live servers as the events route, the push and the admin API carry it (docs/fleets.md). */
export const serverCommandOrder = z.object({
	id: z.string().meta({ description: "The command's id, for the ack" }),
	kind: z.enum(["kick", "message", "shutdown"]),
	job_id: z.string().nullable().meta({ description: "The target server's JobId; null: every live server" }),
	user_id: z.string().optional().meta({ description: "`kick`: the Roblox user id to kick" }),
	text: z.string().optional().meta({ description: `\`message\`: what to show, at most ${COMMAND_TEXT_MAX_CHARS} characters` }),
	reason: z.string().optional().meta({ description: "`kick` and `shutdown`: the reason the players are shown" }),
}) satisfies z.ZodType<ServerCommandOrder>;

/** `data.push`: the server's universe is pushed through Roblox's MessagingService. */
export const pushNotice = z.object({ topic: z.string().meta({ example: "Technified" }) }) satisfies z.ZodType<PushNotice>;
const expiresAt = unixSeconds.nullable().meta({ description: "Unix seconds; null for a permanent record" });
const recordPlace = z.int().positive().nullable().meta({ description: "The place it applies to; null for every place" });

const banInfo = z
	.object({
		reason: z.string(),
		banned_by: z.string().meta({ description: "The moderator's Roblox user id; `discord:<user id>` or `admin_token` for a dashboard ban" }),
		created_at: unixSeconds,
		expires_at: expiresAt,
		is_permanent: z.boolean(),
		place_id: recordPlace,
	}) satisfies z.ZodType<BanInfo>;

const muteInfo = z
	.object({
		reason: z.string(),
		muted_by: z.string().meta({ description: "The moderator's Roblox user id; `discord:<user id>` or `admin_token` for a dashboard mute" }),
		created_at: unixSeconds,
		expires_at: expiresAt,
		is_permanent: z.boolean(),
		place_id: recordPlace,
	}) satisfies z.ZodType<MuteInfo>;

export const banStatusData = z.union([
	z.object({ banned: z.literal(false) }),
	z.object({ banned: z.literal(true), ban_info: banInfo }),
]) satisfies z.ZodType<BanStatusData>;

export const muteStatusData = z.union([
	z.object({ muted: z.literal(false) }),
	z.object({ muted: z.literal(true), mute_info: muteInfo }),
]) satisfies z.ZodType<MuteStatusData>;

const batchResult = z.union([
	z.object({ banned: z.literal(false), muted: z.boolean().optional(), mute_info: muteInfo.optional() }),
	z.object({ banned: z.literal(true), ban_info: banInfo, muted: z.boolean().optional(), mute_info: muteInfo.optional() }),
]);

export const banStatusBatchData = z.object({
	results: z
		.record(z.string(), batchResult)
		.meta({ description: "One ban status per requested id, keyed by the id as a string; with `include_mutes`, `muted` and `mute_info` too" }),
}) satisfies z.ZodType<BanStatusBatchData>;

const moderationEvent = z.object({
	id: z.int().nonnegative().meta({ description: "The guild's sequence of this change" }),
	event: z
		.enum(["ban", "unban", "mute", "unmute", "reset", "command"])
		.meta({ description: "`reset`: the position asked for is no longer kept; re-check everyone. `command`: an order for the asking server (docs/fleets.md)" }),
	roblox_id: z.string().optional(),
	place_id: recordPlace.optional(),
	ban_info: banInfo.optional(),
	mute_info: muteInfo.optional(),
	job_id: z.string().nullable().optional(),
	command: serverCommandOrder.optional().meta({ description: "Only on `command` events: what the server is told to do" }),
	at: unixSeconds,
}) satisfies z.ZodType<ModerationEvent>;

export const moderationEventsData = z.object({
	events: z.array(moderationEvent),
	next: z.int().nonnegative().meta({ description: "Pass as `after` next time" }),
	push: pushNotice
		.optional()
		.meta({ description: "Present when the asking server's universe is pushed through Roblox: subscribe to this MessagingService topic and poll only to catch up" }),
}) satisfies z.ZodType<ModerationEventsData>;

const robloxIdOut = z.string().meta({ description: "Roblox user id" });
const banEntry = z.object({ roblox_id: robloxIdOut, ...banInfo.shape });
const muteEntry = z.object({ roblox_id: robloxIdOut, ...muteInfo.shape });
const liftFields = {
	lifted_at: unixSeconds.nullable(),
	lifted_by: z.string().nullable().meta({ description: "The Roblox user id that lifted it, when given (`discord:<user id>` or `admin_token` from the dashboard)" }),
	lift_reason: z.string().nullable(),
};
const nextCursor = z.string().nullable().meta({ description: "Pass as `cursor` for the next page; null at the end" });

export const banWriteData = z.object({ ban: banEntry });
export const muteWriteData = z.object({ mute: muteEntry });
export const unbanData = z.object({ roblox_id: robloxIdOut, lifted: z.array(z.object({ ...banEntry.shape, ...liftFields })) });
export const unmuteData = z.object({ roblox_id: robloxIdOut, lifted: z.array(z.object({ ...muteEntry.shape, ...liftFields })) });
export const activeBansData = z.object({ bans: z.array(banEntry), next_cursor: nextCursor });
export const activeMutesData = z.object({ mutes: z.array(muteEntry), next_cursor: nextCursor });

export const historyData = z.object({
	entries: z.array(
		z.object({
			kind: z.enum(["ban", "mute"]),
			state: z.enum(["active", "expired", "lifted", "replaced"]).meta({ description: "`replaced`: a newer record of the same scope took its place" }),
			reason: z.string(),
			by: z.string().meta({ description: "The moderator's Roblox user id, or `discord:<user id>` / `admin_token` for dashboard actions" }),
			created_at: unixSeconds,
			expires_at: expiresAt,
			is_permanent: z.boolean(),
			place_id: recordPlace,
			...liftFields,
			job_id: z.string().nullable(),
		}),
	).meta({ description: "Newest first" }),
	next_cursor: nextCursor,
}) satisfies z.ZodType<HistoryData>;
