// gateway/keys/postgres-key-store.ts
// The shared key store: PostgreSQL tables every gateway instance reads and writes (DATABASE_URL).

import { randomBytes } from "node:crypto";
import type { PostgresDatabase, Queryable } from "../platform/db/postgres-database";
import { writePostgresAudit } from "./audit-writes";
import { changedKey, latestAddresses, rolledKey, toAuditEvent, toKeyRow, toStoredKey, type AuditRow, type KeyRow } from "./key-rows";
import type {
	AuditDraft,
	AuditEvent,
	ClientAddressCount,
	KeyChange,
	KeyChangeResult,
	KeyCreateResult,
	KeyCreatorRef,
	KeyHold,
	KeyDeleteResult,
	KeyStore,
	StoredKey,
	UsageBatch,
	UsageCount,
} from "./key-store";

const KEY_COLUMNS =
	"id, guild_id, prefix, name, state, scopes, allowed_cidrs, created_at, updated_at, last_used_at, expires_at, revoked_at, " +
	"hold, created_by_id, created_by_name, description, rate_limits, last_used_ip";

/**
 * Writes run in READ COMMITTED transactions that lock what they decide on: the guild (an advisory
 * lock) before counting its keys, the key row (`FOR UPDATE`) before changing it. So concurrent
 * creators on any instance never pass the limit, and a revoke can never be undone by a racing enable.
 *
 * @example
 * const database = await openPostgresGatewayDatabase({ connectionString: process.env.DATABASE_URL! });
 * const keys = await startKeys({ store: new PostgresKeyStore(database.postgres) });
 */
export class PostgresKeyStore implements KeyStore {
	private secret: Promise<string> | undefined;

	/** On the gateway database's pool (see platform/db/gateway-database.ts), migrated already. */
	constructor(private readonly db: PostgresDatabase) {}

	/** Loads (creating on first use) the checksum secret. */
	private async loadSecret(): Promise<string> {
		// ON CONFLICT DO NOTHING: instances opening a new database at once all end up with the first secret.
		await this.db.rows("INSERT INTO settings (name, value) VALUES ('checksum_secret', $1) ON CONFLICT (name) DO NOTHING", [
			randomBytes(32).toString("hex"),
		]);
		const [{ value }] = await this.db.rows<{ value: string }>("SELECT value FROM settings WHERE name = 'checksum_secret'");
		return value;
	}

	private async audit(tx: Queryable, guildId: string, keyId: string | null, draft: AuditDraft): Promise<void> {
		// Key and member events enter the outbox in the change's own transaction (docs/api.md, "Webhooks and Roblox's own bans").
		await writePostgresAudit(tx, guildId, keyId, draft);
	}

	private async writeKey(tx: Queryable, key: StoredKey): Promise<void> {
		const row = toKeyRow(key);
		await tx.rows(
			`UPDATE keys SET prefix = $2, name = $3, state = $4, allowed_cidrs = $5, updated_at = $6, expires_at = $7,
			 revoked_at = $8, hold = $9, created_by_id = $10, created_by_name = $11, description = $12, rate_limits = $13 WHERE id = $1`,
			[
				row.id,
				row.prefix,
				row.name,
				row.state,
				row.allowed_cidrs,
				row.updated_at,
				row.expires_at,
				row.revoked_at,
				row.hold,
				row.created_by_id,
				row.created_by_name,
				row.description,
				row.rate_limits,
			],
		);
	}

	/** The guild's key row, locked until the transaction ends. */
	private async lockKey(tx: Queryable, guildId: string, keyId: string): Promise<StoredKey | undefined> {
		const [row] = await tx.rows<KeyRow>(`SELECT ${KEY_COLUMNS} FROM keys WHERE guild_id = $1 AND id = $2 FOR UPDATE`, [
			guildId,
			keyId,
		]);
		return row === undefined ? undefined : toStoredKey(row);
	}

	/** Runs `apply` on a live (not revoked) key of the guild, locked, inside a transaction. */
	private changeLive(
		guildId: string,
		keyId: string,
		apply: (tx: Queryable, key: StoredKey) => Promise<StoredKey>,
	): Promise<KeyChangeResult> {
		return this.db.transaction(async (tx): Promise<KeyChangeResult> => {
			const current = await this.lockKey(tx, guildId, keyId);
			if (current === undefined) return { outcome: "not_found" };
			if (current.state === "revoked") return { outcome: "revoked", key: current };
			return { outcome: "changed", key: await apply(tx, current) };
		});
	}

	async checksumSecret(): Promise<string> {
		// A failed read (the database down at start) is tried again on the next call.
		this.secret ??= this.loadSecret().catch((err: unknown) => {
			this.secret = undefined;
			throw err;
		});
		return this.secret;
	}

	async createKey(key: StoredKey, secretHash: string, limit: number, audit: AuditDraft): Promise<KeyCreateResult> {
		return this.db.transaction(async (tx): Promise<KeyCreateResult> => {
			// Rows that do not exist yet cannot be locked, so creators of one guild queue on an advisory
			// lock (held to commit) before counting. The schema is part of the lock's name so stores in
			// other schemas of the same database do not wait on each other.
			await tx.rows("SELECT pg_advisory_xact_lock(hashtextextended('technified.keys:' || current_schema() || ':' || $1, 0))", [
				key.guildId,
			]);
			const [{ live }] = await tx.rows<{ live: number }>(
				"SELECT count(*) AS live FROM keys WHERE guild_id = $1 AND state <> 'revoked'",
				[key.guildId],
			);
			if (live >= limit) return { outcome: "limit_reached" };
			const row = toKeyRow(key);
			await tx.rows(
				`INSERT INTO keys (${KEY_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18)`,
				[
					row.id,
					row.guild_id,
					row.prefix,
					row.name,
					row.state,
					row.scopes,
					row.allowed_cidrs,
					row.created_at,
					row.updated_at,
					row.last_used_at,
					row.expires_at,
					row.revoked_at,
					row.hold,
					row.created_by_id,
					row.created_by_name,
					row.description,
					row.rate_limits,
					row.last_used_ip,
				],
			);
			await tx.rows("INSERT INTO key_secrets (key_id, hash, expires_at) VALUES ($1, $2, NULL)", [key.id, secretHash]);
			await this.audit(tx, key.guildId, key.id, audit);
			return { outcome: "created", key };
		});
	}

	async getKey(guildId: string, keyId: string): Promise<StoredKey | undefined> {
		const [row] = await this.db.rows<KeyRow>(`SELECT ${KEY_COLUMNS} FROM keys WHERE guild_id = $1 AND id = $2`, [guildId, keyId]);
		return row === undefined ? undefined : toStoredKey(row);
	}

	async listKeys(guildId: string): Promise<StoredKey[]> {
		const rows = await this.db.rows<KeyRow>(
			`SELECT ${KEY_COLUMNS} FROM keys WHERE guild_id = $1 ORDER BY created_at, created_seq`,
			[guildId],
		);
		return rows.map(toStoredKey);
	}

	async findBySecretHash(hash: string): Promise<{ key: StoredKey; secretExpiresAt: number | null } | undefined> {
		const [row] = await this.db.rows<KeyRow & { secret_expires_at: number | null }>(
			`SELECT keys.*, key_secrets.expires_at AS secret_expires_at
			 FROM key_secrets JOIN keys ON keys.id = key_secrets.key_id WHERE key_secrets.hash = $1`,
			[hash],
		);
		return row === undefined ? undefined : { key: toStoredKey(row), secretExpiresAt: row.secret_expires_at };
	}

	async changeKey(guildId: string, keyId: string, change: KeyChange, audit: AuditDraft): Promise<KeyChangeResult> {
		return this.changeLive(guildId, keyId, async (tx, current) => {
			const next = changedKey(current, change);
			await this.writeKey(tx, next);
			await this.audit(tx, guildId, keyId, audit);
			return next;
		});
	}

	async rollKey(
		guildId: string,
		keyId: string,
		next: { hash: string; prefix: string; createdBy: KeyCreatorRef },
		previousExpiresAt: number,
		audit: AuditDraft,
	): Promise<KeyChangeResult> {
		return this.changeLive(guildId, keyId, async (tx, current) => {
			// Only one previous secret is ever kept: an older overlap ends with this roll.
			await tx.rows("DELETE FROM key_secrets WHERE key_id = $1 AND expires_at IS NOT NULL", [keyId]);
			if (previousExpiresAt > audit.at) {
				await tx.rows("UPDATE key_secrets SET expires_at = $1 WHERE key_id = $2 AND expires_at IS NULL", [previousExpiresAt, keyId]);
			} else {
				await tx.rows("DELETE FROM key_secrets WHERE key_id = $1", [keyId]);
			}
			await tx.rows("INSERT INTO key_secrets (key_id, hash, expires_at) VALUES ($1, $2, NULL)", [keyId, next.hash]);
			const rolled = rolledKey(current, next, audit.at);
			await this.writeKey(tx, rolled);
			await this.audit(tx, guildId, keyId, audit);
			return rolled;
		});
	}

	/** The creator's live keys, locked in id order (so concurrent holds and releases queue instead of deadlocking). */
	private async lockKeysOf(tx: Queryable, creatorId: string): Promise<StoredKey[]> {
		const rows = await tx.rows<KeyRow>(
			`SELECT ${KEY_COLUMNS} FROM keys WHERE created_by_id = $1 AND state <> 'revoked' ORDER BY id FOR UPDATE`,
			[creatorId],
		);
		return rows.map(toStoredKey);
	}

	async holdKeysOf(creatorId: string, hold: KeyHold, which: (key: StoredKey) => boolean, audit: AuditDraft): Promise<StoredKey[]> {
		return this.db.transaction(async (tx) => {
			const held: StoredKey[] = [];
			for (const key of await this.lockKeysOf(tx, creatorId)) {
				if (!which(key)) continue;
				const next = changedKey(key, { hold, updatedAt: key.updatedAt });
				await this.writeKey(tx, next);
				await this.audit(tx, key.guildId, key.id, audit);
				held.push(next);
			}
			return held;
		});
	}

	async releaseKeysOf(creatorId: string, audit: AuditDraft): Promise<StoredKey[]> {
		return this.db.transaction(async (tx) => {
			const released: StoredKey[] = [];
			for (const key of await this.lockKeysOf(tx, creatorId)) {
				if (key.hold !== "user_moderated") continue;
				const next = changedKey(key, { hold: null, updatedAt: audit.at });
				await this.writeKey(tx, next);
				await this.audit(tx, key.guildId, key.id, audit);
				released.push(next);
			}
			return released;
		});
	}

	async deleteKey(guildId: string, keyId: string, audit: AuditDraft): Promise<KeyDeleteResult> {
		return this.db.transaction(async (tx): Promise<KeyDeleteResult> => {
			const current = await this.lockKey(tx, guildId, keyId);
			if (current === undefined) return "not_found";
			if (current.state !== "revoked") return "not_revoked";
			// Secrets and usage go with the key (ON DELETE CASCADE).
			await tx.rows("DELETE FROM keys WHERE id = $1", [keyId]);
			await this.audit(tx, guildId, keyId, audit);
			return "deleted";
		});
	}

	async countLiveKeys(guildIds: readonly string[] | undefined): Promise<Map<string, number>> {
		const rows = await this.db.rows<{ guild_id: string; live: number }>(
			`SELECT guild_id, count(*) AS live FROM keys WHERE state <> 'revoked' AND ($1::text[] IS NULL OR guild_id = ANY($1::text[]))
			 GROUP BY guild_id`,
			[guildIds ?? null],
		);
		return new Map(rows.map((row) => [row.guild_id, row.live]));
	}

	async appendAudit(guildId: string, draft: AuditDraft): Promise<void> {
		await this.audit(this.db, guildId, null, draft);
	}

	async listAudit(guildId: string, limit: number): Promise<AuditEvent[]> {
		const rows = await this.db.rows<AuditRow>(
			"SELECT id, key_id, event, actor, address, at, details FROM key_audit WHERE guild_id = $1 ORDER BY at DESC, id DESC LIMIT $2",
			[guildId, limit],
		);
		return rows.map(toAuditEvent);
	}

	async recordUsage(batch: UsageBatch): Promise<void> {
		const keyIds = [...new Set([...batch.lastUsedAt.keys(), ...batch.counts.map((count) => count.keyId)])];
		if (keyIds.length === 0) return;
		await this.db.transaction(async (tx) => {
			// Locking the keys in id order first: instances flushing overlapping keys then queue instead of
			// deadlocking, and a key deleted meanwhile is simply absent (its uses are dropped).
			const live = await tx.rows<{ id: string }>(
				"SELECT id FROM keys WHERE id = ANY($1::text[]) ORDER BY id FOR NO KEY UPDATE",
				[keyIds],
			);
			const liveIds = new Set(live.map((row) => row.id));
			// Before last_used_at is raised: the address of a use older than one already flushed is not the latest.
			const latest = [...latestAddresses(batch).values()].filter((use) => liveIds.has(use.keyId));
			if (latest.length > 0) {
				await tx.rows(
					`UPDATE keys SET last_used_ip = used.address
					 FROM unnest($1::text[], $2::text[], $3::bigint[]) AS used (id, address, at)
					 WHERE keys.id = used.id AND coalesce(keys.last_used_at, 0) <= used.at`,
					[latest.map((use) => use.keyId), latest.map((use) => use.address), latest.map((use) => use.lastSeenAt)],
				);
			}
			const addresses = (batch.addresses ?? []).filter((use) => liveIds.has(use.keyId));
			if (addresses.length > 0) {
				// Summed per (key, address) first, for the same reason as the counts below.
				await tx.rows(
					`INSERT INTO key_client_addresses (key_id, address, count, last_seen_at)
					 SELECT key_id, address, sum(count), max(at)
					 FROM unnest($1::text[], $2::text[], $3::bigint[], $4::bigint[]) AS used (key_id, address, count, at)
					 GROUP BY key_id, address
					 ON CONFLICT (key_id, address) DO UPDATE SET count = key_client_addresses.count + excluded.count,
					 last_seen_at = GREATEST(key_client_addresses.last_seen_at, excluded.last_seen_at)`,
					[addresses.map((use) => use.keyId), addresses.map((use) => use.address), addresses.map((use) => use.count), addresses.map((use) => use.lastSeenAt)],
				);
			}
			const lastUsed = [...batch.lastUsedAt].filter(([keyId]) => liveIds.has(keyId));
			if (lastUsed.length > 0) {
				await tx.rows(
					`UPDATE keys SET last_used_at = GREATEST(coalesce(keys.last_used_at, 0), used.at)
					 FROM unnest($1::text[], $2::bigint[]) AS used (id, at) WHERE keys.id = used.id`,
					[lastUsed.map(([keyId]) => keyId), lastUsed.map(([, at]) => at)],
				);
			}
			const counts = batch.counts.filter((count) => liveIds.has(count.keyId));
			if (counts.length > 0) {
				// Summed per (key, minute) first: one INSERT … ON CONFLICT may not touch the same row twice.
				await tx.rows(
					`INSERT INTO key_usage (key_id, minute, count)
					 SELECT key_id, minute, sum(count) FROM unnest($1::text[], $2::bigint[], $3::bigint[]) AS used (key_id, minute, count)
					 GROUP BY key_id, minute
					 ON CONFLICT (key_id, minute) DO UPDATE SET count = key_usage.count + excluded.count`,
					[counts.map((c) => c.keyId), counts.map((c) => c.minute), counts.map((c) => c.count)],
				);
			}
		});
	}

	async usage(keyId: string, from: number, to: number): Promise<UsageCount[]> {
		return this.db.rows<UsageCount>(
			"SELECT minute, count FROM key_usage WHERE key_id = $1 AND minute >= $2 AND minute < $3 ORDER BY minute",
			[keyId, from, to],
		);
	}

	async pruneUsage(before: number): Promise<void> {
		await this.db.rows("DELETE FROM key_usage WHERE minute < $1", [before]);
		await this.db.rows("DELETE FROM key_client_addresses WHERE last_seen_at < $1", [before]);
	}

	async recentAddresses(keyId: string, limit: number): Promise<Omit<ClientAddressCount, "keyId">[]> {
		return this.db.rows(
			`SELECT address, count, last_seen_at AS "lastSeenAt" FROM key_client_addresses WHERE key_id = $1
			 ORDER BY last_seen_at DESC, address LIMIT $2`,
			[keyId, limit],
		);
	}

}
