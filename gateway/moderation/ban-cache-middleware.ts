// gateway/moderation/ban-cache-middleware.ts
// Serves ban-status from the gateway's cache, fills it from the data store, and drops it on bans.

import type { Request, RequestHandler, Response } from "express";
import type { SuccessEnvelope } from "../../shared/envelope";
import type { BanStatusData } from "../../shared/records";
import { onUpstreamResponse, type UpstreamAnswer } from "./forward";
import { bodyRobloxId, checkNoCacheQuery, parseRobloxIdText, pathParam, readPlaceIdQuery } from "./request-fields";
import type { ModerationChangeNotice } from "../changes/change-bus";
import type { AnswerBody, BanStatusCache } from "./ban-status-cache";

/**
 * A cached answer with the headers and bytes Express's `res.type("application/json").send(body)`
 * writes, set directly: Express's send (charset, content-type parsing, the string encoded again,
 * freshness) was the largest part of a cached answer the gateway wrote itself (docs/hot-path.md).
 * The body is the Buffer stored once per cache entry.
 */
function sendCached(req: Request, res: Response, body: AnswerBody, maxAge: number): void {
	res.statusCode = 200;
	res.setHeader("Cache-Control", `private, max-age=${maxAge}`);
	res.setHeader("Content-Type", "application/json; charset=utf-8");
	res.setHeader("Content-Length", String(Buffer.byteLength(body)));
	// Conditional request headers are dropped at the edge, so Express would never answer 304 here.
	if (req.method === "HEAD") res.end();
	else res.end(body);
}

/**
 * Tells the client how long it may reuse a status answer: the configured lifetime, shortened by the
 * data store's own max-age (an expiring ban is not cached past its end), 0 with `no_cache=true`.
 */
function advertiseLifetime(upstream: UpstreamAnswer, ttlSeconds: number, bypass: boolean): void {
	const upstreamMaxAge = /max-age=(\d+)/.exec(upstream.headers["cache-control"] ?? "")?.[1];
	const maxAge = bypass ? 0 : Math.min(ttlSeconds, upstreamMaxAge === undefined ? ttlSeconds : Number(upstreamMaxAge));
	upstream.headers["cache-control"] = `private, max-age=${maxAge}`;
}

/** For answers the gateway does not cache (mute-status): the same client lifetime as ban-status. */
export function advertiseCacheLifetime(ttlSeconds: number): RequestHandler {
	return (req, res, next) => {
		const bypass = req.query.no_cache === "true";
		onUpstreamResponse(res, (upstream) => {
			if (upstream.status === 200) advertiseLifetime(upstream, ttlSeconds, bypass);
		});
		next();
	};
}

/**
 * The query is checked as the data store checks it, before the cache: a hit and a miss answer the
 * same request the same way (`no_cache=garbage` is a 400 either way). Only canonical ids pass, so
 * `007` and `7` cannot hold two answers for one user.
 */
export function serveCachedBanStatus(cache: BanStatusCache, ttlSeconds: number): RequestHandler {
	return (req, res, next) => {
		const guildId = pathParam(req, "guildId");
		const identifier = String(parseRobloxIdText("identifier", pathParam(req, "identifier")));
		const placeId = String(readPlaceIdQuery(req) ?? "");
		checkNoCacheQuery(req);
		const bypass = req.query.no_cache === "true";
		const cacheable = cache.enabled && !bypass;
		if (cacheable) {
			const hit = cache.get(guildId, identifier, placeId);
			if (hit !== undefined) {
				sendCached(req, res, hit.body, hit.maxAge);
				return;
			}
		}
		const ticket = cache.beginRead();
		onUpstreamResponse(res, (upstream) => {
			if (upstream.status !== 200) return;
			advertiseLifetime(upstream, ttlSeconds, bypass);
			if (!cacheable) return;
			const banEndsAt = banEnd(upstream.body.toString("utf8"));
			// The Buffer the caller is sent now is the one later hits send: nothing writes into it.
			if (banEndsAt !== null) cache.store(ticket, guildId, identifier, placeId, upstream.body, banEndsAt);
		});
		next();
	};
}

/** When the answer's ban ends (unix s), undefined if never, null if the body is not a ban-status. */
function banEnd(body: string): number | undefined | null {
	try {
		const envelope = JSON.parse(body) as SuccessEnvelope<BanStatusData>;
		if (envelope.status !== "success" || typeof envelope.data?.banned !== "boolean") return null;
		return envelope.data.ban_info?.expires_at ?? undefined;
	} catch {
		return null;
	}
}

/**
 * For a ban, unban, mute or unmute of `userId` in `guildId`, made through the data store by any route
 * (the dashboard's, Discord's). A ban's cached answers are dropped before it is sent and again the moment
 * the data store answers, before the caller sees that answer: a read racing the write cannot put the old
 * answer back. Every kind is then announced (other instances, event streams) before the caller can ask
 * anyone. Call the answer with the data store's status.
 */
export function beginModerationChange(
	kind: ModerationChangeNotice["kind"],
	cache: BanStatusCache,
	announce: (change: ModerationChangeNotice) => void,
	guildId: string,
	userId: string,
): (status: number) => void {
	if (kind === "ban") cache.invalidate(guildId, userId);
	return (status) => {
		if (kind === "ban") cache.invalidate(guildId, userId);
		if (status >= 200 && status < 300) announce({ kind, guildId, userId });
	};
}

/** `beginModerationChange` for a route that relays the data store's answer. */
export function onModerationChange(
	kind: ModerationChangeNotice["kind"],
	cache: BanStatusCache,
	announce: (change: ModerationChangeNotice) => void,
): RequestHandler {
	return (req, res, next) => {
		const userId = bodyRobloxId(req.body);
		if (userId === undefined) return next();
		const answered = beginModerationChange(kind, cache, announce, req.params.guildId as string, userId);
		onUpstreamResponse(res, (upstream) => answered(upstream.status));
		next();
	};
}
