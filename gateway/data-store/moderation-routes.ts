// gateway/data-store/moderation-routes.ts
// The moderation endpoints (docs/api.md, "API summary") under /moderation/:guildId, for bans and for mutes.

import { Router, type Request } from "express";
import { ErrorMessage } from "../../shared/errors";
import type { BanStatusBatchData, BanStatusData, HistoryData, MuteStatusData } from "../../shared/records";
import { badRequest, notFound, sendSuccess } from "../platform/http/envelope";
import { requireVerifiedGuild } from "./internal-auth";
import { ACTOR_HEADER } from "./internal-headers";
import { decodeCursor, decodeHistoryCursor, encodeCursor, encodeHistoryCursor } from "./list-cursor";
import type { Clock, ModerationKind, ModerationRecord, ModerationStore } from "./moderation-store";
import { readPart } from "../platform/http/fields";
import {
	batchBody,
	changesQuery,
	consoleImposeBody,
	imposeBody,
	liftBody,
	listQuery,
	statusParams,
	statusQuery,
} from "../moderation/moderation-schemas";
import { pathParam } from "../moderation/request-fields";
import { COMMANDS_PATH, IMPORT_PATH, RECORDS_PATH, commandBody, importBody, recordsQuery } from "./import-wire";
import { liftFields, toBanInfo, toHistoryEntry, toModerationEvent, toMuteInfo } from "./wire";

/** Everything that differs between the ban routes and the mute routes. */
interface KindVocabulary<Status extends BanStatusData | MuteStatusData> {
	kind: ModerationKind;
	/** Path segments: `/<status>/:identifier`, `/roblox/<impose>`, `/roblox/<lift>`, `/roblox/<list>/active`. */
	paths: { status: string; impose: string; lift: string; list: string };
	status(record: ModerationRecord | null): Status;
	statusMessage(found: boolean): string;
	/** One record as the write and list endpoints show it: `roblox_id` plus the info fields. */
	entry(record: ModerationRecord): object;
	messages: { imposed: string; lifted: string; noneActive: string; list: string };
}

const robloxIdText = (record: ModerationRecord) => String(record.robloxId);

const BANS: KindVocabulary<BanStatusData> = {
	kind: "ban",
	paths: { status: "ban-status", impose: "ban", lift: "unban", list: "bans" },
	status: (record) => (record === null ? { banned: false } : { banned: true, ban_info: toBanInfo(record) }),
	statusMessage: (found) => (found ? "User is banned" : "User is not banned"),
	entry: (record) => ({ roblox_id: robloxIdText(record), ...toBanInfo(record) }),
	messages: { imposed: "User banned", lifted: "User unbanned", noneActive: ErrorMessage.noActiveBan, list: "Active bans" },
};

const MUTES: KindVocabulary<MuteStatusData> = {
	kind: "mute",
	paths: { status: "mute-status", impose: "mute", lift: "unmute", list: "mutes" },
	status: (record) => (record === null ? { muted: false } : { muted: true, mute_info: toMuteInfo(record) }),
	statusMessage: (found) => (found ? "User is muted" : "User is not muted"),
	entry: (record) => ({ roblox_id: robloxIdText(record), ...toMuteInfo(record) }),
	messages: { imposed: "User muted", lifted: "User unmuted", noneActive: ErrorMessage.noActiveMute, list: "Active mutes" },
};

/** The guild `requireVerifiedGuild` already checked. */
const guildOf = (req: Request) => pathParam(req, "guildId");

/** The dashboard's actor, set by the gateway (behind the internal token) for moderation from the console. */
function actorOf(req: Request): string | null {
	const actor = req.headers[ACTOR_HEADER];
	return typeof actor === "string" && actor !== "" ? actor : null;
}

function addKindRoutes<Status extends BanStatusData | MuteStatusData>(
	router: Router,
	store: ModerationStore,
	clock: Clock,
	words: KindVocabulary<Status>,
): void {
	const { kind, paths, messages } = words;

	router.get(`/${paths.status}/:identifier`, async (req, res) => {
		const { identifier: robloxId } = readPart(statusParams, req.params);
		const { place_id: placeId } = readPart(statusQuery, req.query);
		const record = await store.findActive(guildOf(req), kind, robloxId, placeId);
		// An expiring record may be cached only until it ends; the gateway caps its own lifetime by this.
		if (record?.expiresAt != null) {
			res.setHeader("Cache-Control", `private, max-age=${Math.max(0, Math.floor((record.expiresAt - clock()) / 1000))}`);
		}
		sendSuccess(res, 200, words.statusMessage(record !== null), words.status(record));
	});

	router.post(`/roblox/${paths.impose}`, async (req, res) => {
		const actor = actorOf(req);
		// From the dashboard the Roblox moderator may be left out: the operator is recorded instead.
		const body = actor === null ? readPart(imposeBody, req.body) : readPart(consoleImposeBody, req.body);
		const byRoblox = body.moderator_roblox_id !== null;
		const input = {
			robloxId: body.roblox_id,
			reason: body.reason,
			moderatorId: body.moderator_roblox_id ?? 0,
			actor: byRoblox ? null : actor,
			durationMs: body.duration,
			placeId: body.place_id,
			jobId: body.job_id,
		};
		const record = await store.impose(guildOf(req), kind, input);
		sendSuccess(res, 201, messages.imposed, { [kind]: words.entry(record) });
	});

	router.post(`/roblox/${paths.lift}`, async (req, res) => {
		const body = readPart(liftBody, req.body);
		const actor = body.moderator_roblox_id === null ? actorOf(req) : null;
		const request = { robloxId: body.roblox_id, reason: body.reason, moderatorId: body.moderator_roblox_id, jobId: body.job_id, actor };
		const lifted = await store.lift(guildOf(req), kind, request);
		if (lifted.length === 0) throw notFound(messages.noneActive);
		sendSuccess(res, 200, messages.lifted, {
			roblox_id: String(request.robloxId),
			lifted: lifted.map((record) => ({ ...words.entry(record), ...liftFields(record) })),
		});
	});

	router.get(`/roblox/${paths.list}/active`, async (req, res) => {
		const { limit, cursor } = readPart(listQuery, req.query);
		const after = cursor === undefined ? null : decodeCursor(kind, cursor);
		const page = await store.listActive(guildOf(req), kind, { limit, after });
		sendSuccess(res, 200, messages.list, {
			[paths.list]: page.records.map(words.entry),
			next_cursor: page.next === null ? null : encodeCursor(kind, page.next),
		});
	});
}

/** Routes for one guild; mount at `/api/v1/moderation/:guildId` behind the internal token check. */
export function moderationRoutes(store: ModerationStore, clock: Clock): Router {
	const router = Router({ mergeParams: true });
	router.use(requireVerifiedGuild);

	// The guild's change log, for the gateway's events route (not a public path: the gateway answers
	// `/events` itself and reads this behind the internal token).
	router.get("/changes", async (req, res) => {
		const { after, limit } = readPart(changesQuery, req.query);
		const page = await store.changesAfter(guildOf(req), after, limit);
		sendSuccess(res, 200, "Changes", { changes: page.changes.map(toModerationEvent), head: page.head, oldest: page.oldest });
	});

	// How many bans the active list holds, for the admin API's guild listing (internal, like `/changes`:
	// the gateway forwards no such path).
	router.get("/roblox/bans/count", async (req, res) => {
		sendSuccess(res, 200, "Active ban count", { count: await store.countActive(guildOf(req), "ban") });
	});

	// A page of an import's records, written whole in one transaction (internal, like `/changes`).
	router.post(IMPORT_PATH, async (req, res) => {
		const { records, reset } = readPart(importBody, req.body);
		sendSuccess(res, 200, "Records imported", await store.importRecords(guildOf(req), records, reset));
	});

	// An order for live servers joins the change log (internal, like `/changes`; docs/fleets.md).
	router.post(COMMANDS_PATH, async (req, res) => {
		const command = readPart(commandBody, req.body);
		sendSuccess(res, 201, "Command appended", { sequence: await store.appendCommand(guildOf(req), command) });
	});

	// Every record of the guild, by id, for an export (internal, like `/changes`).
	router.get(RECORDS_PATH, async (req, res) => {
		const { after, limit } = readPart(recordsQuery, req.query);
		sendSuccess(res, 200, "Records", { records: await store.allRecords(guildOf(req), after, limit) });
	});

	// Every ban and mute the user ever had here, newest first (docs/api.md, "API summary").
	router.get("/roblox/history/:identifier", async (req, res) => {
		const { identifier: robloxId } = readPart(statusParams, req.params);
		const { limit, cursor } = readPart(listQuery, req.query);
		const before = cursor === undefined ? null : decodeHistoryCursor(cursor);
		const page = await store.historyPage(guildOf(req), robloxId, { limit, before });
		const now = clock();
		sendSuccess<HistoryData>(res, 200, "Moderation history", {
			entries: page.records.map((record) => toHistoryEntry(record, now)),
			next_cursor: page.next === null ? null : encodeHistoryCursor(page.next),
		});
	});

	// Registered before `/ban-status/:identifier` only for reading order: the methods differ.
	router.post("/ban-status/batch", async (req, res) => {
		const body = readPart(batchBody, req.body);
		const robloxIds = body.identifiers;
		const query = readPart(statusQuery, req.query);
		// In the body (as the contract says) or the query string (as ban-status takes it); never two places.
		if (body.place_id !== null && query.place_id !== null && body.place_id !== query.place_id) {
			throw badRequest("place_id was given in the body and the query string with different values");
		}
		const placeId = body.place_id ?? query.place_id;
		const guildId = guildOf(req);
		const [bans, mutes] = await Promise.all([
			store.findActiveMany(guildId, "ban", robloxIds, placeId),
			body.include_mutes ? store.findActiveMany(guildId, "mute", robloxIds, placeId) : undefined,
		]);
		const results: BanStatusBatchData["results"] = {};
		for (const robloxId of robloxIds) {
			const banStatus = BANS.status(bans.get(robloxId) ?? null);
			results[String(robloxId)] = mutes === undefined ? banStatus : { ...banStatus, ...MUTES.status(mutes.get(robloxId) ?? null) };
		}
		sendSuccess<BanStatusBatchData>(res, 200, "Ban statuses", { results });
	});

	addKindRoutes(router, store, clock, BANS);
	addKindRoutes(router, store, clock, MUTES);
	return router;
}
