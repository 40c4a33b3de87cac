// test/luau/harness/fake-api.ts
// A scripted stand-in for the moderation API (docs/api.md, "API summary") that answers the emulated
// server's HttpService: bans (global or for one place), mutes, key checks, moderation writes, the
// events route (long poll held on the virtual clock, server-sent events), and outages or odd answers on
// cue, on the virtual clock. For fleets (docs/fleets.md): the presence in each poll's query, `data.push`
// when the universe is pushed, the pushed servers' heartbeat, `command` events for their targets only,
// the push message (PushMessage) a test publishes through harness/messaging-hub.ts, and the ack route.

import type { PushMessage, ServerCommandOrder } from "../../../shared/records";
import type { ApiAnswer, ApiRequest, Transport } from "./luau-host";

export const GUILD_ID = "123456789012345678";
/** Shaped like a real key (38 base62 chars after the guild); only ever used in tests. */
export const TEST_KEY = `technified_${GUILD_ID}_Zx8Kq2Lm4Np6Rs8Tv0Wy2Ab4Cd6Ef8Gh0Jk2Mn`;
export const BASE_URL = "https://gateway.test/api/v1";
/** The emulated server's game.PlaceId unless a test sets another. */
export const PLACE_ID = 4483381587;

export interface FakeRecord {
	reason: string;
	expiresAt?: number;
	/** Applies only in this place. */
	placeId?: number;
}

/** Returns an answer to override the API's normal one, or undefined to let it answer. */
export type Disruption = (request: ApiRequest) => ApiAnswer | undefined;

function envelope(status: number, message: string, data: unknown, headers: Record<string, string> = {}): ApiAnswer {
	return { status, headers: { "Content-Type": "application/json", ...headers }, body: JSON.stringify({ status: "success", code: status, message, data }) };
}

export function errorAnswer(status: number, error: string, message: string, headers: Record<string, string> = {}, extra: Record<string, unknown> = {}): ApiAnswer {
	return { status, headers: { "Content-Type": "application/json", ...headers }, body: JSON.stringify({ status: "error", code: status, message, error, ...extra }) };
}

const DURATION_SECONDS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400 };

/** The contract's longest long-poll wait, and the stream's keep-alive comment interval. */
const MAX_WAIT_SECONDS = 25;
const COMMENT_SECONDS = 15;

export type ChangeKind = "ban" | "unban" | "mute" | "unmute" | "command";

/** The topic the gateway publishes to (docs/fleets.md). */
export const PUSH_TOPIC = "Technified";

/** One row of the guild's change log: what the events route sends (docs/api.md, "API summary"). */
export interface Change {
	id: number;
	event: ChangeKind | "reset";
	data: Record<string, unknown>;
}

/** A long poll the fake holds until a change comes or its wait ends. */
interface HeldPoll {
	after: number;
	until: number;
	/** The asking server's job_id: commands for other servers are not its. */
	jobId?: string;
}

/** An acknowledgement a server sent for a command. */
export interface FakeAck {
	jobId: string;
	commandId: string;
	body: { guildId?: string; success?: boolean; result?: string };
	at: number;
}

/** An open stream: how far it has been sent, and when it last had a comment. */
interface OpenStream {
	sentUpTo: number;
	commentAt: number;
	/** The gateway is ending it (a restart): the next poll says so. */
	ending: boolean;
}

/** One change as the long poll and the push list it: the stream's data plus its id and event. */
function asEvent(change: Change) {
	return { id: change.id, event: change.event, ...change.data };
}

function frame(change: Change) {
	return `id: ${change.id}\nevent: ${change.event}\ndata: ${JSON.stringify(change.data)}\n\n`;
}

export class FakeApi {
	readonly bans = new Map<number, FakeRecord>();
	readonly mutes = new Map<number, FakeRecord>();
	/** Every request that reached the API, with the virtual time it was sent. */
	readonly received: ApiRequest[] = [];
	disruption?: Disruption;
	keyStatus: "active" | "revoked" = "active";
	/** The key's scopes; without moderation:write the writes get 403 insufficient_scope. */
	scopes = new Set(["moderation:read", "moderation:write"]);
	/** Seconds sent as `Cache-Control: private, max-age=…`. */
	maxAge = 30;
	/** Unix seconds at virtual time 0, as in the engine. */
	unixBase = 1700000000;
	/** The guild's change log, oldest first; `trimLog` drops old rows as the gateway's retention does. */
	changes: Change[] = [];
	private sequence = 0;
	/** false: an older gateway (or the hosted API) with no events route, answered 404. */
	eventsRoute = true;
	/** Long polls are never answered (a proxy that swallows them): only RequestAsync's time-out ends them. */
	holdPollsForever = false;
	private readonly held = new Map<number, HeldPoll>();
	/** The universe is pushed through Roblox: events and heartbeat answers say `data.push`. */
	pushed = false;
	/** Heartbeats of pushed servers (their JSON bodies) and the acks of commands, as received. */
	readonly heartbeats: Array<{ body: Record<string, unknown>; at: number }> = [];
	readonly acks: FakeAck[] = [];
	/** The last sequence a push message carried. */
	private published = 0;
	private readonly streams = new Map<number, OpenStream>();

	constructor(private readonly key = TEST_KEY) {}

	ban(userId: number, reason: string, expiresAt?: number, placeId?: number) {
		this.impose("ban", userId, { reason, expiresAt, placeId });
	}

	unban(userId: number) {
		this.lift("unban", userId);
	}

	mute(userId: number, reason: string, expiresAt?: number, placeId?: number) {
		this.impose("mute", userId, { reason, expiresAt, placeId });
	}

	unmute(userId: number) {
		this.lift("unmute", userId);
	}

	/** A command for one server (`job_id`) or all of them (null), as the operator's Servers page sends it. */
	command(order: ServerCommandOrder) {
		this.record("command", { command: order, job_id: order.job_id, roblox_id: order.user_id ?? null, place_id: null });
	}

	/**
	 * The message the gateway publishes to topic `Technified` for the changes since the last one: JSON of
	 * at most 1 024 characters (docs/fleets.md), as Open Cloud's publishMessage takes it.
	 */
	pushMessage(guild = GUILD_ID): string {
		const changes = this.changes.filter((change) => change.id > this.published);
		if (changes.length === 0) throw new Error("no change to publish");
		this.published = changes[changes.length - 1].id;
		const message: PushMessage = { v: 1, guild, seq: this.published, events: changes.map(asEvent) as PushMessage["events"] };
		return JSON.stringify(message);
	}

	/** Keeps only the newest `keep` changes: a position before them is answered with a reset. */
	trimLog(keep: number) {
		this.changes = this.changes.slice(-keep);
	}

	/** Long polls held open right now. */
	heldPolls() {
		return this.held.size;
	}

	/** Ends every open stream, as a gateway restarting does. */
	endStreams() {
		for (const stream of this.streams.values()) stream.ending = true;
	}

	private impose(kind: "ban" | "mute", userId: number, record: FakeRecord, jobId?: string) {
		(kind === "ban" ? this.bans : this.mutes).set(userId, record);
		const info = this.info(record, kind === "ban" ? "banned_by" : "muted_by");
		this.record(kind, { roblox_id: String(userId), place_id: record.placeId ?? null, [`${kind}_info`]: info, job_id: jobId ?? null });
		return info;
	}

	private lift(kind: "unban" | "unmute", userId: number, jobId?: string) {
		const records = kind === "unban" ? this.bans : this.mutes;
		const record = records.get(userId);
		if (!records.delete(userId)) return false;
		this.record(kind, { roblox_id: String(userId), place_id: record?.placeId ?? null, job_id: jobId ?? null });
		return true;
	}

	private record(event: ChangeKind, data: Record<string, unknown>) {
		this.sequence += 1;
		this.changes.push({ id: this.sequence, event, data: { ...data, at: this.unixBase } });
	}

	readonly transport: Transport = Object.assign(
		(request: ApiRequest) => {
			this.received.push(request);
			const disrupted = this.disruption?.(request);
			return disrupted ?? this.answer(request);
		},
		{
			poll: (id: number, at: number) => this.poll(id, at),
			close: (id: number) => {
				this.held.delete(id);
				this.streams.delete(id);
			},
		},
	);

	/**
	 * The changes after `after` for the server `jobId` (commands only for their targets), or a reset when
	 * that position is older than the log keeps; `next` is the last sequence looked at.
	 */
	private changesAfter(after: number, jobId?: string): { changes: Change[]; next: number } {
		const oldest = this.changes[0]?.id ?? this.sequence + 1;
		if (after < oldest - 1) return { changes: [{ id: this.sequence, event: "reset", data: {} }], next: this.sequence };
		const newer = this.changes.filter((change) => change.id > after);
		const next = newer.length > 0 ? newer[newer.length - 1].id : after;
		return { changes: newer.filter((change) => change.event !== "command" || change.data.job_id === null || change.data.job_id === jobId), next };
	}

	private eventsAnswer({ changes, next }: { changes: Change[]; next: number }): ApiAnswer {
		return envelope(200, "Moderation events", { events: changes.map(asEvent), next, ...(this.pushed ? { push: { topic: PUSH_TOPIC } } : {}) });
	}

	/** GET /moderation/:guildId/events: a stream with `Accept: text/event-stream`, else a long poll. */
	private events(request: ApiRequest, url: URL): ApiAnswer {
		if (!this.eventsRoute) return errorAnswer(404, "not_found", "Not found");
		const afterText = url.searchParams.get("after") ?? request.headers["Last-Event-ID"];
		if (afterText !== undefined && afterText !== null && !/^\d+$/.test(afterText)) return errorAnswer(400, "bad_request", "after must be a sequence");
		const after = afterText === undefined || afterText === null ? this.sequence : Number(afterText);
		// The presence a server may give (docs/fleets.md); a malformed one is refused as the gateway does.
		const jobId = url.searchParams.get("job_id") ?? undefined;
		const players = url.searchParams.get("players");
		if (jobId !== undefined && !/^[0-9a-zA-Z-]{1,64}$/.test(jobId)) return errorAnswer(400, "bad_request", "job_id must be a Roblox JobId");
		if (players !== null && !/^\d{1,4}$/.test(players)) return errorAnswer(400, "bad_request", "players must be a count");
		if (request.headers["Accept"] === "text/event-stream") {
			const { changes } = this.changesAfter(after, jobId);
			this.streams.set(request.id, { sentUpTo: this.sequence, commentAt: request.at, ending: false });
			return { status: 200, headers: { "Content-Type": "text/event-stream", "Cache-Control": "no-cache" }, pending: true, chunk: changes.map(frame).join("") };
		}
		const waitText = url.searchParams.get("wait") ?? "0";
		const wait = Number(waitText);
		if (!/^\d+$/.test(waitText) || wait > MAX_WAIT_SECONDS) return errorAnswer(400, "bad_request", `wait must be 0 to ${MAX_WAIT_SECONDS} seconds`);
		if (this.holdPollsForever) {
			this.held.set(request.id, { after, until: Infinity, jobId });
			return { pending: true };
		}
		const found = this.changesAfter(after, jobId);
		if (found.changes.length > 0 || wait === 0) return this.eventsAnswer(found);
		this.held.set(request.id, { after, until: request.at + wait, jobId });
		return { pending: true, wakeAt: request.at + wait };
	}

	/** A held exchange asked about again as the emulated server's clock moves. */
	private poll(id: number, at: number): ApiAnswer {
		const held = this.held.get(id);
		if (held) {
			const found = this.changesAfter(held.after, held.jobId);
			if ((found.changes.length === 0 || this.holdPollsForever) && at < held.until) return { pending: true };
			this.held.delete(id);
			return this.eventsAnswer(found);
		}
		const stream = this.streams.get(id);
		if (!stream) return { error: "HttpError: ConnectionClosed" };
		if (stream.ending) {
			this.streams.delete(id);
			return { ended: true };
		}
		let chunk = "";
		for (const change of this.changes) if (change.id > stream.sentUpTo) chunk += frame(change);
		stream.sentUpTo = this.sequence;
		if (at - stream.commentAt >= COMMENT_SECONDS) {
			chunk += ": keep-alive\n\n";
			stream.commentAt = at;
		}
		return { pending: true, chunk };
	}

	private active(records: Map<number, FakeRecord>, userId: number, at: number, placeId: number | undefined) {
		const record = records.get(userId);
		if (!record || (record.expiresAt !== undefined && record.expiresAt <= this.unixBase + at)) return undefined;
		if (record.placeId !== undefined && record.placeId !== placeId) return undefined;
		return record;
	}

	private info(record: FakeRecord, by: "banned_by" | "muted_by") {
		return {
			reason: record.reason,
			[by]: "moderator",
			created_at: this.unixBase,
			expires_at: record.expiresAt ?? null,
			is_permanent: record.expiresAt === undefined,
			place_id: record.placeId ?? null,
		};
	}

	private statusOf(userId: number, at: number, placeId: number | undefined) {
		const ban = this.active(this.bans, userId, at, placeId);
		return ban ? { banned: true, ban_info: this.info(ban, "banned_by") } : { banned: false };
	}

	private muteOf(userId: number, at: number, placeId: number | undefined) {
		const mute = this.active(this.mutes, userId, at, placeId);
		return mute ? { muted: true, mute_info: this.info(mute, "muted_by") } : { muted: false };
	}

	private answer(request: ApiRequest): ApiAnswer {
		const auth = request.headers["Authorization"] ?? request.headers["X-API-Key"];
		if (auth === undefined) return errorAnswer(401, "missing_api_key", "Missing API key");
		if (auth !== `Bearer ${this.key}` && auth !== this.key) return errorAnswer(401, "invalid_api_key", "Invalid API key for this guild");
		if (this.keyStatus === "revoked") return errorAnswer(401, "key_revoked", "Invalid API key for this guild");
		const url = new URL(request.url);
		const path = url.pathname;
		const queryPlace = url.searchParams.get("place_id");
		const cache = { "Cache-Control": `private, max-age=${this.maxAge}` };
		const ack = path.match(/^\/api\/v1\/roblox\/servers\/([^/]+)\/commands\/([^/]+)\/ack$/);
		if (request.method === "POST" && ack) return this.acknowledge(ack[1], ack[2], request);
		const route = path.match(/^\/api\/v1\/moderation\/(\d+)\/(.+)$/);
		if (!route) return errorAnswer(404, "not_found", "Not found");
		if (route[1] !== GUILD_ID) return errorAnswer(403, "guild_mismatch", "API key does not match target guild");
		const rest = route[2];
		const single = rest.match(/^(ban|mute)-status\/(\d+)$/);
		if (request.method === "GET" && single) {
			const placeId = queryPlace === null ? undefined : Number(queryPlace);
			if (single[1] === "ban") {
				const status = this.statusOf(Number(single[2]), request.at, placeId);
				return envelope(200, status.banned ? "User is banned" : "User is not banned", status, cache);
			}
			const status = this.muteOf(Number(single[2]), request.at, placeId);
			return envelope(200, status.muted ? "User is muted" : "User is not muted", status, cache);
		}
		if (request.method === "POST" && rest === "ban-status/batch") {
			const body = JSON.parse(request.body) as { identifiers: string[]; place_id?: string; include_mutes?: boolean };
			const { identifiers } = body;
			if (!Array.isArray(identifiers) || identifiers.length < 1 || identifiers.length > 100) {
				return errorAnswer(400, "bad_request", "identifiers must hold 1 to 100 ids");
			}
			const bad = identifiers.findIndex((id) => !/^[1-9][0-9]*$/.test(String(id)));
			if (bad >= 0) return errorAnswer(400, "bad_request", `identifiers[${bad}] must be a Roblox user id`);
			const placeId = body.place_id === undefined ? undefined : Number(body.place_id);
			const results: Record<string, unknown> = {};
			for (const id of identifiers) {
				const ban = this.statusOf(Number(id), request.at, placeId);
				results[id] = body.include_mutes ? { ...ban, ...this.muteOf(Number(id), request.at, placeId) } : ban;
			}
			return envelope(200, "Ban statuses", { results }, cache);
		}
		if (request.method === "GET" && rest === "events") return this.events(request, url);
		if (request.method === "POST" && rest === "servers/heartbeat") return this.heartbeat(request);
		const write = rest.match(/^roblox\/(ban|unban|mute|unmute)$/);
		if (request.method === "POST" && write) return this.write(write[1], request);
		return errorAnswer(404, "not_found", "Not found");
	}

	/** POST /moderation/:guildId/servers/heartbeat: a pushed server's presence once a minute. */
	private heartbeat(request: ApiRequest): ApiAnswer {
		const body = JSON.parse(request.body) as Record<string, unknown>;
		if (typeof body.job_id !== "string" || typeof body.players !== "number") return errorAnswer(400, "bad_request", "job_id and players are required");
		this.heartbeats.push({ body, at: request.at });
		return envelope(200, "Heartbeat recorded", { push: this.pushed ? { topic: PUSH_TOPIC } : null });
	}

	/** POST /roblox/servers/:serverId/commands/:commandId/ack: a second ack of one command changes nothing. */
	private acknowledge(jobId: string, commandId: string, request: ApiRequest): ApiAnswer {
		const body = JSON.parse(request.body) as FakeAck["body"];
		if (body.guildId !== GUILD_ID) return errorAnswer(403, "guild_mismatch", "API key does not match target guild");
		if (!this.acks.some((known) => known.jobId === jobId && known.commandId === commandId)) {
			this.acks.push({ jobId, commandId, body, at: request.at });
		}
		return envelope(200, "Command acknowledged", { acknowledged: true });
	}

	private write(action: string, request: ApiRequest): ApiAnswer {
		if (!this.scopes.has("moderation:write")) return errorAnswer(403, "insufficient_scope", "API key lacks the required scope");
		const body = JSON.parse(request.body) as Record<string, string>;
		const userId = Number(body.roblox_id);
		if (action === "unban" || action === "unmute") {
			if (!this.lift(action, userId, body.job_id)) return errorAnswer(404, "not_found", action === "unban" ? "No active ban for this user" : "No active mute for this user");
			return envelope(200, action === "unban" ? "User unbanned" : "User unmuted", { roblox_id: body.roblox_id });
		}
		if (typeof body.reason !== "string" || body.reason.length > 500) return errorAnswer(400, "bad_request", "reason must be at most 500 characters");
		const duration = body.duration === undefined || body.duration === "permanent" ? undefined : body.duration.match(/^(\d+)([smhd])$/);
		const expiresAt = duration ? Math.floor(this.unixBase + request.at) + Number(duration[1]) * DURATION_SECONDS[duration[2]] : undefined;
		const record = { reason: body.reason, expiresAt, placeId: body.place_id === undefined ? undefined : Number(body.place_id) };
		const info = this.impose(action as "ban" | "mute", userId, record, body.job_id);
		return envelope(201, action === "ban" ? "User banned" : "User muted", { [action]: { roblox_id: body.roblox_id, ...info } });
	}

	/** Ids asked about, in order, across single and batch status requests. */
	askedIds(): number[] {
		return this.received.flatMap((request) => {
			if (request.method === "POST" && request.url.endsWith("/batch")) return (JSON.parse(request.body) as { identifiers: string[] }).identifiers.map(Number);
			const id = request.url.match(/ban-status\/(\d+)(\?|$)/);
			return id ? [Number(id[1])] : [];
		});
	}
}
