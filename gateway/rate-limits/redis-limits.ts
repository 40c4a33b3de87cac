// gateway/rate-limits/redis-limits.ts
// Quotas and the auth-failure throttle counted in Redis, shared by every instance, with memory as insurance.

import type { Redis } from "ioredis";
import { RateLimiterMemory, RateLimiterRedis } from "rate-limiter-flexible";
import type { Quotas } from "./quota";
import { QUOTA_WINDOW_SECONDS, perCategory, type QuotaLimiters } from "./quota";

/** Window of the auth-failure throttle, as `AuthThrottle.inMemory` counts it. */
const AUTH_FAILURE_WINDOW_SECONDS = 60;

/**
 * One limiter counted in Redis under `keyPrefix`. When Redis is unreachable or slow, the same quota is
 * counted in this process instead (the insurance limiter), so an outage turns shared limits into
 * per-instance ones rather than into errors; once Redis answers again, counting is shared again.
 */
export function redisLimiter(redis: Redis, keyPrefix: string, points: number, duration: number): RateLimiterRedis {
	return new RateLimiterRedis({
		storeClient: redis,
		keyPrefix,
		points,
		duration,
		// A connection known to be down goes straight to the insurance limiter, without a failed command.
		rejectIfRedisNotReady: true,
		insuranceLimiter: new RateLimiterMemory({ keyPrefix, points, duration }),
	});
}

/** The quota limiters of `memoryQuotaLimiters`, counted across instances; keys are `<prefix>:quota:<category>:<key id>`. */
export function redisQuotaLimiters(redis: Redis, prefix: string, quotas: Quotas): QuotaLimiters {
	return perCategory((category) => redisLimiter(redis, `${prefix}:quota:${category}`, quotas[category], QUOTA_WINDOW_SECONDS));
}

/** Failed authentications per address, counted across instances (`<prefix>:auth-failures:<address>`). */
export function redisAuthFailureLimiter(redis: Redis, prefix: string, failuresPerMinute: number): RateLimiterRedis {
	return redisLimiter(redis, `${prefix}:auth-failures`, failuresPerMinute, AUTH_FAILURE_WINDOW_SECONDS);
}
