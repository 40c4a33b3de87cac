// roblox/api-client.ts
// Talks to the ban-status API: builds requests with the key, validates every answer with @rbxts/t and
// sorts each outcome into what the caller must do (use it, retry, slow down, or stop for good).

import { HttpService } from "@rbxts/services";
import { t } from "@rbxts/t";
import { moderationPath } from "../shared/routes";
import type { BanStatusData } from "../shared/records";
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
	| { kind: "retry"; reason: string; retryAfter?: number; malformed?: boolean }
	/** The key's quota (429): every caller waits `retryAfter`. */
	| { kind: "quota"; retryAfter: number; reason: string }
	/** Roblox's own per-server HTTP limit: the request never left the server. */
	| { kind: "roblox_limit" }
	/** The batch route does not exist (the hosted API has none): ask one user at a time. */
	| { kind: "batch_unsupported" }
	/** Nothing will change by retrying: the key or the setup must be fixed. */
	| { kind: "fatal"; reason: string; httpDisabled?: boolean };

const banInfoCheck = t.interface({
	reason: t.string,
	banned_by: t.optional(t.string),
	created_at: t.optional(t.number),
	expires_at: t.optional(t.number),
	is_permanent: t.boolean,
	place_id: t.optional(t.number),
});

const banStatusCheck = t.intersection(
	t.interface({ banned: t.boolean, ban_info: t.optional(banInfoCheck) }),
	// "banned" without the ban's details is not an answer the guard can act on.
	(value: unknown): value is BanStatusData => {
		const data = value as BanStatusData;
		return !data.banned || data.ban_info !== undefined;
	},
);

const successEnvelopeCheck = t.interface({ status: t.literal("success"), data: t.table });

const errorEnvelopeCheck = t.interface({
	status: t.literal("error"),
	message: t.string,
	error: t.optional(t.string),
	retry_after: t.optional(t.number),
});

const batchDataCheck = t.interface({ results: t.map(t.string, banStatusCheck) });

/** Roblox's error texts, matched literally (they arrive with a script position in front). */
const HTTP_DISABLED_TEXT = "Http requests are not enabled";
const ROBLOX_LIMIT_TEXT = "Number of requests exceeded limit";

/** Default wait when a 429 names no time; the contract promises Retry-After, older servers may not. */
const DEFAULT_QUOTA_WAIT_SECONDS = 10;

/** Why the API refused the key, in words a game owner can act on. */
function refusalInWords(statusCode: number, code: string | undefined, message: string): string {
	switch (code) {
		case "missing_api_key":
			return "the API received no key: check the key in Config or start()";
		case "invalid_api_key":
			return "the API does not accept this key for this guild: it is mistyped, was rolled, or belongs to another guild";
		case "key_revoked":
			return "the key was revoked: create a new key and put it in Config or the secret";
		case "key_disabled":
			return "the key is disabled: enable it again in the dashboard";
		case "key_expired":
			return "the key has expired: create a new key";
		case "key_auto_expired":
			return "the key expired after 60 days without use: enable it again in the dashboard";
		case "guild_mismatch":
			return "the key belongs to another guild than the guildId given to start()";
		case "ip_not_allowed":
			return "the key only allows certain addresses (allowed_cidrs), and Roblox servers have no fixed address: clear the key's address list";
		case "insufficient_scope":
			return "the key lacks the moderation:read scope";
		case "bad_request":
			return `the API refused the request as malformed (${message})`;
		default:
			if (statusCode === 401) return `the API refused the key (${message})`;
			if (statusCode === 403) return `the API refused access (${message})`;
			return `the API answered ${statusCode} (${message})`;
	}
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

export class BanApi {
	/**
	 * @param baseUrl ends in /api/v1, no trailing slash.
	 * @param apiKey a key string or a Roblox Secret; a Secret is only ever extended with AddPrefix.
	 */
	constructor(
		private readonly transport: Transport,
		private readonly baseUrl: string,
		private readonly guildId: string,
		private readonly apiKey: ApiKey,
	) {}

	getOne(userId: number): ApiOutcome<BanStatusData> {
		const result = this.transport.send({
			url: this.baseUrl + moderationPath.banStatus(this.guildId, userId),
			method: "GET",
			headers: this.headers(),
		});
		const outcome = this.interpret(result, false);
		if (outcome.kind !== "ok") return outcome;
		if (!banStatusCheck(outcome.data)) return this.malformed("a ban status without the expected fields");
		return { kind: "ok", data: outcome.data as BanStatusData, maxAge: outcome.maxAge };
	}

	/** One request for up to 100 users; every id asked for must be in the answer. */
	getMany(userIds: number[]): ApiOutcome<Map<number, BanStatusData>> {
		const identifiers = userIds.map((userId) => tostring(userId));
		const headers = this.headers();
		headers.set("Content-Type", "application/json");
		const result = this.transport.send({
			url: this.baseUrl + moderationPath.banStatusBatch(this.guildId),
			method: "POST",
			headers,
			body: HttpService.JSONEncode({ identifiers }),
		});
		const outcome = this.interpret(result, true);
		if (outcome.kind !== "ok") return outcome;
		if (!batchDataCheck(outcome.data)) return this.malformed("a batch answer without the expected fields");
		const results = (outcome.data as { results: Map<string, BanStatusData> }).results;
		const byUser = new Map<number, BanStatusData>();
		for (const userId of userIds) {
			const data = results.get(tostring(userId));
			if (data === undefined) return this.malformed("a batch answer that leaves out a player");
			byUser.set(userId, data);
		}
		return { kind: "ok", data: byUser, maxAge: outcome.maxAge };
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

	private interpret(result: TransportResult, batch: boolean): ApiOutcome<unknown> {
		if (!result.sent) {
			if (result.error.find(HTTP_DISABLED_TEXT, 1, true)[0] !== undefined) {
				return {
					kind: "fatal",
					httpDisabled: true,
					reason: "HTTP requests are not enabled for this game: turn on Game Settings > Security > Allow HTTP Requests",
				};
			}
			if (result.error.find(ROBLOX_LIMIT_TEXT, 1, true)[0] !== undefined) return { kind: "roblox_limit" };
			return { kind: "retry", reason: `the API could not be reached (${result.error})` };
		}
		const { statusCode, headers, body } = result;
		const decoded = decodeJson(body);
		if (statusCode >= 200 && statusCode < 300) {
			if (!successEnvelopeCheck(decoded)) return this.malformed("an answer that is not a JSON success envelope");
			return { kind: "ok", data: (decoded as { data: unknown }).data, maxAge: maxAgeOf(headers) };
		}
		const envelope = errorEnvelopeCheck(decoded)
			? (decoded as { message: string; error?: string; retry_after?: number })
			: undefined;
		const message = envelope !== undefined ? envelope.message : `HTTP ${statusCode}`;
		if (statusCode === 429) {
			const retryAfter = retryAfterOf(headers, envelope?.retry_after) ?? DEFAULT_QUOTA_WAIT_SECONDS;
			return { kind: "quota", retryAfter, reason: message };
		}
		if (statusCode === 404 && batch) return { kind: "batch_unsupported" };
		if (statusCode === 404) {
			return { kind: "fatal", reason: `nothing answers ban-status requests at baseUrl (${message}): check baseUrl` };
		}
		if (statusCode === 400 || statusCode === 401 || statusCode === 403) {
			return { kind: "fatal", reason: refusalInWords(statusCode, envelope?.error, message) };
		}
		return { kind: "retry", reason: `the API answered ${statusCode} (${message})`, retryAfter: retryAfterOf(headers) };
	}
}
