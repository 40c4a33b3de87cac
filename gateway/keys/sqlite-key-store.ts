// gateway/keys/sqlite-key-store.ts
// The embedded key store: keys in the gateway database's SQLite file (keys.sqlite under DATA_DIR).

import { randomBytes } from "node:crypto";
import type Database from "better-sqlite3";
import { changedKey, latestAddresses, rolledKey, toAuditEvent, toKeyRow, toStoredKey, type AuditRow, type KeyRow } from "./key-rows";
import { SqliteAuditWriter } from "./audit-writes";
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

function prepareStatements(db: Database.Database) {
	return {
		getKey: db.prepare<[string, string], KeyRow>("SELECT * FROM keys WHERE guild_id = ? AND id = ?"),
		listKeys: db.prepare<[string], KeyRow>("SELECT * FROM keys WHERE guild_id = ? ORDER BY created_at, rowid"),
		countLive: db.prepare<[string], { live: number }>(
			"SELECT count(*) AS live FROM keys WHERE guild_id = ? AND state <> 'revoked'",
		),
		insertKey: db.prepare<[KeyRow]>(
			`INSERT INTO keys (id, guild_id, prefix, name, state, scopes, allowed_cidrs, created_at, updated_at,
			 last_used_at, expires_at, revoked_at, hold, created_by_id, created_by_name, description, rate_limits, last_used_ip)
			 VALUES (@id, @guild_id, @prefix, @name, @state, @scopes, @allowed_cidrs, @created_at, @updated_at,
			 @last_used_at, @expires_at, @revoked_at, @hold, @created_by_id, @created_by_name, @description, @rate_limits, @last_used_ip)`,
		),
		updateKey: db.prepare<[KeyRow]>(
			`UPDATE keys SET prefix = @prefix, name = @name, state = @state, allowed_cidrs = @allowed_cidrs,
			 updated_at = @updated_at, expires_at = @expires_at, revoked_at = @revoked_at, hold = @hold,
			 created_by_id = @created_by_id, created_by_name = @created_by_name, description = @description,
			 rate_limits = @rate_limits WHERE id = @id`,
		),
		deleteKey: db.prepare<[string]>("DELETE FROM keys WHERE id = ?"),
		insertSecret: db.prepare<[string, string, number | null]>(
			"INSERT INTO key_secrets (key_id, hash, expires_at) VALUES (?, ?, ?)",
		),
		findSecret: db.prepare<[string], KeyRow & { secret_expires_at: number | null }>(
			`SELECT keys.*, key_secrets.expires_at AS secret_expires_at
			 FROM key_secrets JOIN keys ON keys.id = key_secrets.key_id WHERE key_secrets.hash = ?`,
		),
		dropOverlappingSecrets: db.prepare<[string]>(
			"DELETE FROM key_secrets WHERE key_id = ? AND expires_at IS NOT NULL",
		),
		dropAllSecrets: db.prepare<[string]>("DELETE FROM key_secrets WHERE key_id = ?"),
		expireCurrentSecret: db.prepare<[number, string]>(
			"UPDATE key_secrets SET expires_at = ? WHERE key_id = ? AND expires_at IS NULL",
		),
		listAudit: db.prepare<[string, number], AuditRow>(
			"SELECT id, key_id, event, actor, address, at, details FROM key_audit WHERE guild_id = ? ORDER BY at DESC, id DESC LIMIT ?",
		),
		liveKeysOf: db.prepare<[string], KeyRow>("SELECT * FROM keys WHERE created_by_id = ? AND state <> 'revoked' ORDER BY rowid"),
		raiseLastUsed: db.prepare<[number, string]>(
			"UPDATE keys SET last_used_at = max(coalesce(last_used_at, 0), ?) WHERE id = ?",
		),
		addUsage: db.prepare<{ keyId: string; minute: number; count: number }>(
			`INSERT INTO key_usage (key_id, minute, count)
			 SELECT @keyId, @minute, @count WHERE EXISTS (SELECT 1 FROM keys WHERE id = @keyId)
			 ON CONFLICT (key_id, minute) DO UPDATE SET count = count + excluded.count`,
		),
		usage: db.prepare<[string, number, number], UsageCount>(
			"SELECT minute, count FROM key_usage WHERE key_id = ? AND minute >= ? AND minute < ? ORDER BY minute",
		),
		pruneUsage: db.prepare<[number]>("DELETE FROM key_usage WHERE minute < ?"),
		// Before last_used_at is raised: the address of a use older than one already flushed is not the latest.
		setLastUsedIp: db.prepare<[string, string, number]>(
			"UPDATE keys SET last_used_ip = ? WHERE id = ? AND coalesce(last_used_at, 0) <= ?",
		),
		addAddress: db.prepare<{ keyId: string; address: string; count: number; lastSeenAt: number }>(
			`INSERT INTO key_client_addresses (key_id, address, count, last_seen_at)
			 SELECT @keyId, @address, @count, @lastSeenAt WHERE EXISTS (SELECT 1 FROM keys WHERE id = @keyId)
			 ON CONFLICT (key_id, address) DO UPDATE SET count = count + excluded.count,
			 last_seen_at = max(last_seen_at, excluded.last_seen_at)`,
		),
		recentAddresses: db.prepare<[string, number], { address: string; count: number; lastSeenAt: number }>(
			`SELECT address, count, last_seen_at AS lastSeenAt FROM key_client_addresses WHERE key_id = ?
			 ORDER BY last_seen_at DESC, address LIMIT ?`,
		),
		pruneAddresses: db.prepare<[number]>("DELETE FROM key_client_addresses WHERE last_seen_at < ?"),
	};
}

export class SqliteKeyStore implements KeyStore {
	private readonly secret: string;
	private readonly statements: ReturnType<typeof prepareStatements>;
	/** Audit events, and the outbox events they cause, on this connection inside the change's transaction. */
	private readonly auditWriter: SqliteAuditWriter;

	/** On the gateway database's connection (see platform/db/gateway-database.ts), migrated already. */
	constructor(private readonly db: Database.Database) {
		// INSERT OR IGNORE: when two instances open a new file at once, both end up with the first secret.
		db.prepare("INSERT OR IGNORE INTO settings (name, value) VALUES ('checksum_secret', ?)").run(
			randomBytes(32).toString("hex"),
		);
		this.secret = (db.prepare("SELECT value FROM settings WHERE name = 'checksum_secret'").get() as { value: string })
			.value;
		this.statements = prepareStatements(db);
		this.auditWriter = new SqliteAuditWriter(db);
	}

	// Every write below runs as an IMMEDIATE transaction: it takes the write lock before reading, so a
	// second process on the same file waits instead of deciding on a count that is about to change.

	private audit(guildId: string, keyId: string | null, draft: AuditDraft): void {
		// Key and member events enter the outbox in the change's own transaction.
		this.auditWriter.write(guildId, keyId, draft);
	}

	/** Runs `apply` on a live (not revoked) key of the guild inside a write transaction. */
	private changeLive(guildId: string, keyId: string, apply: (key: StoredKey) => StoredKey): KeyChangeResult {
		return this.db
			.transaction((): KeyChangeResult => {
				const row = this.statements.getKey.get(guildId, keyId);
				if (row === undefined) return { outcome: "not_found" };
				const current = toStoredKey(row);
				if (current.state === "revoked") return { outcome: "revoked", key: current };
				return { outcome: "changed", key: apply(current) };
			})
			.immediate();
	}

	async checksumSecret(): Promise<string> {
		return this.secret;
	}

	async createKey(key: StoredKey, secretHash: string, limit: number, audit: AuditDraft): Promise<KeyCreateResult> {
		return this.db
			.transaction((): KeyCreateResult => {
				if (this.statements.countLive.get(key.guildId)!.live >= limit) return { outcome: "limit_reached" };
				this.statements.insertKey.run(toKeyRow(key));
				this.statements.insertSecret.run(key.id, secretHash, null);
				this.audit(key.guildId, key.id, audit);
				return { outcome: "created", key };
			})
			.immediate();
	}

	async getKey(guildId: string, keyId: string): Promise<StoredKey | undefined> {
		const row = this.statements.getKey.get(guildId, keyId);
		return row === undefined ? undefined : toStoredKey(row);
	}

	async listKeys(guildId: string): Promise<StoredKey[]> {
		return this.statements.listKeys.all(guildId).map(toStoredKey);
	}

	async findBySecretHash(hash: string): Promise<{ key: StoredKey; secretExpiresAt: number | null } | undefined> {
		const row = this.statements.findSecret.get(hash);
		return row === undefined ? undefined : { key: toStoredKey(row), secretExpiresAt: row.secret_expires_at };
	}

	async changeKey(guildId: string, keyId: string, change: KeyChange, audit: AuditDraft): Promise<KeyChangeResult> {
		return this.changeLive(guildId, keyId, (current) => {
			const next = changedKey(current, change);
			this.statements.updateKey.run(toKeyRow(next));
			this.audit(guildId, keyId, audit);
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
		return this.changeLive(guildId, keyId, (current) => {
			this.statements.dropOverlappingSecrets.run(keyId);
			if (previousExpiresAt > audit.at) this.statements.expireCurrentSecret.run(previousExpiresAt, keyId);
			else this.statements.dropAllSecrets.run(keyId);
			this.statements.insertSecret.run(keyId, next.hash, null);
			const rolled = rolledKey(current, next, audit.at);
			this.statements.updateKey.run(toKeyRow(rolled));
			this.audit(guildId, keyId, audit);
			return rolled;
		});
	}

	async holdKeysOf(creatorId: string, hold: KeyHold, which: (key: StoredKey) => boolean, audit: AuditDraft): Promise<StoredKey[]> {
		return this.db
			.transaction((): StoredKey[] =>
				this.statements.liveKeysOf
					.all(creatorId)
					.map(toStoredKey)
					.filter(which)
					.map((key) => {
						const held = changedKey(key, { hold, updatedAt: key.updatedAt });
						this.statements.updateKey.run(toKeyRow(held));
						this.audit(key.guildId, key.id, audit);
						return held;
					}),
			)
			.immediate();
	}

	async releaseKeysOf(creatorId: string, audit: AuditDraft): Promise<StoredKey[]> {
		return this.db
			.transaction((): StoredKey[] =>
				this.statements.liveKeysOf
					.all(creatorId)
					.map(toStoredKey)
					.filter((key) => key.hold === "user_moderated")
					.map((key) => {
						const released = changedKey(key, { hold: null, updatedAt: audit.at });
						this.statements.updateKey.run(toKeyRow(released));
						this.audit(key.guildId, key.id, audit);
						return released;
					}),
			)
			.immediate();
	}

	async deleteKey(guildId: string, keyId: string, audit: AuditDraft): Promise<KeyDeleteResult> {
		return this.db
			.transaction((): KeyDeleteResult => {
				const row = this.statements.getKey.get(guildId, keyId);
				if (row === undefined) return "not_found";
				if (row.state !== "revoked") return "not_revoked";
				// Secrets and usage go with the key (ON DELETE CASCADE).
				this.statements.deleteKey.run(keyId);
				this.audit(guildId, keyId, audit);
				return "deleted";
			})
			.immediate();
	}

	async countLiveKeys(guildIds: readonly string[] | undefined): Promise<Map<string, number>> {
		const rows = this.db
			.prepare<[], { guild_id: string; live: number }>("SELECT guild_id, count(*) AS live FROM keys WHERE state <> 'revoked' GROUP BY guild_id")
			.all();
		const wanted = guildIds === undefined ? undefined : new Set(guildIds);
		return new Map(rows.filter((row) => wanted === undefined || wanted.has(row.guild_id)).map((row) => [row.guild_id, row.live]));
	}

	async appendAudit(guildId: string, draft: AuditDraft): Promise<void> {
		this.audit(guildId, null, draft);
	}

	async listAudit(guildId: string, limit: number): Promise<AuditEvent[]> {
		return this.statements.listAudit.all(guildId, limit).map(toAuditEvent);
	}

	async recordUsage(batch: UsageBatch): Promise<void> {
		this.db
			.transaction(() => {
				for (const [keyId, use] of latestAddresses(batch)) this.statements.setLastUsedIp.run(use.address, keyId, use.lastSeenAt);
				for (const use of batch.addresses ?? []) this.statements.addAddress.run(use);
				for (const [keyId, at] of batch.lastUsedAt) this.statements.raiseLastUsed.run(at, keyId);
				for (const count of batch.counts) this.statements.addUsage.run(count);
			})
			.immediate();
	}

	async usage(keyId: string, from: number, to: number): Promise<UsageCount[]> {
		return this.statements.usage.all(keyId, from, to);
	}

	async pruneUsage(before: number): Promise<void> {
		this.statements.pruneUsage.run(before);
		this.statements.pruneAddresses.run(before);
	}

	async recentAddresses(keyId: string, limit: number): Promise<Omit<ClientAddressCount, "keyId">[]> {
		return this.statements.recentAddresses.all(keyId, limit);
	}

}
