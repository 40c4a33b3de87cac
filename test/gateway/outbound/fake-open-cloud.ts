// test/gateway/outbound/fake-open-cloud.ts
// A fake of Roblox Open Cloud's user-restriction API, on loopback.
//
// Written from Roblox's reference pages "UserRestriction" (create.roblox.com/docs/cloud/reference/UserRestriction,
// "Bans and blocks") and "Errors" (create.roblox.com/docs/cloud/reference/errors): PATCH
// /cloud/v2/universes/{universe_id}/user-restrictions/{user_restriction_id} and
// /cloud/v2/universes/{universe_id}/places/{place_id}/user-restrictions/{user_restriction_id}, `x-api-key`,
// body `{"gameJoinRestriction": {active, duration, privateReason, displayReason, excludeAltAccounts}}`,
// answered with the UserRestriction resource; an unknown key is the gateway error
// `{"errors":[{"code":0,"message":"Invalid API Key"}]}` (401), a key without the permission
// `{"code":"PERMISSION_DENIED",…}` (403), too many requests `RESOURCE_EXHAUSTED` (429). The list,
// GET /cloud/v2/universes/{universe_id}/user-restrictions with `maxPageSize` (1-100, default 10) and
// `pageToken`, answers `{"userRestrictions":[…],"nextPageToken":"…"}` ("ListUserRestrictions"), an
// empty token on the last page; it holds what was PATCHed and what a test put in `restrictions`.

import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";

export interface RestrictionCall {
	path: string;
	updateMask: string | null;
	apiKey: string | undefined;
	body: { gameJoinRestriction?: Record<string, unknown> };
	/** Unix ms of arrival. */
	at: number;
}

const PATH = /^\/cloud\/v2\/universes\/(\d+)(?:\/places\/(\d+))?\/user-restrictions\/(\d+)$/;
const LIST_PATH = /^\/cloud\/v2\/universes\/(\d+)\/user-restrictions$/;

/** A UserRestriction resource as Open Cloud answers it. */
export interface UserRestriction {
	path: string;
	updateTime: string;
	user: string;
	gameJoinRestriction: Record<string, unknown>;
}

export class FakeOpenCloud {
	readonly calls: RestrictionCall[] = [];
	/** Keys that may write user restrictions; any other known key lacks the permission. */
	readonly permitted = new Set<string>();
	/** Keys Open Cloud knows at all; others are "Invalid API Key". */
	readonly known = new Set<string>();
	/** Universe-wide restrictions by universe, in the order they were made. */
	readonly restrictions = new Map<string, UserRestriction[]>();
	/** Answer the next N requests 429 with this Retry-After (seconds). */
	throttleNext = 0;
	retryAfterSeconds = 1;
	private readonly server: Server;

	constructor() {
		this.server = createServer(async (req, res) => {
			let text = "";
			for await (const chunk of req) text += (chunk as Buffer).toString("utf8");
			const url = new URL(req.url ?? "/", "http://fake");
			const apiKey = req.headers["x-api-key"] as string | undefined;
			const send = (status: number, body: unknown, headers: Record<string, string> = {}) => {
				res.writeHead(status, { "content-type": "application/json", ...headers });
				res.end(JSON.stringify(body));
			};
			const listed = LIST_PATH.exec(url.pathname);
			if (req.method === "GET" && listed !== null) {
				if (apiKey === undefined || !this.known.has(apiKey)) return send(401, { errors: [{ code: 0, message: "Invalid API Key" }] });
				const all = this.restrictions.get(listed[1]) ?? [];
				const size = Math.min(100, Number(url.searchParams.get("maxPageSize") ?? 10) || 10);
				const start = Number(url.searchParams.get("pageToken") || 0);
				const end = start + size;
				return send(200, { userRestrictions: all.slice(start, end), nextPageToken: end < all.length ? String(end) : "" });
			}
			const match = PATH.exec(url.pathname);
			if (req.method !== "PATCH" || match === null) return send(404, { code: "NOT_FOUND", message: "Not found" });
			const body = JSON.parse(text || "{}") as RestrictionCall["body"];
			this.calls.push({ path: url.pathname, updateMask: url.searchParams.get("updateMask"), apiKey, body, at: Date.now() });
			if (apiKey === undefined || !this.known.has(apiKey)) return send(401, { errors: [{ code: 0, message: "Invalid API Key" }] });
			if (!this.permitted.has(apiKey)) {
				return send(403, { code: "PERMISSION_DENIED", message: "The API key does not have universe.user-restriction:write for this universe" });
			}
			if (this.throttleNext > 0) {
				this.throttleNext--;
				return send(429, { code: "RESOURCE_EXHAUSTED", message: "Too many requests" }, { "retry-after": String(this.retryAfterSeconds) });
			}
			const restriction = body.gameJoinRestriction;
			if (restriction === undefined || typeof restriction.active !== "boolean") {
				return send(400, { code: "INVALID_ARGUMENT", message: "gameJoinRestriction.active is required" });
			}
			const [, universe, place, user] = match;
			const resource: UserRestriction = {
				path: `universes/${universe}${place === undefined ? "" : `/places/${place}`}/user-restrictions/${user}`,
				updateTime: new Date().toISOString(),
				user: `users/${user}`,
				gameJoinRestriction: { ...restriction, startTime: new Date().toISOString(), inherited: false },
			};
			if (place === undefined) {
				const kept = (this.restrictions.get(universe) ?? []).filter((existing) => existing.user !== resource.user);
				this.restrictions.set(universe, [...kept, resource]);
			}
			send(200, resource);
		});
	}

	async listen(): Promise<string> {
		await new Promise<void>((resolve) => this.server.listen(0, "127.0.0.1", () => resolve()));
		return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
	}

	close(): Promise<void> {
		this.server.closeAllConnections();
		return new Promise((resolve) => this.server.close(() => resolve()));
	}
}
