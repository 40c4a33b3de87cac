// gateway/keys/keys.ts
// Puts the three key parts together over one store: the verifier (hot path), the usage recorder and the key admin.

import { KeyAdmin } from "./key-admin";
import type { KeyStore } from "./key-store";
import { KeyVerifier } from "./key-verifier";
import { UsageRecorder } from "./usage-recorder";

export interface KeysOptions {
	store: KeyStore;
	/** Milliseconds since the epoch; tests pass a fake clock. Default `Date.now`. */
	clock?: () => number;
	/** See `KeyVerifierOptions`. */
	cacheMax?: number;
	cacheTtlMs?: number;
	/** See `UsageRecorderOptions`. */
	flushIntervalMs?: number;
	/** Where a failed background flush or change listener is reported. Default `console.error`. */
	log?: (message: string, err: unknown) => void;
}

export interface Keys {
	verifier: KeyVerifier;
	usage: UsageRecorder;
	admin: KeyAdmin;
	/** Writes pending usage (graceful shutdown). The store stays open. */
	close(): Promise<void>;
}

/**
 * Loads the checksum secret from the store once, for the verifier and the admin.
 *
 * @example
 * const keys = await startKeys({ store: SqliteKeyStore.open(dataDir) });
 * const { key } = await keys.admin.create(guildId, { name: "game servers" }, by);
 * const result = await keys.verifier.verify(key);
 * if (result.ok) keys.usage.recordUse(result.key.id);
 * await keys.close();
 */
export async function startKeys(options: KeysOptions): Promise<Keys> {
	const { store, clock, log } = options;
	const checksumSecret = await store.checksumSecret();
	const usage = new UsageRecorder({ store, clock, log, flushIntervalMs: options.flushIntervalMs });
	const verifier = new KeyVerifier({ store, checksumSecret, usage, clock, cacheMax: options.cacheMax, cacheTtlMs: options.cacheTtlMs });
	const admin = new KeyAdmin({ store, checksumSecret, verifier, usage, clock, log });
	return { verifier, usage, admin, close: () => usage.close() };
}
