// test/gateway/outbound/fake-open-cloud.ts
// A fake of Roblox Open Cloud's user-restriction API and its Messaging publish, on loopback.
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
//
// Publishing is written from "Messaging usage guide" (create.roblox.com/docs/cloud/guides/usage-messaging)
// and the v2 reference "Universe" (PublishUniverseMessage): POST /cloud/v2/universes/{universe_id}:publishMessage,
// `x-api-key`, body `{"topic","message"}`, answered with an empty object. A topic over 80 characters or a
// message over 1,024 is 400 `INVALID_ARGUMENT`; an unknown key 401; a key without the Messaging Service
// Publish permission 403 `PERMISSION_DENIED`; an unknown universe 404 `NOT_FOUND`; past the rate
// (50 + 5 × players a minute) 429 `RESOURCE_EXHAUSTED` with Retry-After. Each accepted message is kept
// in `published`, for tests (and emulated servers) to read.

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
const PUBLISH_PATH = /^\/cloud\/v2\/universes\/(\d+):publishMessage$/;

/** A message Open Cloud accepted for a universe's topic. */
export interface PublishedMessage {
	universeId: string;
	topic: string;
	message: string;
	apiKey: string | undefined;
	/** Unix ms of arrival. */
	at: number;
}

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
	/** Keys that may publish messages (the Messaging Service "Publish" permission); any other known key gets 403. */
	readonly publishers = new Set<string>();
	/** Universes Open Cloud does not know: publishing to them is 404. */
	readonly missingUniverses = new Set<string>();
	/** Every message accepted, in order of arrival. */
	readonly published: PublishedMessage[] = [];
	/** Every publish request that arrived, accepted or not (Unix ms). */
	readonly publishAttempts: number[] = [];
	/** Answer the next N publishes 429 with `retryAfterSeconds`. */
	throttlePublishesNext = 0;
	/** Roblox's rate per universe: 50 + 5 × `players` messages a minute; past it, 429. */
	players = 0;
	/** Unix ms, for the rate's minute: tests that move the gateway's clock move this one too. */
	clock: () => number = Date.now;
	/** When set, the next publishes are answered with this instead (a proxy's garbage, say), once each. */
	readonly publishAnswers: { status: number; body: string; contentType: string }[] = [];
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
			const publish = PUBLISH_PATH.exec(url.pathname);
			if (req.method === "POST" && publish !== null) return this.publish(publish[1], apiKey, text, send, res);
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

	private publish(universeId: string, apiKey: string | undefined, text: string, send: (status: number, body: unknown, headers?: Record<string, string>) => void, res: import("node:http").ServerResponse): void {
		const now = this.clock();
		this.publishAttempts.push(now);
		const answer = this.publishAnswers.shift();
		if (answer !== undefined) {
			res.writeHead(answer.status, { "content-type": answer.contentType });
			res.end(answer.body);
			return;
		}
		if (apiKey === undefined || !this.known.has(apiKey)) return send(401, { errors: [{ code: 0, message: "Invalid API Key" }] });
		if (!this.publishers.has(apiKey)) return send(403, { code: "PERMISSION_DENIED", message: "The API key does not have universe-messaging-service:publish for this universe" });
		if (this.missingUniverses.has(universeId)) return send(404, { code: "NOT_FOUND", message: "The universe does not exist" });
		let body: { topic?: unknown; message?: unknown };
		try {
			body = JSON.parse(text) as typeof body;
		} catch {
			return send(400, { code: "INVALID_ARGUMENT", message: "The body is not JSON" });
		}
		if (typeof body.topic !== "string" || body.topic === "" || body.topic.length > 80) {
			return send(400, { code: "INVALID_ARGUMENT", message: "topic must be 1 to 80 characters" });
		}
		if (typeof body.message !== "string" || body.message.length > 1_024) {
			return send(400, { code: "INVALID_ARGUMENT", message: "message must be at most 1024 characters" });
		}
		const perMinute = 50 + 5 * this.players;
		const lastMinute = this.published.filter((message) => message.universeId === universeId && message.at > now - 60_000);
		if (this.throttlePublishesNext > 0 || lastMinute.length >= perMinute) {
			this.throttlePublishesNext = Math.max(0, this.throttlePublishesNext - 1);
			return send(429, { code: "RESOURCE_EXHAUSTED", message: "Too many requests" }, { "retry-after": String(this.retryAfterSeconds) });
		}
		this.published.push({ universeId, topic: body.topic, message: body.message, apiKey, at: now });
		send(200, {});
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
