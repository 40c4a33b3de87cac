// test/gateway/keys/fixtures.ts
// Shared helpers of the key suites: temporary data directories, a fake clock, a store spy and stored keys.

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { randomUUID } from "node:crypto";
import type { KeyStore, StoredKey } from "../../../gateway/keys/key-store";

export const GUILD_A = "123456789012345678";
export const GUILD_B = "876543210987654321";
export const DAY = 86_400;

/** A fresh directory under the OS temp dir; `remove` deletes it with its contents. */
export function tempDir(): { path: string; remove(): void } {
	const path = mkdtempSync(join(tmpdir(), "technified-keys-"));
	return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

/** A clock in ms that only moves when told; starts at a whole second. */
export function fakeClock(startSeconds = 1_750_000_000) {
	let nowMs = startSeconds * 1000;
	return {
		now: () => nowMs,
		seconds: () => Math.floor(nowMs / 1000),
		advance(seconds: number) {
			nowMs += seconds * 1000;
		},
	};
}

export type StoreMethod = keyof KeyStore;

/** Wraps a store and counts calls per method, so tests can assert what did (not) reach storage. */
export function countingStore(store: KeyStore): { store: KeyStore; calls: Map<StoreMethod, number>; total(): number } {
	const calls = new Map<StoreMethod, number>();
	const spy = new Proxy(store, {
		get(target, property, receiver) {
			const value: unknown = Reflect.get(target, property, receiver);
			if (typeof value !== "function") return value;
			return (...args: unknown[]) => {
				const method = property as StoreMethod;
				calls.set(method, (calls.get(method) ?? 0) + 1);
				return (value as (...args: unknown[]) => unknown).apply(target, args);
			};
		},
	});
	return { store: spy, calls, total: () => [...calls.values()].reduce((sum, count) => sum + count, 0) };
}

/** A stored key as the stores keep it, active and unused, with `fields` changed. */
export function storedKey(guildId: string, at: number, fields: Partial<StoredKey> = {}): StoredKey {
	return {
		id: randomUUID(),
		guildId,
		prefix: `technified_${guildId}_abcdef`,
		name: null,
		state: "active",
		scopes: ["moderation:read", "moderation:write"],
		allowedCidrs: [],
		createdAt: at,
		updatedAt: at,
		lastUsedAt: null,
		expiresAt: null,
		revokedAt: null,
		hold: null,
		createdBy: null,
		description: null,
		rateLimits: null,
		lastUsedIp: null,
		...fields,
	};
}
