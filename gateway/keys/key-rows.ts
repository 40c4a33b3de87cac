// gateway/keys/key-rows.ts
// The row shapes both SQL key stores use, and the pure logic of a change or roll applied to a key.

import type { Actor, AuditActor, Scope } from "../../shared/records";
import type {
	AuditDetails,
	AuditEvent,
	AuditEventKind,
	ClientAddressCount,
	KeyChange,
	KeyCreatorRef,
	KeyHold,
	KeyState,
	StoredKey,
	UsageBatch,
} from "./key-store";

/** A `keys` row: lists are JSON text, times unix seconds (SQLite and PostgreSQL alike). */
export interface KeyRow {
	id: string;
	guild_id: string;
	prefix: string;
	name: string | null;
	state: KeyState;
	scopes: string;
	allowed_cidrs: string;
	created_at: number;
	updated_at: number;
	last_used_at: number | null;
	expires_at: number | null;
	revoked_at: number | null;
	hold: KeyHold | null;
	/** Null: the admin token (every key from before v2 too). */
	created_by_id: string | null;
	created_by_name: string | null;
	description: string | null;
	/** JSON object text, or null. */
	rate_limits: string | null;
	last_used_ip: string | null;
}

export interface AuditRow {
	id: number;
	key_id: string | null;
	event: AuditEventKind;
	/** JSON of an Actor; rows from before v2 hold a plain label ("admin-api", "cli"): the admin token's. */
	actor: string;
	address: string | null;
	at: number;
	details: string;
}

const ADMIN_TOKEN_ACTOR: Actor = { type: "admin_token" };

function toActor(text: string): AuditActor {
	if (!text.startsWith("{")) return ADMIN_TOKEN_ACTOR;
	return JSON.parse(text) as AuditActor;
}

/** The creator of a change by `actor`: the operator, or null for the admin token. */
export function creatorOf(actor: Actor): KeyCreatorRef {
	return actor.type === "operator" ? { id: actor.id, name: actor.name } : null;
}

export function toStoredKey(row: KeyRow): StoredKey {
	return {
		id: row.id,
		guildId: row.guild_id,
		prefix: row.prefix,
		name: row.name,
		state: row.state,
		scopes: JSON.parse(row.scopes) as Scope[],
		allowedCidrs: JSON.parse(row.allowed_cidrs) as string[],
		createdAt: row.created_at,
		updatedAt: row.updated_at,
		lastUsedAt: row.last_used_at,
		expiresAt: row.expires_at,
		revokedAt: row.revoked_at,
		hold: row.hold,
		createdBy: row.created_by_id === null ? null : { id: row.created_by_id, name: row.created_by_name ?? "" },
		description: row.description,
		rateLimits: row.rate_limits === null ? null : (JSON.parse(row.rate_limits) as StoredKey["rateLimits"]),
		lastUsedIp: row.last_used_ip,
	};
}

export function toKeyRow(key: StoredKey): KeyRow {
	return {
		id: key.id,
		guild_id: key.guildId,
		prefix: key.prefix,
		name: key.name,
		state: key.state,
		scopes: JSON.stringify(key.scopes),
		allowed_cidrs: JSON.stringify(key.allowedCidrs),
		created_at: key.createdAt,
		updated_at: key.updatedAt,
		last_used_at: key.lastUsedAt,
		expires_at: key.expiresAt,
		revoked_at: key.revokedAt,
		hold: key.hold,
		created_by_id: key.createdBy?.id ?? null,
		created_by_name: key.createdBy?.name ?? null,
		description: key.description,
		rate_limits: key.rateLimits === null ? null : JSON.stringify(key.rateLimits),
		last_used_ip: key.lastUsedIp,
	};
}

export function toAuditEvent(row: AuditRow): AuditEvent {
	return { ...row, actor: toActor(row.actor), details: JSON.parse(row.details) as AuditDetails };
}

/** The key after `change`: fields the change leaves undefined keep their value; null clears. */
export function changedKey(current: StoredKey, change: KeyChange): StoredKey {
	return {
		...current,
		name: change.name === undefined ? current.name : change.name,
		allowedCidrs: change.allowedCidrs ?? current.allowedCidrs,
		expiresAt: change.expiresAt === undefined ? current.expiresAt : change.expiresAt,
		state: change.state ?? current.state,
		revokedAt: change.revokedAt ?? current.revokedAt,
		hold: change.hold === undefined ? current.hold : change.hold,
		description: change.description === undefined ? current.description : change.description,
		rateLimits: change.rateLimits === undefined ? current.rateLimits : change.rateLimits,
		updatedAt: change.updatedAt,
	};
}

/** Per key, the address of its latest use in the batch: what becomes `last_used_ip`. */
export function latestAddresses(batch: UsageBatch): Map<string, ClientAddressCount> {
	const latest = new Map<string, ClientAddressCount>();
	for (const use of batch.addresses ?? []) {
		const current = latest.get(use.keyId);
		if (current === undefined || use.lastSeenAt >= current.lastSeenAt) latest.set(use.keyId, use);
	}
	return latest;
}

/** The key after a roll at `at`: a new shown prefix and creator, no hold, counted as a change for auto-expiry. */
export function rolledKey(current: StoredKey, next: { prefix: string; createdBy: KeyCreatorRef }, at: number): StoredKey {
	// A held key comes back active (docs/api.md, "API summary"), whatever its state was under the hold.
	const state = current.hold === null ? current.state : "active";
	return { ...current, prefix: next.prefix, createdBy: next.createdBy, hold: null, state, updatedAt: at };
}
