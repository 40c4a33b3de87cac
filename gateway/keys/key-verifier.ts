// gateway/keys/key-verifier.ts
// The hot path's question, "is this key good?": verified keys cached by the text presented, statuses decided against the clock.

import { LRUCache } from "lru-cache";
import type { RateLimitOverrides, Scope } from "../../shared/records";
import { compileAddressMatcher, type AddressMatcher } from "../auth/address-matcher";
import { hashApiKey, parseApiKey } from "./api-key";
import { keyStatusAt } from "./key-expiry";
import type { KeyStore, StoredKey } from "./key-store";
import type { UsageRecorder } from "./usage-recorder";

export type VerifyFailure =
	| "malformed"
	| "unknown"
	| "revoked"
	| "disabled"
	| "expired"
	| "auto_expired"
	| "moderated"
	| "user_moderated"
	| "creator_removed";

/** What a request handler needs of a verified key; the matcher is compiled once, at key load. */
export interface VerifiedKey {
	id: string;
	guildId: string;
	/** Safe to log: the shown prefix, never the secret. */
	prefix: string;
	scopes: ReadonlySet<Scope>;
	allowsAddress: AddressMatcher;
	/** Per-category quotas of this key; null: the defaults. The quota check reads it. */
	rateLimits: RateLimitOverrides | null;
}

/**
 * `storeLookup` says whether the answer needed the store (false when cached or malformed), so callers
 * can count lookups; a malformed key (bad format or checksum) never reaches the store.
 */
export type VerifyResult =
	| { ok: true; key: VerifiedKey; storeLookup: boolean }
	| { ok: false; reason: VerifyFailure; storeLookup: boolean };

export interface KeyVerifierOptions {
	store: KeyStore;
	/** The store's checksum secret: a mistyped or forged key is refused without a lookup. */
	checksumSecret: string;
	/** Its unflushed uses count as activity for auto-expiry. */
	usage: UsageRecorder;
	/** Milliseconds since the epoch; tests pass a fake clock. Default `Date.now`. */
	clock?: () => number;
	/** Verified keys kept in memory. Default 10 000: one entry per hot key, a few MB at most. */
	cacheMax?: number;
	/**
	 * How long (ms) a cached key is trusted. Default 30 000. Changes through the key admin invalidate
	 * at once; this bounds how long a change made elsewhere without a broadcast goes unseen.
	 */
	cacheTtlMs?: number;
}

interface CachedSecret {
	key: StoredKey;
	secretExpiresAt: number | null;
	/** Raised as uses are flushed, so auto-expiry sees them without a store read. */
	lastUsedAt: number | null;
	verified: VerifiedKey;
}

/**
 * @example
 * const result = await verifier.verify(apiKeyText); // { ok: true, key: { id, guildId, scopes, allowsAddress, … } }
 */
export class KeyVerifier {
	private readonly store: KeyStore;
	private readonly checksumSecret: string;
	private readonly usage: UsageRecorder;
	private readonly clock: () => number;
	private readonly cache: LRUCache<string, CachedSecret>;
	/** Bumped by every invalidation: a lookup that started before one must not fill the cache. */
	private epoch = 0;

	constructor(options: KeyVerifierOptions) {
		this.store = options.store;
		this.checksumSecret = options.checksumSecret;
		this.usage = options.usage;
		this.clock = options.clock ?? Date.now;
		this.cache = new LRUCache<string, CachedSecret>({
			max: options.cacheMax ?? 10_000,
			ttl: options.cacheTtlMs ?? 30_000,
			// The verifier's clock drives the TTL too, read on every check (resolution 0): the default
			// reuses one reading for a millisecond, which a fake clock moving within one tick outruns.
			perf: { now: this.clock },
			ttlResolution: 0,
		});
		options.usage.onFlush((lastUsedAt) => {
			for (const entry of this.cache.values()) {
				const at = lastUsedAt.get(entry.key.id);
				if (at !== undefined) entry.lastUsedAt = Math.max(entry.lastUsedAt ?? 0, at);
			}
		});
	}

	/**
	 * Checks a key as sent by a caller: the cache by the text itself, else format and checksum (no
	 * store), then the store by the text's hash; time-based statuses are decided on every call against
	 * the clock, never cached.
	 */
	async verify(apiKeyText: string): Promise<VerifyResult> {
		// Keyed by the text presented, which was matched against the store: a hot key skips the checksum
		// and the SHA-256 (about 5 µs of a cached answer's CPU, by --cpu-prof). Only verified texts enter.
		let entry = this.cache.get(apiKeyText);
		const storeLookup = entry === undefined;
		if (entry === undefined) {
			const parsed = parseApiKey(apiKeyText, this.checksumSecret);
			if (parsed === undefined) return { ok: false, reason: "malformed", storeLookup: false };
			const epoch = this.epoch;
			const found = await this.store.findBySecretHash(hashApiKey(apiKeyText));
			// The hash covers the guild digits, so a mismatch cannot happen short of a collision; refuse anyway.
			if (found === undefined || found.key.guildId !== parsed.guildId) return { ok: false, reason: "unknown", storeLookup };
			entry = {
				key: found.key,
				secretExpiresAt: found.secretExpiresAt,
				lastUsedAt: found.key.lastUsedAt,
				verified: {
					id: found.key.id,
					guildId: found.key.guildId,
					prefix: found.key.prefix,
					scopes: new Set(found.key.scopes),
					allowsAddress: compileAddressMatcher(found.key.allowedCidrs),
					rateLimits: found.key.rateLimits,
				},
			};
			if (epoch === this.epoch) this.cache.set(apiKeyText, entry);
		}
		const now = Math.floor(this.clock() / 1000);
		// A previous secret past its overlap is no longer this key's secret: a wrong secret, not a key status.
		if (entry.secretExpiresAt !== null && now >= entry.secretExpiresAt) return { ok: false, reason: "unknown", storeLookup };
		const pendingUse = this.usage.unflushed(entry.key.id)?.lastUsedAt ?? 0;
		const status = keyStatusAt(entry.key, Math.max(entry.lastUsedAt ?? 0, pendingUse), now);
		if (status !== "active") return { ok: false, reason: status, storeLookup };
		return { ok: true, key: entry.verified, storeLookup };
	}

	/** Drops every cached text of the key: a change through the key admin, or another instance's, arrives here. */
	invalidate(keyId: string): void {
		this.epoch++;
		// A scan rather than a keyId index: changes are rare admin actions, lookups are per request.
		const stale = [...this.cache.entries()].filter(([, entry]) => entry.key.id === keyId).map(([text]) => text);
		for (const text of stale) this.cache.delete(text);
	}
}
