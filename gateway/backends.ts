// gateway/backends.ts
// Picks each store's implementation from the config: embedded (SQLite, memory) or shared (PostgreSQL, Redis).

import type { Config } from "./config";
import { AuthThrottle } from "./auth/auth-throttle";
import { LocalChangeBus, type ChangeBus } from "./changes/change-bus";
import type { KeyStore } from "./keys/key-store";
import type { InteractionClaims } from "./discord/interaction-claims";
import { PostgresInteractionClaims } from "./discord/postgres-interaction-claims";
import { SqliteInteractionClaims } from "./discord/sqlite-interaction-claims";
import type { ImportStore } from "./moderation/import-store";
import { PostgresImportStore } from "./moderation/postgres-import-store";
import { SqliteImportStore } from "./moderation/sqlite-import-store";
import { PostgresKeyStore } from "./keys/postgres-key-store";
import { SqliteKeyStore } from "./keys/sqlite-key-store";
import type { OperatorStore } from "./operators/operator-store";
import { PostgresOperatorStore } from "./operators/postgres-operator-store";
import { SqliteOperatorStore } from "./operators/sqlite-operator-store";
import { PostgresRobloxUserStore } from "./roblox-users/postgres-roblox-user-store";
import type { RobloxUserStore } from "./roblox-users/roblox-user-store";
import { SqliteRobloxUserStore } from "./roblox-users/sqlite-roblox-user-store";
import { PostgresExperienceStore } from "./outbound/experiences/postgres-experience-store";
import { SqliteExperienceStore } from "./outbound/experiences/sqlite-experience-store";
import type { OutboxStores } from "./outbound/outbound";
import { PostgresChangeCursors, PostgresDeliveryQueue, PostgresKeyNotices } from "./outbound/queue/postgres-queue-stores";
import { SqliteChangeCursors, SqliteDeliveryQueue, SqliteKeyNotices } from "./outbound/queue/sqlite-queue-stores";
import { PostgresWebhookStore } from "./outbound/webhooks/postgres-webhook-store";
import { SqliteWebhookStore } from "./outbound/webhooks/sqlite-webhook-store";
import { openGatewayDatabase, type GatewayDatabase } from "./platform/db/gateway-database";
import { opened, type StorePlace } from "./platform/db/store-place";
import { memoryQuotaLimiters, type QuotaLimiters } from "./rate-limits/quota";
import { RedisChangeBus } from "./changes/redis-change-bus";
import { redisAuthFailureLimiter, redisQuotaLimiters } from "./rate-limits/redis-limits";
import { connectRedis, disconnectRedis, redisReady, redisTarget } from "./platform/redis/redis-connection";
import type { CommandStore } from "./servers/command-store";
import { PRESENCE_TTL_MS } from "./servers/presence";
import type { PresenceStore } from "./servers/presence-store";
import { RedisPresenceStore } from "./servers/redis-presence-store";
import { PostgresCommandStore, SqliteCommandStore } from "./servers/sql-command-stores";
import { PostgresPresenceStore, SqlitePresenceStore } from "./servers/sql-presence-stores";

/**
 * The gateway database (keys, audit, operators, outbox, Roblox names), opened and migrated once: in PostgreSQL when
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
	/** Names and faces learnt from Roblox (docs/names.md). */
	robloxUsers: RobloxUserStore;
	imports: ImportStore;
	/** Discord interactions already answered (docs/discord.md). */
	interactionClaims: InteractionClaims;
	/** Commands sent to live servers and their acks (docs/fleets.md). */
	commands: CommandStore;
}

export function gatewayStores(database: GatewayDatabase, clock: () => number): GatewayStores {
	if (database.dialect === "sqlite") {
		const db = database.sqlite;
		return {
			keys: new SqliteKeyStore(db),
			operators: new SqliteOperatorStore(db),
			imports: new SqliteImportStore(db),
			commands: new SqliteCommandStore(db),
			outbox: {
				webhooks: new SqliteWebhookStore(db),
				experiences: new SqliteExperienceStore(db, clock),
				queue: new SqliteDeliveryQueue(db, clock),
				cursors: new SqliteChangeCursors(db, clock),
				notices: new SqliteKeyNotices(db, clock),
			},
			robloxUsers: new SqliteRobloxUserStore(db),
			interactionClaims: new SqliteInteractionClaims(db),
		};
	}
	const db = database.postgres;
	return {
		keys: new PostgresKeyStore(db),
		operators: new PostgresOperatorStore(db),
		imports: new PostgresImportStore(db),
		commands: new PostgresCommandStore(db),
		outbox: {
			webhooks: new PostgresWebhookStore(db),
			experiences: new PostgresExperienceStore(db, clock),
			queue: new PostgresDeliveryQueue(db, clock),
			cursors: new PostgresChangeCursors(db, clock),
			notices: new PostgresKeyNotices(db, clock),
		},
		robloxUsers: new PostgresRobloxUserStore(db),
		interactionClaims: new PostgresInteractionClaims(db),
	};
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

/**
 * Where live servers' presence is kept (docs/fleets.md): Redis when REDIS_URL is set, else the gateway
 * database (PostgreSQL shared by every instance, or keys.sqlite for one).
 */
export async function openPresenceStore(config: Config, database: GatewayDatabase, log: (message: string) => void): Promise<PresenceStore> {
	if (config.redisUrl !== undefined) {
		const target = redisTarget(config.redisUrl);
		const redis = connectRedis(target, "presence", log);
		await redisReady(redis);
		// A guild's keys outlive its last server by a TTL more, then Redis drops them.
		return new RedisPresenceStore(redis, target.prefix, 2 * PRESENCE_TTL_MS);
	}
	return database.dialect === "sqlite" ? new SqlitePresenceStore(database.sqlite) : new PostgresPresenceStore(database.postgres);
}
