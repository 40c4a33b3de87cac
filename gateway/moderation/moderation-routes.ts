// gateway/moderation/moderation-routes.ts
// The key-authenticated moderation API (docs/api.md, "API summary"), declared once: the data store parses each request with the same schemas.

import { z } from "zod";
import { API_BASE, BATCH_MAX_IDENTIFIERS } from "../../shared/routes";
import type { ModerationChangeNotice } from "../changes/change-bus";
import type { EventHub } from "../events/event-hub";
import { eventsRoute, type EventsRouteOptions } from "../events/events-route";
import { defineRoute, type Route, type SuccessAnswer } from "../platform/http/route";
import { batchCost } from "../rate-limits/quota";
import { advertiseCacheLifetime, onModerationChange, serveCachedBanStatus } from "./ban-cache-middleware";
import type { BanStatusCache } from "./ban-status-cache";
import type { Forwarder } from "./forward";
import {
	activeBansData,
	activeMutesData,
	banStatusBatchData,
	banStatusData,
	banWriteData,
	batchBody,
	eventsQuery,
	guildParams,
	historyData,
	imposeBody,
	liftBody,
	listQuery,
	moderationEventsData,
	muteStatusData,
	muteWriteData,
	statusParams,
	statusQuery,
	unbanData,
	unmuteData,
} from "./moderation-schemas";

export interface ModerationRouteParts {
	config: { banCacheTtlSeconds: number; maxStreamsPerKey: number };
	forwarder: Forwarder;
	banCache: BanStatusCache;
	/** Tells other gateway instances and this one's event streams that a user's ban or mute changed. */
	announceChange: (change: ModerationChangeNotice) => void;
	events: EventHub;
	/** Hears the live servers that follow events (docs/fleets.md, "Presence"). */
	presence?: EventsRouteOptions["presence"];
	/** Whether a universe is pushed through Roblox (docs/fleets.md); by default never. */
	pushFor?: EventsRouteOptions["pushFor"];
}

const GUILD = `${API_BASE}/moderation/:guildId`;
/** The data store answers behind every route that reaches it: unreachable, failing or slow. */
export const FORWARDED = [502, 503, 504] as const;
const read = { caller: "api_key", scope: "moderation:read", category: "moderation" } as const;
const list = { caller: "api_key", scope: "moderation:read", category: "lists" } as const;
/** Live servers follow events on a quota of their own, so polling can never starve their join checks. */
const follow = { caller: "api_key", scope: "moderation:read", category: "events" } as const;
const write = { caller: "api_key", scope: "moderation:write", category: "writes", body: true } as const;

/** One ban as the data store answers it, for the examples. */
const BAN_INFO = { reason: "Exploiting", banned_by: "1", created_at: 1_750_000_000, expires_at: 1_750_604_800, is_permanent: false, place_id: null };
const LIFTED = { lifted_at: 1_750_000_600, lifted_by: "1", lift_reason: "Appeal accepted" };
const MUTE_INFO = { reason: "Spam", muted_by: "1", created_at: 1_750_000_000, expires_at: 1_750_003_600, is_permanent: false, place_id: null };

const moderation = (fields: Omit<Route<ModerationRouteParts>, "tag">): Route<ModerationRouteParts> => defineRoute({ tag: "Moderation", ...fields });

function kindRoutes(kind: "ban" | "mute") {
	const [Kind, lift, status, records, statusNoun, liftedNoun] =
		kind === "ban"
			? (["Ban", "unban", "ban-status", "bans", "banned", "unbanned"] as const)
			: (["Mute", "unmute", "mute-status", "mutes", "muted", "unmuted"] as const);
	const statusRoute = moderation({
		method: "get",
		path: `${GUILD}/${status}/:identifier`,
		summary: `${Kind} status of a Roblox user`,
		description:
			`Whether the user is ${statusNoun} in the guild (a record past its \`expires_at\` is not). With \`place_id\`, ` +
			"records for that place apply too. The answer carries `Cache-Control: private, max-age=<seconds>`: how long a client may reuse it.",
		guard: read,
		request: { params: statusParams, query: statusQuery },
		answers: [
			{
				status: 200,
				description: `User is ${statusNoun} / User is not ${statusNoun}`,
				data: kind === "ban" ? banStatusData : muteStatusData,
				example:
					kind === "ban"
						? { message: "User is banned", data: { banned: true, ban_info: BAN_INFO } }
						: { message: "User is muted", data: { muted: true, mute_info: MUTE_INFO } },
			},
		],
		errors: FORWARDED,
		hot: true,
		handle: ({ forwarder, banCache, config }) => [
			kind === "ban" ? serveCachedBanStatus(banCache, config.banCacheTtlSeconds) : advertiseCacheLifetime(config.banCacheTtlSeconds),
			forwarder.handler,
		],
	});
	const change = (deps: ModerationRouteParts) => onModerationChange(kind, deps.banCache, deps.announceChange);
	const writes = [
		moderation({
			method: "post",
			path: `${GUILD}/roblox/${kind}`,
			summary: `${Kind} a Roblox user`,
			description: `Needs the \`moderation:write\` scope. ${Kind}ning a user who already has one replaces it.`,
			guard: write,
			request: { params: guildParams, body: { schema: imposeBody, required: true, example: { roblox_id: "261", reason: "Exploiting", moderator_roblox_id: "1", duration: "7d" } } },
			answers: [
				{
					status: 201,
					description: `User ${statusNoun}`,
					data: kind === "ban" ? banWriteData : muteWriteData,
					example:
						kind === "ban"
							? { message: "User banned", data: { ban: { roblox_id: "261", ...BAN_INFO } } }
							: { message: "User muted", data: { mute: { roblox_id: "261", ...MUTE_INFO } } },
				},
			],
			errors: FORWARDED,
			handle: (deps) => [change(deps), deps.forwarder.handler],
		}),
		moderation({
			method: "post",
			path: `${GUILD}/roblox/${lift}`,
			summary: `Lift a Roblox user's ${kind}`,
			description: `Needs the \`moderation:write\` scope. 404 \`No active ${kind} for this user\` when there is none.`,
			guard: write,
			request: { params: guildParams, body: { schema: liftBody, required: true, example: { roblox_id: "261", moderator_roblox_id: "1" } } },
			answers: [
				{
					status: 200,
					description: `User ${liftedNoun}`,
					data: kind === "ban" ? unbanData : unmuteData,
					example: {
						message: `User ${liftedNoun}`,
						data: { roblox_id: "261", lifted: [{ roblox_id: "261", ...(kind === "ban" ? BAN_INFO : MUTE_INFO), ...LIFTED }] },
					},
				},
			],
			errors: [...FORWARDED, 404],
			handle: (deps) => [change(deps), deps.forwarder.handler],
		}),
	];
	const activeList = moderation({
		method: "get",
		path: `${GUILD}/roblox/${records}/active`,
		summary: `Active ${records} of the guild`,
		description: "In the order they were made, a page at a time: pass `next_cursor` back as `cursor` until it is null.",
		guard: list,
		request: { params: guildParams, query: listQuery },
		answers: [
			{
				status: 200,
				description: `Active ${records}`,
				data: kind === "ban" ? activeBansData : activeMutesData,
				example: { message: `Active ${records}`, data: { [records]: [{ roblox_id: "261", ...(kind === "ban" ? BAN_INFO : MUTE_INFO) }], next_cursor: null } },
			},
		],
		errors: FORWARDED,
		handle: ({ forwarder }) => [forwarder.handler],
	});
	return { statusRoute, writes, activeList };
}

const bans = kindRoutes("ban");
const mutes = kindRoutes("mute");

const batch = moderation({
	method: "post",
	path: `${GUILD}/ban-status/batch`,
	summary: "Ban status of many Roblox users at once",
	description: `1 to ${BATCH_MAX_IDENTIFIERS} ids per request; costs one quota point per 10 ids (at least 1).`,
	guard: { ...read, cost: batchCost, body: true },
	request: { params: guildParams, query: statusQuery, body: { schema: batchBody, required: true, example: { identifiers: ["261", "156"], include_mutes: true } } },
	answers: [
		{
			status: 200,
			description: "Ban statuses",
			data: banStatusBatchData,
			example: { message: "Ban statuses", data: { results: { "261": { banned: true, ban_info: BAN_INFO, muted: false }, "156": { banned: false, muted: false } } } },
		},
	],
	errors: FORWARDED,
	hot: true,
	handle: ({ forwarder }) => [forwarder.handler],
});

const history = moderation({
	method: "get",
	path: `${GUILD}/roblox/history/:identifier`,
	summary: "Every ban and mute a Roblox user ever had in the guild",
	description:
		"Newest first, lifted, replaced and expired records included, a page at a time: pass `next_cursor` back as `cursor` " +
		"until it is null. Costs one `lists` point.",
	guard: list,
	request: { params: statusParams, query: listQuery },
	answers: [
		{
			status: 200,
			description: "Moderation history",
			data: historyData,
			example: {
				message: "Moderation history",
				data: {
					entries: [{ kind: "ban", state: "lifted", reason: "Exploiting", by: "1", created_at: 1_750_000_000, expires_at: null, is_permanent: true, place_id: null, ...LIFTED, job_id: null }],
					next_cursor: null,
				},
			},
		},
	],
	errors: FORWARDED,
	handle: ({ forwarder }) => [forwarder.handler],
});

const EVENT_STREAM: SuccessAnswer = {
	status: 200,
	description:
		"With `Accept: text/event-stream`: each change as `id: <sequence>`, `event: ban|unban|mute|unmute|reset|command`, `data:` the event's other fields as JSON; " +
		'a comment line every 15 s; `event: push` with `data: {"topic":"Technified"}` first when the server\'s universe is pushed through Roblox',
	data: { text: "text/event-stream", schema: z.string().meta({ example: 'id: 7\nevent: ban\ndata: {"roblox_id":"261","place_id":null,"ban_info":{…},"job_id":null,"at":1750000000}\n\n' }) },
};

const events = moderation({
	method: "get",
	path: `${GUILD}/events`,
	summary: "The guild's bans and mutes as they happen",
	description:
		"A long poll: answers as soon as there is a change after `after` (or when `wait` ends), with the events and `next`, " +
		"the `after` of the next poll. With `Accept: text/event-stream` it is a server-sent event stream instead: each change " +
		"as `id: <sequence>`, `event: ban|unban|mute|unmute`, `data:` the event's other fields; a comment every 15 s; resume " +
		"with `Last-Event-ID`. A position older than the gateway keeps (at least 24 hours or 10,000 changes) starts with " +
		"`reset`: re-check everyone. Each poll or stream costs one `events` point, never a `moderation` one, so following " +
		"events never starves join checks; a key holds at most 2,000 open streams and held polls together on each gateway " +
		"instance (EVENT_STREAMS_PER_KEY; more is a 429 with `Retry-After`). A live server names itself with `job_id` " +
		"(and `place_id`, `universe_id`, `players`): it is then listed as live, at no extra cost, and `command` events meant for " +
		"it (or for every server) reach it; a caller without `job_id` never sees commands. When the server's universe is pushed " +
		"through Roblox, `data.push` (or the stream's first `event: push`) names the MessagingService topic.",
	guard: follow,
	request: {
		params: guildParams,
		query: eventsQuery,
		headers: [
			{
				name: "Accept",
				description: "`text/event-stream` opens a server-sent event stream; anything else is a long poll answered in JSON",
				schema: z.string().meta({ example: "text/event-stream" }),
			},
			{
				name: "Last-Event-ID",
				description: "Stream only: the `id` of the last event received (an EventSource sends it when it reconnects); wins over `after`",
				schema: z.string().regex(/^(0|[1-9][0-9]*)$/).meta({ example: "7" }),
			},
		],
	},
	answers: [
		{
			status: 200,
			description: "Moderation events",
			data: moderationEventsData,
			example: {
				message: "Moderation events",
				data: { events: [{ id: 7, event: "ban", roblox_id: "261", place_id: null, ban_info: BAN_INFO, job_id: null, at: 1_750_000_000 }], next: 7 },
			},
		},
		EVENT_STREAM,
	],
	errors: [502],
	hot: true,
	handle: ({ events: hub, config, presence, pushFor }) => [eventsRoute({ hub, maxStreamsPerKey: config.maxStreamsPerKey, presence, pushFor })],
});

/** In the order Express and the hot table register them (the batch before `ban-status/:identifier`). */
export const MODERATION_ROUTES: readonly Route<ModerationRouteParts>[] = [
	bans.statusRoute,
	batch,
	mutes.statusRoute,
	...bans.writes,
	...mutes.writes,
	events,
	bans.activeList,
	mutes.activeList,
	history,
];
