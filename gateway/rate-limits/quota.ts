// gateway/rate-limits/quota.ts
// Per-key, per-category quotas with rate-limiter-flexible, and the contract's 429 and RateLimit headers.

import type { RequestHandler, Response } from "express";
import { RateLimiterMemory, RateLimiterRes, type RateLimiterAbstract } from "rate-limiter-flexible";
import { ErrorMessage } from "../../shared/errors";
import { BATCH_MAX_IDENTIFIERS } from "../../shared/routes";
import type { QuotaCategory, Quotas } from "../config";
import { ApiError } from "../http/envelope";
import { verifiedKey } from "../auth/authenticate";

/** Quotas are counted over a fixed minute (contract: "per key, per category, per minute"). */
export const QUOTA_WINDOW_SECONDS = 60;

export type QuotaLimiters = Record<QuotaCategory, RateLimiterAbstract>;

/** In-process counters: right for a single gateway; scale-out swaps in Redis-backed limiters. */
export function memoryQuotaLimiters(quotas: Quotas): QuotaLimiters {
	const limiter = (points: number) => new RateLimiterMemory({ points, duration: QUOTA_WINDOW_SECONDS });
	return { moderation: limiter(quotas.moderation), lists: limiter(quotas.lists), writes: limiter(quotas.writes) };
}

/** Whole seconds, at least 1, as `Retry-After` requires. */
export const secondsUntil = (ms: number) => Math.max(1, Math.ceil(ms / 1000));

function setRateLimitHeaders(res: Response, category: QuotaCategory, quota: number, state: RateLimiterRes): void {
	res.setHeader("RateLimit-Policy", `"${category}";q=${quota};w=${QUOTA_WINDOW_SECONDS}`);
	res.setHeader("RateLimit", `"${category}";r=${Math.max(0, state.remainingPoints)};t=${secondsUntil(state.msBeforeNext)}`);
}

/**
 * Spends `cost(req)` points of the verified key's quota in `category`; a spent quota answers 429
 * with `Retry-After` and `retry_after`. Runs after authentication.
 */
export function enforceQuota(
	limiters: QuotaLimiters,
	category: QuotaCategory,
	cost: (body: unknown) => number = () => 1,
): RequestHandler {
	const limiter = limiters[category];
	return async (req, res, next) => {
		const key = verifiedKey(res);
		try {
			const state = await limiter.consume(key.id, cost(req.body));
			setRateLimitHeaders(res, category, limiter.points, state);
			next();
		} catch (rejection) {
			if (!(rejection instanceof RateLimiterRes)) throw rejection;
			setRateLimitHeaders(res, category, limiter.points, rejection);
			const retryAfter = secondsUntil(rejection.msBeforeNext);
			throw new ApiError(429, "rate_limited", ErrorMessage.rateLimited, { retry_after: retryAfter });
		}
	};
}

/** The batch endpoint costs one point per 10 ids, at least 1 (contract section 3). */
export function batchCost(body: unknown): number {
	const identifiers = (body as { identifiers?: unknown } | null)?.identifiers;
	// An oversized list is refused by the data store; charge it as the largest valid one.
	const count = Array.isArray(identifiers) ? Math.min(identifiers.length, BATCH_MAX_IDENTIFIERS) : 0;
	return Math.max(1, Math.ceil(count / 10));
}
