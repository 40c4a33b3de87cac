// gateway/keys/key-store.ts
// The storage interface for API keys: what an embedded (SQLite) or shared (PostgreSQL) store provides.

import type { Actor, AuditActor, RateLimitOverrides, Scope } from "../../shared/records";

/**
 * The stored state of a key. `expired` and `auto_expired` are not states: they follow from times and
 * are computed when a key is read, so they can never go stale in storage.
 */
export type KeyState = "active" | "disabled" | "revoked";

/**
 * (v2) What stops a key whatever its state, until a roll (or, for `user_moderated`, the lifted
 * suspension) clears it. Kept apart from the state so a lifted hold gives back what was (active or disabled).
 */
export type KeyHold = "moderated" | "user_moderated" | "creator_removed";

/** Who generated the key's current secret: `null` for the admin token (every key made before v2). */
export type KeyCreatorRef = { id: string; name: string } | null;

/** A key as stored, without any secret or hash. Times are unix seconds. */
export interface StoredKey {
	id: string;
	guildId: string;
	prefix: string;
	name: string | null;
	state: KeyState;
	scopes: Scope[];
	allowedCidrs: string[];
	createdAt: number;
	/** Last change through the management API; with last use, it decides auto-expiry. */
	updatedAt: number;
	lastUsedAt: number | null;
	expiresAt: number | null;
	revokedAt: number | null;
	hold: KeyHold | null;
	createdBy: KeyCreatorRef;
	description: string | null;
	/** Per-category per-minute quotas of this key; null: the configured defaults. */
	rateLimits: RateLimitOverrides | null;
	/** The address of the latest use flushed. */
	lastUsedIp: string | null;
}

export type AuditEventKind =
	| "created"
	| "revoked"
	| "disabled"
	| "enabled"
	| "updated"
	| "deleted"
	| "rolled"
	| KeyHold
	| "released"
	| "member_added"
	| "member_updated"
	| "member_removed"
	| "operator_suspended"
	| "operator_unsuspended"
	| "webhook_created"
	| "webhook_updated"
	| "webhook_secret_rolled"
	| "webhook_deleted"
	| "webhook_test_sent"
	| "webhook_redelivered"
	| "experience_linked"
	| "experience_updated"
	| "experience_unlinked"
	| "experience_link_failing"
	/** A ban, unban, mute or unmute made with a Discord slash command (docs/discord.md). */
	| "discord_command"
	/** (v3) A command sent to live game servers (docs/fleets.md). */
	| "server_command_sent";

/** Who made a change and from where (the caller's address; null for changes the gateway makes itself). */
export interface ChangedBy {
	actor: Actor;
	address: string | null;
}

/** Fields the details of an audit event may carry: never a secret, hash or full key. */
export type AuditDetails = Record<string, string | number | boolean | null | readonly string[]>;

/** An audit event as the caller describes it; the store adds the guild, key id and its own id. */
export interface AuditDraft extends Omit<ChangedBy, "actor"> {
	actor: AuditActor;
	event: AuditEventKind;
	at: number;
	details: AuditDetails;
}

export interface AuditEvent {
	id: number;
	/** Null for events about no key (members, suspensions, webhooks, experiences). */
	key_id: string | null;
	event: AuditEventKind;
	actor: AuditActor;
	address: string | null;
	at: number;
	details: AuditDetails;
}

/** Fields a change may set; `updatedAt` is always set. `revokedAt` goes with `state: "revoked"`. */
export interface KeyChange {
	name?: string | null;
	allowedCidrs?: string[];
	expiresAt?: number | null;
	state?: KeyState;
	revokedAt?: number;
	/** null lifts the hold. */
	hold?: KeyHold | null;
	description?: string | null;
	rateLimits?: RateLimitOverrides | null;
	updatedAt: number;
}

/**
 * Outcome of a change. A revoked key is final: the store leaves it as it is and answers `revoked`
 * with the key, whatever the change asked for (so concurrent revoke and enable cannot revive it).
 */
export type KeyChangeResult =
	| { outcome: "changed"; key: StoredKey }
	| { outcome: "revoked"; key: StoredKey }
	| { outcome: "not_found" };

export type KeyCreateResult = { outcome: "created"; key: StoredKey } | { outcome: "limit_reached" };

export type KeyDeleteResult = "deleted" | "not_found" | "not_revoked";

/** Uses gathered in memory between flushes. Minutes are unix seconds at the start of the minute. */
export interface UsageBatch {
	lastUsedAt: ReadonlyMap<string, number>;
	counts: ReadonlyArray<{ keyId: string; minute: number; count: number }>;
	/** Requests per client address since the last flush; the latest one becomes the key's `last_used_ip`. */
	addresses?: ReadonlyArray<ClientAddressCount>;
}

export interface ClientAddressCount {
	keyId: string;
	address: string;
	count: number;
	/** Unix seconds of the latest request from it. */
	lastSeenAt: number;
}

export interface UsageCount {
	minute: number;
	count: number;
}

/**
 * Every method is async so a networked store fits the same interface. Methods that take a guild id
 * act only on that guild's keys: a key id of another guild is `not_found`, never touched.
 */
export interface KeyStore {
	/** The server-wide secret of key checksums, created on first use and shared by every instance. */
	checksumSecret(): Promise<string>;

	/**
	 * Inserts the key, its first secret and the `created` event in one transaction, unless the guild
	 * already has `limit` keys that are not revoked. Concurrent calls never exceed the limit.
	 */
	createKey(key: StoredKey, secretHash: string, limit: number, audit: AuditDraft): Promise<KeyCreateResult>;

	getKey(guildId: string, keyId: string): Promise<StoredKey | undefined>;

	/** A guild's keys, oldest first. */
	listKeys(guildId: string): Promise<StoredKey[]>;

	/** The key a secret hash belongs to, with that secret's expiry. */
	findBySecretHash(hash: string): Promise<{ key: StoredKey; secretExpiresAt: number | null } | undefined>;

	/** Applies the change and records the event in one transaction (no event when nothing changed). */
	changeKey(guildId: string, keyId: string, change: KeyChange, audit: AuditDraft): Promise<KeyChangeResult>;

	/**
	 * Replaces the key's current secret by `next` and its prefix by `prefix`, with `next.createdBy` as its
	 * creator and any hold lifted (a roll is how a held key comes back). The old current secret
	 * keeps verifying until `previousExpiresAt` (dropped at once when that is not after `audit.at`);
	 * any older secret still overlapping is dropped. One transaction with the event.
	 */
	rollKey(
		guildId: string,
		keyId: string,
		next: { hash: string; prefix: string; createdBy: KeyCreatorRef },
		previousExpiresAt: number,
		audit: AuditDraft,
	): Promise<KeyChangeResult>;

	/**
	 * (v2) Puts `hold` on every live (not revoked) key generated by `creatorId` that `which` picks, with
	 * one event each (`audit`); answers the keys changed.
	 */
	holdKeysOf(creatorId: string, hold: KeyHold, which: (key: StoredKey) => boolean, audit: AuditDraft): Promise<StoredKey[]>;

	/** (v2) Lifts `user_moderated` from every key generated by `creatorId`, with a `released` event each. */
	releaseKeysOf(creatorId: string, audit: AuditDraft): Promise<StoredKey[]>;

	/** Deletes a revoked key with its secrets and usage; the audit trail stays. */
	deleteKey(guildId: string, keyId: string, audit: AuditDraft): Promise<KeyDeleteResult>;

	/** (v2) Keys that are not revoked, per guild: of `guildIds`, or of every guild that has any when undefined. */
	countLiveKeys(guildIds: readonly string[] | undefined): Promise<Map<string, number>>;

	/** (v2) Records an event about no key (a member added, changed or removed, an operator suspended). */
	appendAudit(guildId: string, draft: AuditDraft): Promise<void>;

	/** A guild's events, newest first. */
	listAudit(guildId: string, limit: number): Promise<AuditEvent[]>;

	/** Adds counts and raises `last_used_at` (never lowers it); uses of deleted keys are dropped. */
	recordUsage(batch: UsageBatch): Promise<void>;

	/** A key's per-minute counts with `from <= minute < to`, oldest first; minutes without use are absent. */
	usage(keyId: string, from: number, to: number): Promise<UsageCount[]>;

	/** The key's client addresses, most recently seen first, `limit` at most. */
	recentAddresses(keyId: string, limit: number): Promise<Omit<ClientAddressCount, "keyId">[]>;

	/** Drops per-minute counts and client addresses last seen before `before`, to bound the tables. */
	pruneUsage(before: number): Promise<void>;

}
