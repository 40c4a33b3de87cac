// gateway/keys/key-rows.ts
// The row shapes both SQL key stores use, and the pure logic of a change or roll applied to a key.

import type { Scope } from "../../shared/records";
import type { AuditDetails, AuditEvent, AuditEventKind, ClientAddressCount, KeyChange, KeyState, StoredKey, UsageBatch } from "./key-store";

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
	description: string | null;
	/** JSON object text, or null. */
	rate_limits: string | null;
	last_used_ip: string | null;
}

export interface AuditRow {
	id: number;
	key_id: string;
	event: AuditEventKind;
	actor: string;
	at: number;
	details: string;
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
		description: key.description,
		rate_limits: key.rateLimits === null ? null : JSON.stringify(key.rateLimits),
		last_used_ip: key.lastUsedIp,
	};
}

export function toAuditEvent(row: AuditRow): AuditEvent {
	return { ...row, details: JSON.parse(row.details) as AuditDetails };
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

/** The key after a roll at `at`: a new shown prefix, counted as a change for auto-expiry. */
export function rolledKey(current: StoredKey, prefix: string, at: number): StoredKey {
	return { ...current, prefix, updatedAt: at };
}
