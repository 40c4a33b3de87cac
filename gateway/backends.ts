// gateway/backends.ts
// Picks each store's implementation from the config: embedded (SQLite, memory) or shared (PostgreSQL, Redis).

import type { Config } from "./config";
import { AuthThrottle } from "./auth/auth-throttle";
import type { ModerationStore } from "./data-store/moderation-store";
import { PostgresModerationStore } from "./data-store/postgres-moderation-store";
import { SqliteModerationStore } from "./data-store/sqlite-moderation-store";
import { LocalChangeBus, type ChangeBus } from "./invalidation/change-bus";
import type { KeyStore } from "./keys/key-store";
import { PostgresKeyStore } from "./keys/postgres-key-store";
import { SqliteKeyStore } from "./keys/sqlite-key-store";
import { memoryQuotaLimiters, type QuotaLimiters } from "./rate-limits/quota";

/** Keys in PostgreSQL when DATABASE_URL is set (shared by every instance), else in SQLite under DATA_DIR. */
export async function openKeyStore(config: Config): Promise<KeyStore> {
	if (config.databaseUrl !== undefined) return PostgresKeyStore.open({ connectionString: config.databaseUrl });
	return SqliteKeyStore.open(config.dataDir);
}

/**
 * Bans and mutes for the embedded data store: in the same PostgreSQL database as the keys when
 * DATABASE_URL is set, so every instance's embedded data store reads and writes the same bans.
 */
export async function openModerationStore(config: Config, clock: () => number): Promise<ModerationStore> {
	if (config.databaseUrl !== undefined) return PostgresModerationStore.open({ connectionString: config.databaseUrl, clock });
	return SqliteModerationStore.open({ dataDir: config.dataDir, clock });
}

export interface RateLimits {
	quotas: QuotaLimiters;
	authThrottle: AuthThrottle;
	close(): Promise<void>;
}

export async function openRateLimits(config: Config): Promise<RateLimits> {
	return {
		quotas: memoryQuotaLimiters(config.quotas),
		authThrottle: AuthThrottle.inMemory(config.authFailuresPerMinute),
		async close() {},
	};
}

export async function openChangeBus(_config: Config): Promise<ChangeBus> {
	return new LocalChangeBus();
}
