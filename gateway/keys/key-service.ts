// gateway/keys/key-service.ts
// API key lifecycle and verification: validation, statuses, the hot-key cache and batched usage.

import { randomUUID } from "node:crypto";
import { LRUCache } from "lru-cache";
import { ErrorMessage } from "../../shared/errors";
import { ALL_SCOPES, type ApiKeyRecord, type ClientAddressUse, type KeyStatus, type RateLimitOverrides, type Scope } from "../../shared/records";
import { MAX_KEYS_PER_GUILD } from "../../shared/routes";
import { auditLimit, createKeyBody, expiresAtWords, rollOverlap, updateKeyBody, usageGranularity } from "./key-schemas";
import { readField, readPart } from "../platform/http/fields";
import { compileAddressMatcher, type AddressMatcher } from "../auth/address-matcher";
import { ApiError, badRequest, notFound } from "../platform/http/envelope";
import { generateApiKey, hashApiKey, isGuildId, keyPrefix, parseApiKey } from "./api-key";
import { creatorOf } from "./key-rows";
import type {
	AuditDetails,
	ChangedBy,
	KeyHold,
	AuditEvent,
	AuditEventKind,
	KeyChange,
	KeyChangeResult,
	KeyStore,
	StoredKey,
	UsageBatch,
} from "./key-store";

/** A key unused and unchanged this long is `auto_expired` (README, "API summary"). */
export const AUTO_EXPIRY_SECONDS = 60 * 86_400;
/** Per-minute usage older than this is pruned. */
export const USAGE_RETENTION_SECONDS = 30 * 86_400;
const PRUNE_EVERY_SECONDS = 3_600;

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

export interface KeyChangeNotice {
	keyId: string;
	guildId: string;
	kind: AuditEventKind;
}

/**
 * Fields of a create or update request. Typed `unknown` on purpose: they come from request bodies
 * and the service validates each one, answering 400 with the field's name.
 */
export interface KeyInput {
	name?: unknown;
	description?: unknown;
	rate_limits?: unknown;
	scopes?: unknown;
	allowed_cidrs?: unknown;
	expires_at?: unknown;
}

export interface UsageQuery {
	granularity: "minute" | "hour";
	/** Seconds back from now: 60 to 86400 per minute, 60 to 2592000 per hour. */
	window: number;
}

export interface UsageReport {
	granularity: "minute" | "hour";
	window: number;
	/** One point per minute or hour of the window, oldest first; `at` is its start in unix seconds. */
	points: { at: number; count: number }[];
	/** The most recent distinct client addresses, most recently seen first. */
	recent_addresses: ClientAddressUse[];
}

/** Client addresses shown in a usage report. */
const RECENT_ADDRESSES = 20;
/** Distinct addresses counted per key between flushes; more (a flood from everywhere) are not counted. */
const MAX_PENDING_ADDRESSES = 1_000;

export interface KeyServiceOptions {
	store: KeyStore;
	/** Milliseconds since the epoch; tests pass a fake clock. Default `Date.now`. */
	clock?: () => number;
	/** Verified secrets kept in memory. Default 10 000: one entry per hot key, a few MB at most. */
	cacheMax?: number;
	/**
	 * How long (ms) a cached key is trusted. Default 30 000. Changes through this service invalidate
	 * at once; this bounds how long a change made elsewhere without a broadcast goes unseen.
	 */
	cacheTtlMs?: number;
	/** How often (ms) uses are written to the store. Default 5 000. */
	flushIntervalMs?: number;
	/** Where a failed background flush is reported. Default `console.error`. */
	log?: (message: string, err: unknown) => void;
}

interface CachedSecret {
	key: StoredKey;
	secretExpiresAt: number | null;
	/** Raised as uses are flushed, so auto-expiry sees them without a store read. */
	lastUsedAt: number | null;
	verified: VerifiedKey;
}

interface PendingUse {
	lastUsedAt: number;
	/** Count per minute (unix seconds at the minute's start). */
	minutes: Map<number, number>;
	/** Count and latest use per client address. */
	addresses: Map<string, { count: number; lastSeenAt: number }>;
	/** The address of the latest use. */
	lastAddress: string | null;
}

const revokedIsFinal = () => new ApiError(409, "key_revoked", "The key is revoked; revocation is final");
const rollRequired = (hold: KeyHold) =>
	new ApiError(409, "key_roll_required", `The key is ${hold}: roll it to give it a new secret and make it active`);
const keyNotFound = () => notFound("API key not found");

/**
 * The one way into API keys for the admin API, the CLI and request authentication.
 *
 * @example
 * const keys = await KeyService.create({ store: new SqliteKeyStore(openSqliteGatewayDatabase(dataDir).sqlite) });
 * const { key, record } = await keys.create(guildId, { name: "game servers" }, { actor: { type: "admin_token" }, address: null });
 * const result = await keys.verify(key); // { ok: true, key: { id, guildId, scopes, allowsAddress, … } }
 * if (result.ok) keys.recordUse(result.key.id);
 * await keys.close(); // on SIGTERM: writes pending usage
 */
export class KeyService {
	private readonly store: KeyStore;
	private readonly clock: () => number;
	private readonly log: (message: string, err: unknown) => void;
	private readonly cache: LRUCache<string, CachedSecret>;
	private readonly listeners = new Set<(change: KeyChangeNotice) => void>();
	private pending = new Map<string, PendingUse>();
	/** Bumped by every invalidation: a lookup that started before one must not fill the cache. */
	private epoch = 0;
	private lastPruneAt = 0;
	private timer: NodeJS.Timeout | undefined;

	/** Loads the checksum secret from the store and starts the usage flush timer. */
	static async create(options: KeyServiceOptions): Promise<KeyService> {
		return new KeyService(options, await options.store.checksumSecret());
	}

	private constructor(
		options: KeyServiceOptions,
		private readonly checksumSecret: string,
	) {
		this.store = options.store;
		this.clock = options.clock ?? Date.now;
		this.log = options.log ?? ((message, err) => console.error(message, err));
		this.cache = new LRUCache<string, CachedSecret>({
			max: options.cacheMax ?? 10_000,
			ttl: options.cacheTtlMs ?? 30_000,
			// The service's clock drives the TTL too, read on every check (resolution 0): the default
			// reuses one reading for a millisecond, which a fake clock moving within one tick outruns.
			perf: { now: this.clock },
			ttlResolution: 0,
		});
		this.timer = setInterval(() => {
			this.flush().catch((err: unknown) => this.log("key usage flush failed", err));
		}, options.flushIntervalMs ?? 5_000);
		this.timer.unref();
	}

	private now(): number {
		return Math.floor(this.clock() / 1000);
	}

	async create(guildId: string, input: KeyInput, by: ChangedBy): Promise<{ key: string; record: ApiKeyRecord }> {
		requireGuildId(guildId);
		const now = this.now();
		const fields = readPart(createKeyBody, input);
		const name = fields.name ?? null;
		const description = fields.description ?? null;
		const scopes = fields.scopes ?? [...ALL_SCOPES];
		const allowedCidrs = fields.allowed_cidrs ?? [];
		const expiresAt = fields.expires_at === undefined ? null : requireFuture(fields.expires_at, now);
		const text = generateApiKey(guildId, this.checksumSecret);
		const key: StoredKey = {
			id: randomUUID(),
			guildId,
			prefix: keyPrefix(text),
			name,
			state: "active",
			scopes,
			allowedCidrs,
			createdAt: now,
			updatedAt: now,
			lastUsedAt: null,
			expiresAt,
			revokedAt: null,
			hold: null,
			createdBy: creatorOf(by.actor),
			description,
			rateLimits: null,
			lastUsedIp: null,
		};
		const details = { prefix: key.prefix, name, scopes, allowed_cidrs: allowedCidrs, expires_at: expiresAt, ...(description === null ? {} : { description }) };
		const result = await this.store.createKey(key, hashApiKey(text), MAX_KEYS_PER_GUILD, {
			event: "created",
			...by,
			at: now,
			details,
		});
		if (result.outcome === "limit_reached") {
			throw new ApiError(409, "key_limit_reached", ErrorMessage.keyLimitReached);
		}
		this.announce(result.key, "created");
		return { key: text, record: this.toRecord(result.key) };
	}

	async list(guildId: string): Promise<ApiKeyRecord[]> {
		requireGuildId(guildId);
		return (await this.store.listKeys(guildId)).map((key) => this.toRecord(key));
	}

	async get(guildId: string, keyId: string): Promise<ApiKeyRecord> {
		return this.toRecord(await this.requireKey(guildId, keyId));
	}

	/** Revokes for good; revoking a revoked key answers its record and changes nothing. */
	async revoke(guildId: string, keyId: string, by: ChangedBy): Promise<ApiKeyRecord> {
		const now = this.now();
		const result = await this.change(guildId, keyId, "revoked", by, { state: "revoked", revokedAt: now, updatedAt: now }, {});
		if (result.outcome === "revoked") return this.toRecord(result.key);
		return this.changed(result, "revoked");
	}

	/** 409 `key_revoked` for a revoked key. */
	async disable(guildId: string, keyId: string, by: ChangedBy): Promise<ApiKeyRecord> {
		const result = await this.change(guildId, keyId, "disabled", by, { state: "disabled", updatedAt: this.now() }, {});
		return this.changed(result, "disabled");
	}

	/**
	 * Makes the key active again; as a change, it also lifts auto-expiry. A key past `expires_at`
	 * stays `expired` until its expiry is moved (update). 409 `key_revoked` for a revoked key, and
	 * `key_roll_required` for a held one (moderated, user_moderated, creator_removed): only a roll lifts those.
	 */
	async enable(guildId: string, keyId: string, by: ChangedBy): Promise<ApiKeyRecord> {
		const current = await this.requireKey(guildId, keyId);
		if (current.state !== "revoked" && current.hold !== null) throw rollRequired(current.hold);
		const result = await this.change(guildId, keyId, "enabled", by, { state: "active", updatedAt: this.now() }, {});
		return this.changed(result, "enabled");
	}

	/**
	 * Sets `name`, `allowed_cidrs` or `expires_at` (null clears name and expiry); any update lifts
	 * auto-expiry. Scopes are fixed at creation. 409 `key_revoked` for a revoked key.
	 */
	async update(guildId: string, keyId: string, input: KeyInput, by: ChangedBy): Promise<ApiKeyRecord> {
		const now = this.now();
		if (input.scopes !== undefined) throw badRequest("scopes cannot be changed; create a key with the scopes it needs");
		const fields = readPart(updateKeyBody, input);
		const change: KeyChange = { updatedAt: now };
		const details: AuditDetails = {};
		if (fields.name !== undefined) details.name = change.name = fields.name;
		if (fields.allowed_cidrs !== undefined) details.allowed_cidrs = change.allowedCidrs = fields.allowed_cidrs;
		if (fields.expires_at !== undefined) details.expires_at = change.expiresAt = requireFuture(fields.expires_at, now);
		if (fields.description !== undefined) details.description = change.description = fields.description;
		if (fields.rate_limits !== undefined) {
			change.rateLimits = fields.rate_limits;
			details.rate_limits = fields.rate_limits === null ? null : JSON.stringify(fields.rate_limits);
		}
		if (Object.keys(details).length === 0) {
			throw badRequest("Nothing to update: set name, description, allowed_cidrs, expires_at or rate_limits");
		}
		return this.changed(await this.change(guildId, keyId, "updated", by, change, details), "updated");
	}

	/** Deletes a revoked key (409 `key_not_revoked` otherwise); its audit events stay. */
	async delete(guildId: string, keyId: string, by: ChangedBy): Promise<void> {
		requireGuildId(guildId);
		const result = await this.store.deleteKey(guildId, keyId, { event: "deleted", ...by, at: this.now(), details: {} });
		if (result === "not_found") throw keyNotFound();
		if (result === "not_revoked") throw new ApiError(409, "key_not_revoked", ErrorMessage.keyNotRevoked);
		this.pending.delete(keyId);
		this.announce({ id: keyId, guildId }, "deleted");
	}

	/**
	 * Gives the key a new secret (and prefix). The previous secret keeps verifying for
	 * `expirePreviousInSeconds` (0: refused at once); a secret from an earlier roll stops now. The roller
	 * becomes the key's creator, and a held key comes back active.
	 */
	async roll(
		guildId: string,
		keyId: string,
		expirePreviousInSeconds: number,
		by: ChangedBy,
	): Promise<{ key: string; record: ApiKeyRecord }> {
		requireGuildId(guildId);
		readField(rollOverlap, "expire_previous_in_seconds", expirePreviousInSeconds);
		const now = this.now();
		const text = generateApiKey(guildId, this.checksumSecret);
		const prefix = keyPrefix(text);
		const next = { hash: hashApiKey(text), prefix, createdBy: creatorOf(by.actor) };
		const result = await this.store.rollKey(guildId, keyId, next, now + expirePreviousInSeconds, {
			event: "rolled",
			...by,
			at: now,
			details: { prefix, expire_previous_in_seconds: expirePreviousInSeconds },
		});
		return { key: text, record: this.changed(result, "rolled") };
	}

	/** (v2) The platform operator's reset: the key is `moderated` until someone allowed rolls it. 409 for a revoked key. */
	async moderate(guildId: string, keyId: string, by: ChangedBy): Promise<ApiKeyRecord> {
		const result = await this.change(guildId, keyId, "moderated", by, { hold: "moderated", updatedAt: this.now() }, {});
		return this.changed(result, "moderated");
	}

	/**
	 * (v2) Holds the live keys `creatorId` generated in the guilds `inGuild` picks: `user_moderated` over
	 * unheld keys, `creator_removed` over unheld and user_moderated ones (it outlasts a suspension).
	 * Takes effect on the next request on every instance, like a revoke; answers how many keys changed.
	 */
	async holdKeysOf(
		creatorId: string,
		hold: "user_moderated" | "creator_removed",
		inGuild: (guildId: string) => boolean,
		by: ChangedBy,
	): Promise<number> {
		const over: (KeyHold | null)[] = hold === "user_moderated" ? [null] : [null, "user_moderated"];
		const which = (key: StoredKey) => inGuild(key.guildId) && over.includes(key.hold);
		const held = await this.store.holdKeysOf(creatorId, hold, which, { event: hold, ...by, at: this.now(), details: {} });
		for (const key of held) this.announce(key, hold);
		return held.length;
	}

	/** (v2) A lifted suspension: the creator's `user_moderated` keys are back to what they were. */
	async releaseKeysOf(creatorId: string, by: ChangedBy): Promise<number> {
		const released = await this.store.releaseKeysOf(creatorId, { event: "released", ...by, at: this.now(), details: { hold: "user_moderated" } });
		for (const key of released) this.announce(key, "released");
		return released.length;
	}

	/** Who generated the key's current secret (null: the admin token), for access checks; 404 when the guild has no such key. */
	async creatorId(guildId: string, keyId: string): Promise<string | null> {
		return (await this.requireKey(guildId, keyId)).createdBy?.id ?? null;
	}

	/** (v2) Records an event about no key (an operator suspended or unsuspended) in the guild's audit. */
	async recordEvent(guildId: string, event: AuditEventKind, details: AuditDetails, by: ChangedBy): Promise<void> {
		requireGuildId(guildId);
		await this.store.appendAudit(guildId, { event, ...by, at: this.now(), details });
	}

	/** (v2) Keys holding a slot (every status but revoked) per guild: of `guildIds`, or of every guild that has keys. */
	liveKeyCounts(guildIds?: readonly string[]): Promise<Map<string, number>> {
		return this.store.countLiveKeys(guildIds);
	}

	/** The guild's key events, newest first (limit 1-500, default 100). */
	async audit(guildId: string, options: { limit?: number } = {}): Promise<AuditEvent[]> {
		requireGuildId(guildId);
		return this.store.listAudit(guildId, readField(auditLimit, "limit", options.limit ?? 100));
	}

	/** Requests per minute or hour over the window, including uses not yet flushed. */
	async usage(guildId: string, keyId: string, query: UsageQuery): Promise<UsageReport> {
		const { granularity, window } = query;
		readField(usageGranularity, "granularity", granularity);
		const maxWindow = granularity === "minute" ? 86_400 : USAGE_RETENTION_SECONDS;
		if (!Number.isInteger(window) || window < 60 || window > maxWindow) {
			throw badRequest(`window must be an integer number of seconds from 60 to ${maxWindow} for ${granularity}s`);
		}
		await this.requireKey(guildId, keyId);
		await this.flush();
		const step = granularity === "minute" ? 60 : 3_600;
		const now = this.now();
		const last = now - (now % step);
		const first = last - (Math.ceil(window / step) - 1) * step;
		const points = new Map<number, number>();
		for (let at = first; at <= last; at += step) points.set(at, 0);
		for (const { minute, count } of await this.store.usage(keyId, first, last + step)) {
			const at = minute - (minute % step);
			points.set(at, (points.get(at) ?? 0) + count);
		}
		const recent = await this.store.recentAddresses(keyId, RECENT_ADDRESSES);
		return {
			granularity,
			window,
			points: [...points].map(([at, count]) => ({ at, count })),
			recent_addresses: recent.map((use) => ({ address: use.address, count: use.count, last_seen_at: use.lastSeenAt })),
		};
	}

	/**
	 * Checks a key as sent by a caller: the cache by hash, else format and checksum (no store), then
	 * the store; time-based statuses are decided on every call against the clock, never cached.
	 */
	async verify(apiKeyText: string): Promise<VerifyResult> {
		// A cached hash is proof enough (it was matched against the store), so hot keys skip the HMAC.
		const hash = hashApiKey(apiKeyText);
		let entry = this.cache.get(hash);
		const storeLookup = entry === undefined;
		if (entry === undefined) {
			const parsed = parseApiKey(apiKeyText, this.checksumSecret);
			if (parsed === undefined) return { ok: false, reason: "malformed", storeLookup: false };
			const epoch = this.epoch;
			const found = await this.store.findBySecretHash(hash);
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
			if (epoch === this.epoch) this.cache.set(hash, entry);
		}
		const now = this.now();
		// A previous secret past its overlap is no longer this key's secret: a wrong secret, not a key status.
		if (entry.secretExpiresAt !== null && now >= entry.secretExpiresAt) return { ok: false, reason: "unknown", storeLookup };
		const status = this.statusOf(entry.key, entry.lastUsedAt, now);
		if (status !== "active") return { ok: false, reason: status, storeLookup };
		return { ok: true, key: entry.verified, storeLookup };
	}

	/**
	 * Notes one authenticated request, from `address` when known. Memory only: `flush` (timer, `close`)
	 * writes the batch.
	 */
	recordUse(keyId: string, address?: string): void {
		const at = this.now();
		const minute = at - (at % 60);
		let use = this.pending.get(keyId);
		if (use === undefined) {
			use = { lastUsedAt: at, minutes: new Map(), addresses: new Map(), lastAddress: null };
			this.pending.set(keyId, use);
		}
		use.lastUsedAt = Math.max(use.lastUsedAt, at);
		use.minutes.set(minute, (use.minutes.get(minute) ?? 0) + 1);
		if (address === undefined || address === "") return;
		use.lastAddress = address;
		const seen = use.addresses.get(address);
		if (seen !== undefined) {
			seen.count++;
			seen.lastSeenAt = at;
		} else if (use.addresses.size < MAX_PENDING_ADDRESSES) {
			use.addresses.set(address, { count: 1, lastSeenAt: at });
		}
	}

	/** Writes the uses gathered since the last flush in one store call; on failure they are kept for the next. */
	async flush(): Promise<void> {
		const now = this.now();
		if (this.pending.size > 0) {
			const taken = this.pending;
			this.pending = new Map();
			const batch = toUsageBatch(taken);
			// Cached keys learn their last use before the write, so auto-expiry never sees an older one.
			for (const entry of this.cache.values()) {
				const at = batch.lastUsedAt.get(entry.key.id);
				if (at !== undefined) entry.lastUsedAt = Math.max(entry.lastUsedAt ?? 0, at);
			}
			try {
				await this.store.recordUsage(batch);
			} catch (err) {
				this.restore(taken);
				throw err;
			}
		}
		if (now - this.lastPruneAt >= PRUNE_EVERY_SECONDS) {
			this.lastPruneAt = now;
			await this.store.pruneUsage(now - USAGE_RETENTION_SECONDS);
		}
	}

	/** Drops every cached secret of the key; another instance's change arrives here. */
	invalidate(keyId: string): void {
		this.epoch++;
		// A scan rather than a keyId index: changes are rare admin actions, lookups are per request.
		const stale = [...this.cache.entries()].filter(([, entry]) => entry.key.id === keyId).map(([hash]) => hash);
		for (const hash of stale) this.cache.delete(hash);
	}

	/** Calls `listener` after every change made through this service; returns the unsubscribe. */
	onChange(listener: (change: KeyChangeNotice) => void): () => void {
		this.listeners.add(listener);
		return () => this.listeners.delete(listener);
	}

	/** Stops the flush timer and writes what is pending (graceful shutdown). The store stays open. */
	async close(): Promise<void> {
		clearInterval(this.timer);
		this.timer = undefined;
		await this.flush();
	}

	private statusOf(key: StoredKey, lastUsedAt: number | null, now: number): KeyStatus {
		if (key.state === "revoked") return "revoked";
		if (key.hold !== null) return key.hold;
		if (key.state !== "active") return key.state;
		if (key.expiresAt !== null && now >= key.expiresAt) return "expired";
		const pendingUse = this.pending.get(key.id)?.lastUsedAt ?? 0;
		const lastActivity = Math.max(lastUsedAt ?? 0, pendingUse, key.updatedAt, key.createdAt);
		return now - lastActivity >= AUTO_EXPIRY_SECONDS ? "auto_expired" : "active";
	}

	private toRecord(key: StoredKey): ApiKeyRecord {
		const pending = this.pending.get(key.id);
		const pendingUse = pending?.lastUsedAt;
		const lastUsedAt = pendingUse === undefined ? key.lastUsedAt : Math.max(key.lastUsedAt ?? 0, pendingUse);
		return {
			id: key.id,
			guild_id: key.guildId,
			prefix: key.prefix,
			name: key.name,
			status: this.statusOf(key, lastUsedAt, this.now()),
			scopes: [...key.scopes],
			allowed_cidrs: [...key.allowedCidrs],
			created_at: key.createdAt,
			last_used_at: lastUsedAt,
			expires_at: key.expiresAt,
			revoked_at: key.revokedAt,
			created_by:
				key.createdBy === null
					? { type: "admin_token", id: null, name: null }
					: { type: "operator", id: key.createdBy.id, name: key.createdBy.name },
			description: key.description,
			last_used_ip: pending?.lastAddress ?? key.lastUsedIp,
			rate_limits: key.rateLimits,
		};
	}

	private async requireKey(guildId: string, keyId: string): Promise<StoredKey> {
		requireGuildId(guildId);
		const key = await this.store.getKey(guildId, keyId);
		if (key === undefined) throw keyNotFound();
		return key;
	}

	private change(
		guildId: string,
		keyId: string,
		event: AuditEventKind,
		by: ChangedBy,
		change: KeyChange,
		details: AuditDetails,
	): Promise<KeyChangeResult> {
		requireGuildId(guildId);
		return this.store.changeKey(guildId, keyId, change, { event, ...by, at: change.updatedAt, details });
	}

	/** Turns a store outcome into the answer: the record, 404, or 409 for a revoked key. */
	private changed(result: KeyChangeResult, kind: AuditEventKind): ApiKeyRecord {
		if (result.outcome === "not_found") throw keyNotFound();
		if (result.outcome === "revoked") throw revokedIsFinal();
		this.announce(result.key, kind);
		return this.toRecord(result.key);
	}

	private announce(key: { id: string; guildId: string }, kind: AuditEventKind): void {
		this.invalidate(key.id);
		for (const listener of this.listeners) {
			try {
				listener({ keyId: key.id, guildId: key.guildId, kind });
			} catch (err) {
				// The change is committed; a failing subscriber (say, a broadcast) must not turn it into an error.
				this.log("key change listener failed", err);
			}
		}
	}

	private restore(taken: Map<string, PendingUse>): void {
		for (const [keyId, use] of taken) {
			const current = this.pending.get(keyId);
			if (current === undefined) {
				this.pending.set(keyId, use);
				continue;
			}
			current.lastUsedAt = Math.max(current.lastUsedAt, use.lastUsedAt);
			for (const [minute, count] of use.minutes) current.minutes.set(minute, (current.minutes.get(minute) ?? 0) + count);
			current.lastAddress ??= use.lastAddress;
			for (const [address, seen] of use.addresses) {
				const now = current.addresses.get(address);
				if (now === undefined) current.addresses.set(address, seen);
				else current.addresses.set(address, { count: now.count + seen.count, lastSeenAt: Math.max(now.lastSeenAt, seen.lastSeenAt) });
			}
		}
	}
}

function toUsageBatch(pending: Map<string, PendingUse>): UsageBatch {
	const lastUsedAt = new Map<string, number>();
	const counts: UsageBatch["counts"][number][] = [];
	const addresses: NonNullable<UsageBatch["addresses"]>[number][] = [];
	for (const [keyId, use] of pending) {
		lastUsedAt.set(keyId, use.lastUsedAt);
		for (const [minute, count] of use.minutes) counts.push({ keyId, minute, count });
		for (const [address, seen] of use.addresses) addresses.push({ keyId, address, ...seen });
	}
	return { lastUsedAt, counts, addresses };
}

function requireGuildId(guildId: string): void {
	if (!isGuildId(guildId)) throw badRequest("guildId must be a Discord guild id (17-20 digits)");
}

/** The schema checks the shape; only the service's clock can say whether the time is still ahead. */
function requireFuture(expiresAt: number | null, now: number): number | null {
	if (expiresAt !== null && expiresAt <= now) throw badRequest(expiresAtWords);
	return expiresAt;
}
