// gateway/platform/redis/redis-connection.ts
// Opens ioredis connections that fail fast instead of queueing, and reads the deployment's key prefix.

import { Redis } from "ioredis";

/** Where a deployment's shared state lives: the server, and the prefix of every key and channel. */
export interface RedisTarget {
	/** The connection URL without the `prefix` parameter; may hold a password, so never log it. */
	url: string;
	/** Keeps deployments (and test suites) that share one Redis apart. */
	prefix: string;
}

/** Used when REDIS_URL names no `prefix`. */
export const DEFAULT_REDIS_PREFIX = "technified";

/**
 * Splits `REDIS_URL` into the server and the key prefix (`?prefix=name`). The prefix travels in the URL
 * so one variable describes the whole deployment; ioredis would otherwise take the parameter as an option.
 */
export function redisTarget(redisUrl: string): RedisTarget {
	const parsed = new URL(redisUrl);
	const prefix = parsed.searchParams.get("prefix")?.trim() || DEFAULT_REDIS_PREFIX;
	parsed.searchParams.delete("prefix");
	return { url: parsed.toString(), prefix };
}

/**
 * Milliseconds a command may take before it counts as failed (and the caller falls back). Redis
 * answers in well under a millisecond; this only bounds a server that is up but not answering.
 */
export const REDIS_COMMAND_TIMEOUT_MS = 250;

/** How often each connection checks that Redis still answers. */
export const REDIS_WATCHDOG_INTERVAL_MS = 1_000;

/**
 * A connection for one role (`rate limits`, `changes`, …). While it is down, commands are refused at
 * once (no offline queue, no retry of in-flight commands) so callers fall back instead of waiting;
 * it reconnects in the background. `log` hears "down" once per outage and "up" when it is back, with
 * the error's message only: the URL (and its password) never reaches a log.
 */
export function connectRedis(target: RedisTarget, role: string, log: (message: string) => void): Redis {
	const redis = new Redis(target.url, {
		enableOfflineQueue: false,
		maxRetriesPerRequest: 0,
		commandTimeout: REDIS_COMMAND_TIMEOUT_MS,
		connectTimeout: 2_000,
		// Retry quickly at first, then every second: a restarted Redis is noticed within about a second.
		retryStrategy: (attempt) => Math.min(attempt * 100, 1_000),
	});
	// A Redis that stops answering but keeps its connections (paused, overloaded, a silent network) would
	// cost every request a command timeout. The watchdog drops such a connection instead: while it is
	// re-established, commands are refused at once and callers fall back without waiting.
	const watchdog = setInterval(() => {
		if (redis.status !== "ready") return;
		redis.ping().catch(() => {
			if (redis.status === "ready") redis.disconnect(true);
		});
	}, REDIS_WATCHDOG_INTERVAL_MS);
	watchdog.unref();
	redis.once("end", () => clearInterval(watchdog));
	let down = false;
	redis.on("error", (err: Error) => {
		if (down) return;
		down = true;
		log(`Redis (${role}) unavailable, falling back to this instance alone: ${err.message}`);
	});
	redis.on("ready", () => {
		if (!down) return;
		down = false;
		log(`Redis (${role}) reachable again`);
	});
	return redis;
}

/**
 * Resolves once the connection is ready, or after `timeoutMs` if Redis cannot be reached: the gateway
 * then starts on its fallbacks rather than not at all, and joins Redis when it appears.
 */
export function redisReady(redis: Redis, timeoutMs = 2_000): Promise<void> {
	if (redis.status === "ready") return Promise.resolve();
	return new Promise((resolve) => {
		const done = () => {
			clearTimeout(timer);
			redis.off("ready", done);
			resolve();
		};
		const timer = setTimeout(done, timeoutMs);
		redis.on("ready", done);
	});
}

/** Closes without waiting for a server that may be gone. */
export async function disconnectRedis(redis: Redis): Promise<void> {
	if (redis.status === "end") return;
	try {
		await redis.quit();
	} catch {
		// Not connected: nothing to say goodbye to.
		redis.disconnect();
	}
}
