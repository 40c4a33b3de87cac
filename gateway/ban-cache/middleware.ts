// gateway/ban-cache/middleware.ts
// Serves ban-status from the gateway's cache, fills it from the data store, and drops it on bans.

import type { IncomingMessage } from "node:http";
import type { RequestHandler, Response } from "express";
import type { SuccessEnvelope } from "../../shared/envelope";
import type { BanStatusData } from "../../shared/records";
import { onUpstreamResponse } from "../proxy/forward";
import type { BanStatusCache } from "./ban-status-cache";

/** Only canonical ids are cached, so `007` and `7` cannot hold two answers for one user. */
const CANONICAL_ID = /^[1-9]\d{0,15}$/;

const cacheControl = (res: Response, maxAge: number) => res.setHeader("Cache-Control", `private, max-age=${maxAge}`);

/**
 * Tells the client how long it may reuse a status answer: the configured lifetime, shortened by the
 * data store's own max-age (an expiring ban is not cached past its end), 0 with `no_cache=true`.
 */
function advertiseLifetime(upstream: IncomingMessage, ttlSeconds: number, bypass: boolean): void {
	const upstreamMaxAge = /max-age=(\d+)/.exec(upstream.headers["cache-control"] ?? "")?.[1];
	const maxAge = bypass ? 0 : Math.min(ttlSeconds, upstreamMaxAge === undefined ? ttlSeconds : Number(upstreamMaxAge));
	upstream.headers["cache-control"] = `private, max-age=${maxAge}`;
}

/** For answers the gateway does not cache (mute-status): the same client lifetime as ban-status. */
export function advertiseCacheLifetime(ttlSeconds: number): RequestHandler {
	return (req, res, next) => {
		const bypass = req.query.no_cache === "true";
		onUpstreamResponse(res, (upstream) => {
			if (upstream.statusCode === 200) advertiseLifetime(upstream, ttlSeconds, bypass);
		});
		next();
	};
}

export function serveCachedBanStatus(cache: BanStatusCache, ttlSeconds: number): RequestHandler {
	return (req, res, next) => {
		const { guildId, identifier } = req.params as { guildId: string; identifier: string };
		const placeId = typeof req.query.place_id === "string" ? req.query.place_id : "";
		const bypass = req.query.no_cache === "true";
		const cacheable = cache.enabled && !bypass && CANONICAL_ID.test(identifier) && (placeId === "" || CANONICAL_ID.test(placeId));
		if (cacheable) {
			const hit = cache.get(guildId, identifier, placeId);
			if (hit !== undefined) {
				cacheControl(res, hit.maxAge);
				res.status(200).type("application/json").send(hit.body);
				return;
			}
		}
		const ticket = cache.beginRead();
		onUpstreamResponse(res, (upstream) => {
			if (upstream.statusCode !== 200) return;
			advertiseLifetime(upstream, ttlSeconds, bypass);
			if (!cacheable) return;
			const chunks: Buffer[] = [];
			upstream.on("data", (chunk: Buffer) => chunks.push(chunk));
			upstream.on("end", () => {
				const body = Buffer.concat(chunks).toString("utf8");
				const banEndsAt = banEnd(body);
				if (banEndsAt !== null) cache.store(ticket, guildId, identifier, placeId, body, banEndsAt);
			});
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
 * Drops the user's cached answers before a ban or unban is forwarded and again the moment the data
 * store answers, before the caller sees that answer: a read racing the write cannot put the old answer
 * back, and other instances (`announce`) are told before the caller can ask them.
 */
export function invalidateOnBanChange(cache: BanStatusCache, announce: (guildId: string, userId: string) => void): RequestHandler {
	return (req, res, next) => {
		const guildId = req.params.guildId as string;
		const robloxId = (req.body as { roblox_id?: unknown } | undefined)?.roblox_id;
		if (typeof robloxId !== "string" && typeof robloxId !== "number") return next();
		const text = String(robloxId).trim();
		const userId = /^\d+$/.test(text) ? String(Number(text)) : text;
		cache.invalidate(guildId, userId);
		onUpstreamResponse(res, (upstream) => {
			cache.invalidate(guildId, userId);
			const status = upstream.statusCode ?? 500;
			if (status >= 200 && status < 300) announce(guildId, userId);
		});
		next();
	};
}
