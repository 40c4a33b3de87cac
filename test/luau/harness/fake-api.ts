// test/luau/harness/fake-api.ts
// A scripted stand-in for the ban-status API (contract sections 2-3) that answers the emulated
// server's HttpService: bans, key checks, and outages or odd answers on cue, on the virtual clock.

import type { ApiAnswer, ApiRequest, Transport } from "./luau-host";

export const GUILD_ID = "123456789012345678";
/** Shaped like a real key (38 base62 chars after the guild); only ever used in tests. */
export const TEST_KEY = `technified_${GUILD_ID}_Zx8Kq2Lm4Np6Rs8Tv0Wy2Ab4Cd6Ef8Gh0Jk2Mn`;
export const BASE_URL = "https://gateway.test/api/v1";

export interface FakeBan {
	reason: string;
	expiresAt?: number;
}

/** Returns an answer to override the API's normal one, or undefined to let it answer. */
export type Disruption = (request: ApiRequest) => ApiAnswer | undefined;

function envelope(status: number, message: string, data: unknown, headers: Record<string, string> = {}): ApiAnswer {
	return { status, headers: { "Content-Type": "application/json", ...headers }, body: JSON.stringify({ status: "success", code: status, message, data }) };
}

export function errorAnswer(status: number, error: string, message: string, headers: Record<string, string> = {}, extra: Record<string, unknown> = {}): ApiAnswer {
	return { status, headers: { "Content-Type": "application/json", ...headers }, body: JSON.stringify({ status: "error", code: status, message, error, ...extra }) };
}

export class FakeApi {
	readonly bans = new Map<number, FakeBan>();
	/** Every request that reached the API, with the virtual time it was sent. */
	readonly received: ApiRequest[] = [];
	disruption?: Disruption;
	keyStatus: "active" | "revoked" = "active";
	/** Seconds sent as `Cache-Control: private, max-age=…`. */
	maxAge = 30;
	/** Unix seconds at virtual time 0, as in the engine. */
	unixBase = 1700000000;

	constructor(private readonly key = TEST_KEY) {}

	ban(userId: number, reason: string, expiresAt?: number) {
		this.bans.set(userId, { reason, expiresAt });
	}

	unban(userId: number) {
		this.bans.delete(userId);
	}

	readonly transport: Transport = (request) => {
		this.received.push(request);
		const disrupted = this.disruption?.(request);
		return disrupted ?? this.answer(request);
	};

	private statusOf(userId: number, at: number) {
		const ban = this.bans.get(userId);
		if (!ban || (ban.expiresAt !== undefined && ban.expiresAt <= this.unixBase + at)) return { banned: false };
		return {
			banned: true,
			ban_info: {
				reason: ban.reason,
				banned_by: "moderator",
				created_at: this.unixBase,
				expires_at: ban.expiresAt ?? null,
				is_permanent: ban.expiresAt === undefined,
				place_id: null,
			},
		};
	}

	private answer(request: ApiRequest): ApiAnswer {
		const auth = request.headers["Authorization"] ?? request.headers["X-API-Key"];
		if (auth === undefined) return errorAnswer(401, "missing_api_key", "Missing API key");
		if (auth !== `Bearer ${this.key}` && auth !== this.key) return errorAnswer(401, "invalid_api_key", "Invalid API key for this guild");
		if (this.keyStatus === "revoked") return errorAnswer(401, "key_revoked", "Invalid API key for this guild");
		const path = new URL(request.url).pathname;
		const cache = { "Cache-Control": `private, max-age=${this.maxAge}` };
		const single = path.match(/^\/api\/v1\/moderation\/(\d+)\/ban-status\/(\d+)$/);
		if (request.method === "GET" && single) {
			if (single[1] !== GUILD_ID) return errorAnswer(403, "guild_mismatch", "API key does not match target guild");
			const status = this.statusOf(Number(single[2]), request.at);
			return envelope(200, status.banned ? "User is banned" : "User is not banned", status, cache);
		}
		const batch = path.match(/^\/api\/v1\/moderation\/(\d+)\/ban-status\/batch$/);
		if (request.method === "POST" && batch) {
			if (batch[1] !== GUILD_ID) return errorAnswer(403, "guild_mismatch", "API key does not match target guild");
			const { identifiers } = JSON.parse(request.body) as { identifiers: string[] };
			if (!Array.isArray(identifiers) || identifiers.length < 1 || identifiers.length > 100) {
				return errorAnswer(400, "bad_request", "identifiers must hold 1 to 100 ids");
			}
			const results: Record<string, unknown> = {};
			for (const id of identifiers) results[id] = this.statusOf(Number(id), request.at);
			return envelope(200, "Ban statuses", { results }, cache);
		}
		return errorAnswer(404, "not_found", "Not found");
	}

	/** Ids asked about, in order, across single and batch requests. */
	askedIds(): number[] {
		return this.received.flatMap((request) => {
			if (request.method === "POST") return (JSON.parse(request.body) as { identifiers: string[] }).identifiers.map(Number);
			const id = request.url.match(/ban-status\/(\d+)$/);
			return id ? [Number(id[1])] : [];
		});
	}
}
