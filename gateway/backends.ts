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
import { PostgresExperienceStore } from "./outbound/experiences/postgres-experience-store";
import { SqliteExperienceStore } from "./outbound/experiences/sqlite-experience-store";
import type { OutboxStores } from "./outbound/outbound";
import { PostgresChangeCursors, PostgresDeliveryQueue, PostgresKeyNotices } from "./outbound/queue/postgres-queue-stores";
import { SqliteChangeCursors, SqliteDeliveryQueue, SqliteKeyNotices } from "./outbound/queue/sqlite-queue-stores";
import { PostgresWebhookStore } from "./outbound/webhooks/postgres-webhook-store";
import { SqliteWebhookStore } from "./outbound/webhooks/sqlite-webhook-store";
import { openGatewayDatabase, type GatewayDatabase } from "./platform/db/gateway-database";
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

/**
 * The gateway database (keys, audit, operators, outbox), opened and migrated once: in PostgreSQL when
 * DATABASE_URL is set (shared by every instance), else in keys.sqlite under DATA_DIR.
 */
export async function openDatabase(config: StorePlace, log?: (message: string) => void): Promise<GatewayDatabase> {
	return opened(config, () => openGatewayDatabase(config, log));
}

/** Every store of the gateway database, on its one connection or pool. */
export interface GatewayStores {
	keys: KeyStore;
	operators: OperatorStore;
	outbox: OutboxStores;
}

export function gatewayStores(database: GatewayDatabase, clock: () => number): GatewayStores {
	if (database.dialect === "sqlite") {
		const db = database.sqlite;
		return {
			keys: new SqliteKeyStore(db),
			operators: new SqliteOperatorStore(db),
			outbox: {
				webhooks: new SqliteWebhookStore(db),
				experiences: new SqliteExperienceStore(db, clock),
				queue: new SqliteDeliveryQueue(db, clock),
				cursors: new SqliteChangeCursors(db, clock),
				notices: new SqliteKeyNotices(db, clock),
			},
		};
	}
	const db = database.postgres;
	return {
		keys: new PostgresKeyStore(db),
		operators: new PostgresOperatorStore(db),
		outbox: {
			webhooks: new PostgresWebhookStore(db),
			experiences: new PostgresExperienceStore(db, clock),
			queue: new PostgresDeliveryQueue(db, clock),
			cursors: new PostgresChangeCursors(db, clock),
			notices: new PostgresKeyNotices(db, clock),
		},
	};
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
