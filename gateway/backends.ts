// gateway/backends.ts
// Picks each store's implementation from the config: embedded (SQLite, memory) or shared (PostgreSQL, Redis).

import type { Config } from "./config";
import { AuthThrottle } from "./auth/auth-throttle";
import type { ModerationStore } from "./data-store/moderation-store";
import { PostgresModerationStore } from "./data-store/postgres-moderation-store";
import { SqliteModerationStore } from "./data-store/sqlite-moderation-store";
import { LocalChangeBus, type ChangeBus } from "./changes/change-bus";
import type { KeyStore } from "./keys/key-store";
import { PostgresKeyStore } from "./keys/postgres-key-store";
import { SqliteKeyStore } from "./keys/sqlite-key-store";
import type { OperatorStore } from "./operators/operator-store";
import { PostgresOperatorStore } from "./operators/postgres-operator-store";
import { SqliteOperatorStore } from "./operators/sqlite-operator-store";
import { memoryQuotaLimiters, type QuotaLimiters } from "./rate-limits/quota";
import { RedisChangeBus } from "./changes/redis-change-bus";
import { redisAuthFailureLimiter, redisQuotaLimiters } from "./rate-limits/redis-limits";
import { connectRedis, disconnectRedis, redisReady, redisTarget } from "./platform/redis/redis-connection";

/** What decides where the stores live (the data store's worker has only this of the config). */
type StorePlace = Pick<Config, "databaseUrl" | "dataDir">;

/** Where the stores live, for an operator: host, port and database of DATABASE_URL (never its password). */
function storePlace(config: StorePlace): string {
	if (config.databaseUrl === undefined) return `SQLite in ${config.dataDir} (DATA_DIR)`;
	const url = new URL(config.databaseUrl);
	const host = url.hostname || url.searchParams.get("host") || "localhost";
	const database = decodeURIComponent(url.pathname.slice(1)) || "(the user's)";
	return `PostgreSQL at ${host}:${url.port || 5432}, database ${database} (DATABASE_URL)`;
}

/** A store that cannot be opened at start-up is named in the one failure line, with the driver's reason. */
async function opened<T>(config: StorePlace, opening: () => T | Promise<T>): Promise<T> {
	try {
		return await opening();
	} catch (err) {
		throw new Error(`${storePlace(config)} cannot be used: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
	}
}

/** Keys in PostgreSQL when DATABASE_URL is set (shared by every instance), else in SQLite under DATA_DIR. */
export async function openKeyStore(config: Config): Promise<KeyStore> {
	return opened<KeyStore>(config, () =>
		config.databaseUrl !== undefined ? PostgresKeyStore.open({ connectionString: config.databaseUrl }) : SqliteKeyStore.open(config.dataDir),
	);
}

/** Operators beside the keys: the same PostgreSQL database, or the same SQLite file. */
export async function openOperatorStore(config: Config): Promise<OperatorStore> {
	return opened<OperatorStore>(config, () =>
		config.databaseUrl !== undefined
			? PostgresOperatorStore.open({ connectionString: config.databaseUrl })
			: SqliteOperatorStore.open(config.dataDir),
	);
}

/**
 * Bans and mutes for the embedded data store: in the same PostgreSQL database as the keys when
 * DATABASE_URL is set, so every instance's embedded data store reads and writes the same bans.
 */
export async function openModerationStore(config: StorePlace, clock: () => number): Promise<ModerationStore> {
	return opened<ModerationStore>(config, () =>
		config.databaseUrl !== undefined
			? PostgresModerationStore.open({ connectionString: config.databaseUrl, clock })
			: SqliteModerationStore.open({ dataDir: config.dataDir, clock }),
	);
}

export interface RateLimits {
	quotas: QuotaLimiters;
	authThrottle: AuthThrottle;
	close(): Promise<void>;
}

/**
 * Quotas and the auth-failure throttle: counted in Redis when REDIS_URL is set (shared exactly by every
 * instance; each falls back to its own memory while Redis is unreachable), else in this process.
 */
export async function openRateLimits(config: Config, log: (message: string) => void): Promise<RateLimits> {
	if (config.redisUrl === undefined) {
		return {
			quotas: memoryQuotaLimiters(config.quotas),
			authThrottle: AuthThrottle.inMemory(config.authFailuresPerMinute),
			async close() {},
		};
	}
	const target = redisTarget(config.redisUrl);
	const redis = connectRedis(target, "rate limits", log);
	await redisReady(redis);
	return {
		quotas: redisQuotaLimiters(redis, target.prefix, config.quotas),
		authThrottle: new AuthThrottle(redisAuthFailureLimiter(redis, target.prefix, config.authFailuresPerMinute)),
		close: () => disconnectRedis(redis),
	};
}

/** Cross-instance cache invalidation through Redis when REDIS_URL is set; nobody to tell otherwise. */
export async function openChangeBus(config: Config, log: (message: string) => void): Promise<ChangeBus> {
	if (config.redisUrl === undefined) return new LocalChangeBus();
	const target = redisTarget(config.redisUrl);
	const redis = connectRedis(target, "changes", log);
	const subscriber = connectRedis(target, "change subscription", log);
	await Promise.all([redisReady(redis), redisReady(subscriber)]);
	return RedisChangeBus.open({ redis, subscriber, prefix: target.prefix, log });
}
