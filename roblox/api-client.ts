// roblox/api-client.ts
// Talks to the moderation API: builds requests with the key, validates every answer with @rbxts/t and
// sorts each outcome into what the caller must do (use it, retry, slow down, drop these ids, or wait
// for the key to be fixed).

import { HttpService } from "@rbxts/services";
import { t } from "@rbxts/t";
import { ErrorMessage } from "../shared/errors";
import { moderationPath } from "../shared/routes";
import type { BanStatusBatchResult, ModerationEventsData, MuteStatusData, PushNotice } from "../shared/records";
import type { ApiKey } from "./options";

/** What one HTTP exchange produced, before any interpretation. */
export type TransportResult =
	| { sent: true; statusCode: number; headers: Map<string, string>; body: string }
	| { sent: false; error: string };

export interface HttpRequest {
	url: string;
	method: "GET" | "POST";
	headers: Map<string, string | Secret>;
	body?: string;
}

/** The edge where requests leave the server; tests and other runtimes can supply their own. */
export interface Transport {
	send(request: HttpRequest): TransportResult;
}

export class RobloxHttpTransport implements Transport {
	send(request: HttpRequest): TransportResult {
		const [ok, result] = pcall(() =>
			HttpService.RequestAsync({
				Url: request.url,
				Method: request.method,
				Headers: request.headers,
				Body: request.body,
			}),
		);
		if (!ok) return { sent: false, error: tostring(result) };
		// Header names are case-insensitive; Roblox passes them through as the server spelled them.
		const headers = new Map<string, string>();
		for (const [name, value] of pairs(result.Headers)) headers.set((name as string).lower(), value);
		return { sent: true, statusCode: result.StatusCode, headers, body: result.Body };
	}
}

export type ApiOutcome<T> =
	| { kind: "ok"; data: T; maxAge?: number }
	/** The API is down, slow or garbled: worth retrying later, and counts against the circuit. */
	| { kind: "retry"; reason: string; retryAfter?: number; malformed?: boolean; notFromApi?: boolean; unreached?: boolean }
	/** The key's quota (429): every caller waits `retryAfter`. */
	| { kind: "quota"; retryAfter: number; reason: string }
	/** Roblox's own per-server HTTP limit: the request never left the server. */
	| { kind: "roblox_limit" }
	/** The route does not exist (the hosted API has no batch route, older gateways no events route). */
	| { kind: "unsupported" }
	/** 400: the API refused this request; it says nothing about other requests (other ids). */
	| { kind: "rejected"; reason: string }
	/** The key, the address or the setup was refused: no request can succeed until someone fixes it. */
	| { kind: "refused"; reason: string; httpDisabled?: boolean };

/** `ban_info` as the status routes and the events route send it. */
export const banInfoCheck = t.interface({
	reason: t.string,
	banned_by: t.optional(t.string),
	created_at: t.optional(t.number),
	expires_at: t.optional(t.number),
	is_permanent: t.boolean,
	place_id: t.optional(t.number),
});

export const muteInfoCheck = t.interface({
	reason: t.string,
	muted_by: t.optional(t.string),
	created_at: t.optional(t.number),
	expires_at: t.optional(t.number),
	is_permanent: t.boolean,
	place_id: t.optional(t.number),
});

/** A ban status, optionally with the mute fields of `include_mutes`; "banned"/"muted" need their details. */
const statusCheck = t.intersection(
	t.interface({
		banned: t.boolean,
		ban_info: t.optional(banInfoCheck),
		muted: t.optional(t.boolean),
		mute_info: t.optional(muteInfoCheck),
	}),
	(value: unknown): value is BanStatusBatchResult => {
		const data = value as BanStatusBatchResult;
		return (!data.banned || data.ban_info !== undefined) && (data.muted !== true || data.mute_info !== undefined);
	},
);

const muteStatusCheck = t.intersection(
	t.interface({ muted: t.boolean, mute_info: t.optional(muteInfoCheck) }),
	(value: unknown): value is MuteStatusData => {
		const data = value as MuteStatusData;
		return !data.muted || data.mute_info !== undefined;
	},
);

const successEnvelopeCheck = t.interface({ status: t.literal("success"), data: t.table });

const errorEnvelopeCheck = t.interface({
	status: t.literal("error"),
	message: t.string,
	error: t.optional(t.string),
	retry_after: t.optional(t.number),
});

const batchDataCheck = t.interface({ results: t.map(t.string, statusCheck) });

/** The long poll's `data`; each event's own fields are checked where it is applied. */
const eventsDataCheck = t.interface({
	events: t.array(t.interface({ id: t.number, event: t.string })),
	next: t.number,
});

/** `data.push` as the events and heartbeat answers carry it: a topic Roblox accepts (1 to 80 characters). */
export const pushNoticeCheck = t.interface({
	topic: t.intersection(t.string, (topic: unknown): topic is string => (topic as string).size() >= 1 && (topic as string).size() <= 80),
});

/** The heartbeat's `data`: the push notice, or null when the universe is no longer pushed. */
const heartbeatDataCheck = t.interface({ push: t.optional(pushNoticeCheck) });

/** Roblox's error texts, matched literally (they arrive with a script position in front). */
const HTTP_DISABLED_TEXT = "Http requests are not enabled";
const ROBLOX_LIMIT_TEXT = "Number of requests exceeded limit";

/** Default wait when a 429 names no time; the contract promises Retry-After, older servers may not. */
const DEFAULT_QUOTA_WAIT_SECONDS = 10;

/** How much of an unexpected answer a warning quotes: enough to recognise a proxy's page. */
const QUOTED_BYTES = 80;

/**
 * The contract's error codes (docs/api.md, "API summary") that mean the key or its rules refused the request. A 401 or
 * 403 with any other body did not come from the API's key check (a CDN, WAF or proxy in front of it).
 */
const KEY_REFUSAL_CODES = new Set([
	"missing_api_key",
	"invalid_api_key",
	"key_revoked",
	"key_disabled",
	"key_expired",
	"key_auto_expired",
	"key_moderated",
	"key_user_moderated",
	"key_creator_removed",
	"guild_mismatch",
	"ip_not_allowed",
	"insufficient_scope",
]);

/**
 * The hosted API sends no `error` field (it is an extension): there its fixed key messages (docs/api.md, "API summary",
 * word for word) say the same.
 */
const KEY_REFUSAL_MESSAGES = new Map<string, string>([
	[ErrorMessage.missingApiKey, "missing_api_key"],
	[ErrorMessage.invalidApiKey, "invalid_api_key"],
	[ErrorMessage.guildMismatch, "guild_mismatch"],
	[ErrorMessage.ipNotAllowed, "ip_not_allowed"],
	[ErrorMessage.insufficientScope, "insufficient_scope"],
]);

/** The contract's key refusal code an error envelope carries, by its `error` field or its fixed message. */
function keyRefusalCode(envelope: ApiError | undefined): string | undefined {
	if (envelope === undefined) return undefined;
	if (envelope.error !== undefined) return KEY_REFUSAL_CODES.has(envelope.error) ? envelope.error : undefined;
	return KEY_REFUSAL_MESSAGES.get(envelope.message);
}

export type Scope = "moderation:read" | "moderation:write";

/** Why the API refused the key, in words a game owner can act on. */
function refusalInWords(code: string, scope: Scope, baseUrl: string): string {
	switch (code) {
		case "missing_api_key":
			return "the API received no key: check the key in Config or start()";
		case "invalid_api_key":
			return `the API at ${baseUrl} does not accept this key for this guild: it is mistyped, was rolled, or belongs to another gateway (check baseUrl)`;
		case "key_revoked":
			return "the key was revoked: create a new key and put it in Config or the secret";
		case "key_disabled":
			return "the key is disabled: enable it again in the dashboard";
		case "key_expired":
			return "the key has expired: set a new expiry in the dashboard or create a new key";
		case "key_auto_expired":
			return "the key expired after 60 days without use: enable it again in the dashboard";
		case "key_moderated":
			return "the key's secret was reset by the platform operator for security reasons: roll the key and use the new secret";
		case "key_user_moderated":
			return "the account that generated the key is suspended: roll the key from another account";
		case "key_creator_removed":
			return "the account that generated the key may no longer manage this guild's keys: roll the key";
		case "guild_mismatch":
			return "the key belongs to another guild than the guildId given to start()";
		case "ip_not_allowed":
			return "the key only allows certain addresses (allowed_cidrs), and Roblox servers have no fixed address: clear the key's address list";
		default:
			return `the key lacks the ${scope} scope: give it that scope in the dashboard`;
	}
}

/** Printable start of a body: control characters flattened, anything shaped like a key blanked. */
function quoted(body: string): string {
	let [text] = body.sub(1, QUOTED_BYTES).gsub("%c", " ");
	[text] = text.gsub("technified_%d+_%w+", "technified_…");
	return body.size() > QUOTED_BYTES ? `"${text}…"` : `"${text}"`;
}

/** What came back, for a warning that lets the owner find the proxy that sent it. */
function describeAnswer(statusCode: number, headers: Map<string, string>, body: string): string {
	return `HTTP ${statusCode}, content type ${headers.get("content-type") ?? "none"}, body ${quoted(body)}`;
}

function retryAfterOf(headers: Map<string, string>, bodyRetryAfter?: number): number | undefined {
	const header = headers.get("retry-after");
	const seconds = header !== undefined ? tonumber(header) : undefined;
	if (seconds !== undefined && seconds >= 0) return seconds;
	return bodyRetryAfter;
}

function maxAgeOf(headers: Map<string, string>): number | undefined {
	const cacheControl = headers.get("cache-control");
	if (cacheControl === undefined) return undefined;
	const lowered = cacheControl.lower();
	if (lowered.find("no-store", 1, true)[0] !== undefined) return 0;
	const [maxAge] = lowered.match("max%-age%s*=%s*(%d+)");
	return maxAge !== undefined ? tonumber(maxAge) : undefined;
}

function decodeJson(body: string): unknown {
	const [ok, value] = pcall(() => HttpService.JSONDecode(body));
	return ok ? value : undefined;
}

/** An error envelope as the API sends it. */
export interface ApiError {
	message: string;
	error?: string;
	retry_after?: number;
}

/**
 * Which server this is (docs/fleets.md): sent with every events poll and in the pushed server's heartbeat,
 * so the gateway lists it at no extra cost. Ids that are empty or 0 (Studio, an unpublished place) are left out.
 */
export interface ServerPresence {
	job_id?: string;
	place_id?: number;
	universe_id?: number;
	players: number;
}

/** What status lookups send along: the place (place bans apply there) and whether to ask for mutes. */
export interface LookupScope {
	/** game.PlaceId when positive; undefined in an unpublished place. */
	placeId?: number;
	includeMutes: boolean;
}

export class BanApi {
	/**
	 * @param baseUrl ends in /api/v1, no trailing slash.
	 * @param apiKey a key string or a Roblox Secret; a Secret is only ever extended with AddPrefix.
	 */
	constructor(
		private readonly transport: Transport,
		readonly baseUrl: string,
		private readonly guildId: string,
		private readonly apiKey: ApiKey,
		private readonly scope: LookupScope,
		private readonly presence: () => ServerPresence = () => ({ players: 0 }),
	) {}

	/** Whether the key is a Secret (Roblox sends it only to the domain it is bound to). */
	keyIsSecret() {
		return !typeIs(this.apiKey, "string");
	}

	asksMutes() {
		return this.scope.includeMutes;
	}

	getOne(userId: number): ApiOutcome<BanStatusBatchResult> {
		const outcome = this.get(moderationPath.banStatus(this.guildId, userId));
		if (outcome.kind !== "ok") return outcome;
		if (!statusCheck(outcome.data)) return this.malformed("a ban status without the expected fields");
		return { kind: "ok", data: outcome.data as BanStatusBatchResult, maxAge: outcome.maxAge };
	}

	getMuteOne(userId: number): ApiOutcome<MuteStatusData> {
		const outcome = this.get(moderationPath.muteStatus(this.guildId, userId));
		if (outcome.kind !== "ok") return outcome;
		if (!muteStatusCheck(outcome.data)) return this.malformed("a mute status without the expected fields");
		return { kind: "ok", data: outcome.data as MuteStatusData, maxAge: outcome.maxAge };
	}

	/** One request for up to 100 users (mutes included when enforced); every id asked must be answered. */
	getMany(userIds: number[]): ApiOutcome<Map<number, BanStatusBatchResult>> {
		const identifiers = userIds.map((userId) => tostring(userId));
		const { placeId, includeMutes } = this.scope;
		const body: { identifiers: string[]; place_id?: string; include_mutes?: boolean } = { identifiers };
		if (placeId !== undefined) body.place_id = tostring(placeId);
		if (includeMutes) body.include_mutes = true;
		const outcome = this.interpret(this.post(moderationPath.banStatusBatch(this.guildId), body), "moderation:read", true);
		if (outcome.kind !== "ok") return outcome;
		if (!batchDataCheck(outcome.data)) return this.malformed("a batch answer without the expected fields");
		const results = (outcome.data as { results: Map<string, BanStatusBatchResult> }).results;
		const byUser = new Map<number, BanStatusBatchResult>();
		for (const userId of userIds) {
			const data = results.get(tostring(userId));
			if (data === undefined) return this.malformed("a batch answer that leaves out a player");
			byUser.set(userId, data);
		}
		return { kind: "ok", data: byUser, maxAge: outcome.maxAge };
	}

	/**
	 * A moderation write (ban, unban, mute, unmute). Answers `ok` with `data`, or the API's error envelope,
	 * or an outcome that says the API could not be asked.
	 */
	write(path: string, body: object): ApiOutcome<unknown> | { kind: "api_error"; statusCode: number; error: ApiError } {
		const result = this.post(path, body);
		if (result.sent && (result.statusCode < 200 || result.statusCode >= 300)) {
			const decoded = decodeJson(result.body);
			if (errorEnvelopeCheck(decoded)) {
				const envelope = decoded as ApiError;
				if (result.statusCode === 429 || keyRefusalCode(envelope) !== undefined) {
					return this.interpret(result, "moderation:write");
				}
				return { kind: "api_error", statusCode: result.statusCode, error: envelope };
			}
		}
		return this.interpret(result, "moderation:write");
	}

	/**
	 * One long poll of the events route: answered as soon as there is a change after `after`, or after
	 * `wait` seconds with none. Without `after` it starts from the guild's latest change.
	 */
	events(after: number | undefined, wait: number): ApiOutcome<ModerationEventsData> {
		const query = `?wait=${wait}${this.eventsQuery(after)}`;
		const outcome = this.interpret(
			this.transport.send({ url: this.eventsUrl() + query, method: "GET", headers: this.headers() }),
			"moderation:read",
			true,
		);
		if (outcome.kind !== "ok") return outcome;
		if (!eventsDataCheck(outcome.data)) return this.malformed("an events answer without the expected fields");
		const data = outcome.data as ModerationEventsData;
		// A push notice this module cannot use (no topic Roblox accepts) is no push: it keeps polling.
		if (data.push !== undefined && !pushNoticeCheck(data.push)) data.push = undefined;
		return { kind: "ok", data };
	}

	/** `&after=…` and the presence, for a poll or a stream of the events route. */
	eventsQuery(after: number | undefined) {
		let query = after !== undefined ? `&after=${after}` : "";
		const presence = this.presence();
		if (presence.job_id !== undefined) query += `&job_id=${HttpService.UrlEncode(presence.job_id)}`;
		if (presence.place_id !== undefined) query += `&place_id=${presence.place_id}`;
		if (presence.universe_id !== undefined) query += `&universe_id=${presence.universe_id}`;
		return `${query}&players=${presence.players}`;
	}

	/** The events route; the stream form asks it with `Accept: text/event-stream`. */
	eventsUrl() {
		return `${this.baseUrl}/moderation/${this.guildId}/events`;
	}

	/**
	 * A pushed server's heartbeat, once a minute (docs/fleets.md): its presence; the answer's `push` is
	 * the notice while the universe is pushed, undefined once it is not.
	 */
	heartbeat(): ApiOutcome<{ push?: PushNotice }> {
		const outcome = this.interpret(this.post(`/moderation/${this.guildId}/servers/heartbeat`, this.presence()), "moderation:read", true);
		if (outcome.kind !== "ok") return outcome;
		if (!heartbeatDataCheck(outcome.data)) return this.malformed("a heartbeat answer without the expected fields");
		return { kind: "ok", data: outcome.data as { push?: PushNotice } };
	}

	/** Tells the gateway what became of a command (docs/fleets.md); `jobId` is this server's game.JobId. */
	acknowledge(jobId: string, commandId: string, success: boolean, result: string): ApiOutcome<unknown> {
		const path = `/roblox/servers/${HttpService.UrlEncode(jobId)}/commands/${HttpService.UrlEncode(commandId)}/ack`;
		return this.interpret(this.post(path, { guildId: this.guildId, success, result }), "moderation:read", true);
	}

	/** The headers of a stream: the key (a Secret only through AddPrefix) and the stream's Accept. */
	streamHeaders(after: number | undefined) {
		const headers = this.headers();
		headers.set("Accept", "text/event-stream");
		if (after !== undefined) headers.set("Last-Event-ID", tostring(after));
		return headers;
	}

	moderationPath(action: "ban" | "unban" | "mute" | "unmute") {
		return `/moderation/${this.guildId}/roblox/${action}`;
	}

	private get(path: string): ApiOutcome<unknown> {
		const placeId = this.scope.placeId;
		const query = placeId !== undefined ? `?place_id=${placeId}` : "";
		return this.interpret(
			this.transport.send({ url: this.baseUrl + path + query, method: "GET", headers: this.headers() }),
			"moderation:read",
		);
	}

	private post(path: string, body: object): TransportResult {
		const headers = this.headers();
		headers.set("Content-Type", "application/json");
		return this.transport.send({ url: this.baseUrl + path, method: "POST", headers, body: HttpService.JSONEncode(body) });
	}

	private headers() {
		const apiKey = this.apiKey;
		const headers = new Map<string, string | Secret>();
		headers.set("Accept", "application/json");
		headers.set("Authorization", typeIs(apiKey, "string") ? `Bearer ${apiKey}` : apiKey.AddPrefix("Bearer "));
		return headers;
	}

	private malformed(what: string): ApiOutcome<never> {
		return { kind: "retry", reason: `the API sent ${what}`, malformed: true };
	}

	/** @param optionalRoute a 404 means the route is missing (an older or other API), not a wrong baseUrl. */
	private interpret(result: TransportResult, scope: Scope, optionalRoute = false): ApiOutcome<unknown> {
		if (!result.sent) {
			if (result.error.find(HTTP_DISABLED_TEXT, 1, true)[0] !== undefined) {
				return {
					kind: "refused",
					httpDisabled: true,
					reason: "HTTP requests are not enabled for this game: turn on Game Settings > Security > Allow HTTP Requests",
				};
			}
			if (result.error.find(ROBLOX_LIMIT_TEXT, 1, true)[0] !== undefined) return { kind: "roblox_limit" };
			return { kind: "retry", unreached: true, reason: `the API could not be reached (${result.error})` };
		}
		const { statusCode, headers, body } = result;
		const decoded = decodeJson(body);
		if (statusCode >= 200 && statusCode < 300) {
			if (!successEnvelopeCheck(decoded)) return this.malformed("an answer that is not a JSON success envelope");
			return { kind: "ok", data: (decoded as { data: unknown }).data, maxAge: maxAgeOf(headers) };
		}
		const envelope = errorEnvelopeCheck(decoded) ? (decoded as ApiError) : undefined;
		const message = envelope !== undefined ? envelope.message : describeAnswer(statusCode, headers, body);
		if (statusCode === 429) {
			const retryAfter = retryAfterOf(headers, envelope?.retry_after) ?? DEFAULT_QUOTA_WAIT_SECONDS;
			return { kind: "quota", retryAfter, reason: message };
		}
		if (statusCode === 404 && optionalRoute) return { kind: "unsupported" };
		if (statusCode === 404) {
			return { kind: "refused", reason: `nothing answers moderation requests at ${this.baseUrl} (${message}): check baseUrl` };
		}
		if (statusCode === 400 && envelope !== undefined) {
			return { kind: "rejected", reason: `the API refused the request as malformed (${envelope.message})` };
		}
		const refusalCode = keyRefusalCode(envelope);
		if ((statusCode === 401 || statusCode === 403) && refusalCode !== undefined) {
			return { kind: "refused", reason: refusalInWords(refusalCode, scope, this.baseUrl) };
		}
		if (envelope === undefined) {
			// Not the API's envelope: whatever sits in front of the API answered (CDN, WAF, proxy, captive page).
			return {
				kind: "retry",
				notFromApi: true,
				reason: `something other than the API answered (${message})`,
				retryAfter: retryAfterOf(headers),
			};
		}
		return { kind: "retry", reason: `the API answered ${statusCode} (${message})`, retryAfter: retryAfterOf(headers) };
	}
}
