// gateway/rate-limits/quota.ts
// Per-key, per-category quotas with rate-limiter-flexible, and the contract's 429 and RateLimit headers.

import type { Response } from "express";
import { RateLimiterMemory, RateLimiterRes, type RateLimiterAbstract } from "rate-limiter-flexible";
import { ErrorMessage } from "../../shared/errors";
import { BATCH_MAX_IDENTIFIERS } from "../../shared/routes";
import { QUOTA_CATEGORIES, type QuotaCategory } from "../../shared/records";
import { ApiError } from "../platform/http/envelope";
import type { VerifiedKey } from "../keys/key-verifier";

/** Per-key requests per minute, by category. */
export type Quotas = Record<QuotaCategory, number>;

/** Quotas are counted over a fixed minute (contract: "per key, per category, per minute"). */
export const QUOTA_WINDOW_SECONDS = 60;

export type QuotaLimiters = Record<QuotaCategory, RateLimiterAbstract>;

/** In-process counters: right for a single gateway; scale-out swaps in Redis-backed limiters. */
export function memoryQuotaLimiters(quotas: Quotas): QuotaLimiters {
	return perCategory((category) => new RateLimiterMemory({ points: quotas[category], duration: QUOTA_WINDOW_SECONDS }));
}

/** One limiter for each quota category. */
export function perCategory(limiter: (category: QuotaCategory) => RateLimiterAbstract): QuotaLimiters {
	return Object.fromEntries(QUOTA_CATEGORIES.map((category) => [category, limiter(category)])) as QuotaLimiters;
}

/** Whole seconds, at least 1, as `Retry-After` requires. */
export const secondsUntil = (ms: number) => Math.max(1, Math.ceil(ms / 1000));

function setRateLimitHeaders(res: Response, category: QuotaCategory, quota: number, remaining: number, msToReset: number): void {
	res.setHeader("RateLimit-Policy", `"${category}";q=${quota};w=${QUOTA_WINDOW_SECONDS}`);
	res.setHeader("RateLimit", `"${category}";r=${Math.max(0, remaining)};t=${secondsUntil(msToReset)}`);
}

/**
 * The key's quota in `category`: its own override (admin API, `rate_limits`) or the configured default.
 * Read from the key the route's guard verified, so every caller of the quota functions honours it.
 */
function quotaOf(res: Response, limiter: RateLimiterAbstract, category: QuotaCategory): number {
	const overrides = (res.locals.apiKey as Pick<VerifiedKey, "rateLimits"> | undefined)?.rateLimits;
	return overrides?.[category] ?? limiter.points;
}

/** Sets the RateLimit headers without spending anything: for keyed requests refused before the quota. */
export async function showQuota(res: Response, limiters: QuotaLimiters, category: QuotaCategory, keyId: string): Promise<void> {
	const limiter = limiters[category];
	const quota = quotaOf(res, limiter, category);
	const state = await limiter.get(keyId);
	if (state === null) setRateLimitHeaders(res, category, quota, quota, QUOTA_WINDOW_SECONDS * 1000);
	else setRateLimitHeaders(res, category, quota, quota - state.consumedPoints, state.msBeforeNext);
}

/**
 * Spends `points` of the key's quota in `category` and sets the RateLimit headers; a spent quota
 * throws the contract's 429 with `retry_after` (the error handler adds `Retry-After`).
 */
export async function spendQuota(
	res: Response,
	limiters: QuotaLimiters,
	category: QuotaCategory,
	keyId: string,
	points: number,
): Promise<void> {
	const limiter = limiters[category];
	const quota = quotaOf(res, limiter, category);
	let state: RateLimiterRes;
	try {
		state = await limiter.consume(keyId, points);
	} catch (rejection) {
		if (!(rejection instanceof RateLimiterRes)) throw rejection;
		// The limiter counts the points even when it refuses, so a key allowed more than the default
		// is decided by the count against its own quota below.
		state = rejection;
	}
	// The counter is shared by every instance (Redis); only the limit differs per key.
	setRateLimitHeaders(res, category, quota, quota - state.consumedPoints, state.msBeforeNext);
	if (state.consumedPoints > quota) {
		throw new ApiError(429, "rate_limited", ErrorMessage.rateLimited, { retry_after: secondsUntil(state.msBeforeNext) });
	}
}

/** The batch endpoint costs one point per 10 ids, at least 1 (docs/api.md, "API summary"). */
export function batchCost(body: unknown): number {
	const identifiers = (body as { identifiers?: unknown } | null)?.identifiers;
	// An oversized list is refused by the data store; charge it as the largest valid one.
	const count = Array.isArray(identifiers) ? Math.min(identifiers.length, BATCH_MAX_IDENTIFIERS) : 0;
	return Math.max(1, Math.ceil(count / 10));
}
