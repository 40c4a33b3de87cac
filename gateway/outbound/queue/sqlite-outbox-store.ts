// gateway/outbound/queue/sqlite-outbox-store.ts
// The embedded outbox: tables in the key store's SQLite file, so key changes write their events in their own transaction.

import { join } from "node:path";
import Database from "better-sqlite3";
import { SqliteAuditWriter } from "../../keys/audit-writes";
import type { AuditDraft } from "../../keys/key-store";
import { KEY_STORE_FILE } from "../../keys/sqlite-key-store";
import { eventPayload } from "./outbox-events";
import {
	MIRRORED_EVENTS,
	type AttemptOutcome,
	type CursorAdvance,
	type ExpiringKey,
	type OutboxEvent,
	type OutboxStore,
	type StoredDelivery,
	type StoredExperience,
	type StoredWebhook,
} from "./outbox-store";
import { toDelivery, toExperience, toWebhook, type AttemptRow, type DeliveryRow, type ExperienceRow, type WebhookRow } from "./outbox-rows";

/** Created by the key store at open too (CREATE … IF NOT EXISTS), so a v1 keys.sqlite gains the tables. */
export const OUTBOX_SQLITE_SCHEMA = `
CREATE TABLE IF NOT EXISTS webhooks (
	id            TEXT PRIMARY KEY,
	guild_id      TEXT NOT NULL,
	url           TEXT NOT NULL,
	events        TEXT NOT NULL,
	format        TEXT NOT NULL CHECK (format IN ('standard', 'discord')),
	enabled       INTEGER NOT NULL,
	sealed_secret TEXT,
	created_at    INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS webhooks_by_guild ON webhooks (guild_id, created_at);
CREATE TABLE IF NOT EXISTS experience_links (
	guild_id             TEXT NOT NULL,
	universe_id          TEXT NOT NULL,
	sealed_key           TEXT NOT NULL,
	key_prefix           TEXT NOT NULL,
	exclude_alt_accounts INTEGER NOT NULL,
	status               TEXT NOT NULL CHECK (status IN ('ok', 'failing')),
	last_error           TEXT,
	last_mirrored_at     INTEGER,
	created_at           INTEGER NOT NULL,
	PRIMARY KEY (guild_id, universe_id)
);
CREATE TABLE IF NOT EXISTS outbox_deliveries (
	id              TEXT PRIMARY KEY,
	guild_id        TEXT NOT NULL,
	target_kind     TEXT NOT NULL CHECK (target_kind IN ('webhook', 'experience')),
	target_id       TEXT NOT NULL,
	event           TEXT NOT NULL,
	payload         TEXT NOT NULL,
	status          TEXT NOT NULL CHECK (status IN ('pending', 'delivered', 'failed')),
	tries           INTEGER NOT NULL,
	next_attempt_at INTEGER,
	lease_owner     TEXT,
	lease_until     INTEGER,
	created_at      INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS outbox_deliveries_due ON outbox_deliveries (status, next_attempt_at);
CREATE INDEX IF NOT EXISTS outbox_deliveries_by_target ON outbox_deliveries (target_kind, target_id, created_at);
CREATE TABLE IF NOT EXISTS outbox_attempts (
	delivery_id TEXT NOT NULL REFERENCES outbox_deliveries (id) ON DELETE CASCADE,
	at          INTEGER NOT NULL,
	status_code INTEGER,
	error       TEXT
);
CREATE INDEX IF NOT EXISTS outbox_attempts_by_delivery ON outbox_attempts (delivery_id);
CREATE TABLE IF NOT EXISTS outbox_change_cursors (
	guild_id  TEXT PRIMARY KEY,
	after_seq INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS key_notices (
	key_id TEXT NOT NULL,
	kind   TEXT NOT NULL,
	period INTEGER NOT NULL,
	PRIMARY KEY (key_id, kind, period)
) WITHOUT ROWID;
`;

const NEW_DELIVERY_ID = "'msg_' || lower(hex(randomblob(16)))";

/**
 * The enqueue statements on one connection. The key store holds one on its own connection and calls
 * it inside its write transactions; better-sqlite3 is synchronous, so it is part of that transaction.
 */
export class SqliteOutboxWriter {
	private readonly toWebhooks: Database.Statement;
	private readonly toExperiences: Database.Statement;
	private readonly toOneWebhook: Database.Statement;

	constructor(db: Database.Database) {
		const columns = "id, guild_id, target_kind, target_id, event, payload, status, tries, next_attempt_at, created_at";
		this.toWebhooks = db.prepare(
			`INSERT INTO outbox_deliveries (${columns})
			 SELECT ${NEW_DELIVERY_ID}, @guild, 'webhook', id, @type, @payload, 'pending', 0, @at, @at FROM webhooks
			 WHERE guild_id = @guild AND enabled = 1 AND EXISTS (SELECT 1 FROM json_each(webhooks.events) WHERE value = @type)
			 ORDER BY created_at, id`,
		);
		this.toExperiences = db.prepare(
			`INSERT INTO outbox_deliveries (${columns})
			 SELECT ${NEW_DELIVERY_ID}, @guild, 'experience', universe_id, @type, @payload, 'pending', 0, @at, @at FROM experience_links
			 WHERE guild_id = @guild AND status = 'ok' ORDER BY universe_id`,
		);
		this.toOneWebhook = db.prepare(
			`INSERT INTO outbox_deliveries (${columns})
			 SELECT ${NEW_DELIVERY_ID}, @guild, 'webhook', id, @type, @payload, 'pending', 0, @at, @at FROM webhooks
			 WHERE guild_id = @guild AND id = @webhook`,
		);
	}

	/** Call inside a transaction of the same connection. `at` (ms) is also when the first attempt is due. */
	enqueue(event: OutboxEvent, now: number = event.at): void {
		const values = { guild: event.guildId, type: event.type, payload: eventPayload(event), at: now };
		this.toWebhooks.run(values);
		if ((MIRRORED_EVENTS as readonly string[]).includes(event.type)) this.toExperiences.run(values);
	}

	enqueueFor(webhookId: string, event: OutboxEvent): void {
		this.toOneWebhook.run({ guild: event.guildId, type: event.type, payload: eventPayload(event), at: event.at, webhook: webhookId });
	}
}

export class SqliteOutboxStore implements OutboxStore {
	private readonly writer: SqliteOutboxWriter;
	/** Made at the first audited change: the audit table is the key store's, created when it opens the file. */
	private auditWriter: SqliteAuditWriter | undefined;
	private readonly attemptsOf: Database.Statement<[string], AttemptRow>;

	/** A second connection to `keys.sqlite` under `directory` (WAL lets it and the key store's share the file). */
	static open(directory: string, clock: () => number = Date.now): SqliteOutboxStore {
		return new SqliteOutboxStore(new Database(join(directory, KEY_STORE_FILE)), clock);
	}

	private constructor(
		private readonly db: Database.Database,
		private readonly clock: () => number,
	) {
		db.pragma("journal_mode = WAL");
		db.pragma("foreign_keys = ON");
		db.pragma("busy_timeout = 5000");
		db.exec(OUTBOX_SQLITE_SCHEMA);
		this.writer = new SqliteOutboxWriter(db);
		this.attemptsOf = db.prepare("SELECT delivery_id, at, status_code, error FROM outbox_attempts WHERE delivery_id = ? ORDER BY rowid");
	}

	/** Records the change in the guild's audit; call inside the change's transaction. */
	private audit(guildId: string, draft: AuditDraft): void {
		this.auditWriter ??= new SqliteAuditWriter(this.db);
		this.auditWriter.write(guildId, null, draft);
	}

	private withAttempts(rows: DeliveryRow[]): StoredDelivery[] {
		return rows.map((row) => toDelivery(row, this.attemptsOf.all(row.id)));
	}

	/** A guild no longer followed forgets its cursor, so a webhook added later starts at the log's head then. */
	private dropCursorIfUnfollowed(guildId: string): void {
		this.db
			.prepare(
				`DELETE FROM outbox_change_cursors WHERE guild_id = @guild AND NOT EXISTS (SELECT 1 FROM webhooks WHERE guild_id = @guild)
				 AND NOT EXISTS (SELECT 1 FROM experience_links WHERE guild_id = @guild)`,
			)
			.run({ guild: guildId });
	}

	private setCursorIfAbsent(guildId: string, cursor: number): void {
		this.db.prepare("INSERT OR IGNORE INTO outbox_change_cursors (guild_id, after_seq) VALUES (?, ?)").run(guildId, cursor);
	}

	async createWebhook(webhook: StoredWebhook, changeCursor: number, audit: AuditDraft): Promise<void> {
		this.db
			.transaction(() => {
				this.db
					.prepare(
						`INSERT INTO webhooks (id, guild_id, url, events, format, enabled, sealed_secret, created_at)
						 VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
					)
					.run(webhook.id, webhook.guildId, webhook.url, JSON.stringify(webhook.events), webhook.format, webhook.enabled ? 1 : 0, webhook.sealedSecret, webhook.createdAt);
				this.setCursorIfAbsent(webhook.guildId, changeCursor);
				this.audit(webhook.guildId, audit);
			})
			.immediate();
	}

	async listWebhooks(guildId: string): Promise<StoredWebhook[]> {
		return this.db.prepare<[string], WebhookRow>("SELECT * FROM webhooks WHERE guild_id = ? ORDER BY created_at, id").all(guildId).map(toWebhook);
	}

	async getWebhook(guildId: string, id: string): Promise<StoredWebhook | undefined> {
		const row = this.db.prepare<[string, string], WebhookRow>("SELECT * FROM webhooks WHERE guild_id = ? AND id = ?").get(guildId, id);
		return row === undefined ? undefined : toWebhook(row);
	}

	async updateWebhook(webhook: StoredWebhook, audit: AuditDraft): Promise<boolean> {
		return this.db
			.transaction(() => {
				const { changes } = this.db
					.prepare("UPDATE webhooks SET url = ?, events = ?, format = ?, enabled = ?, sealed_secret = ? WHERE guild_id = ? AND id = ?")
					.run(webhook.url, JSON.stringify(webhook.events), webhook.format, webhook.enabled ? 1 : 0, webhook.sealedSecret, webhook.guildId, webhook.id);
				if (changes > 0) this.audit(webhook.guildId, audit);
				return changes > 0;
			})
			.immediate();
	}

	async deleteWebhook(guildId: string, id: string, audit: AuditDraft): Promise<boolean> {
		return this.db
			.transaction(() => {
				const { changes } = this.db.prepare("DELETE FROM webhooks WHERE guild_id = ? AND id = ?").run(guildId, id);
				this.db.prepare("DELETE FROM outbox_deliveries WHERE target_kind = 'webhook' AND target_id = ?").run(id);
				this.dropCursorIfUnfollowed(guildId);
				if (changes > 0) this.audit(guildId, audit);
				return changes > 0;
			})
			.immediate();
	}

	async createExperience(experience: StoredExperience, changeCursor: number, audit: AuditDraft): Promise<boolean> {
		return this.db
			.transaction(() => {
				const { changes } = this.db
					.prepare(
						`INSERT OR IGNORE INTO experience_links (guild_id, universe_id, sealed_key, key_prefix, exclude_alt_accounts, status,
						 last_error, last_mirrored_at, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
					)
					.run(
						experience.guildId,
						experience.universeId,
						experience.sealedKey,
						experience.keyPrefix,
						experience.excludeAltAccounts ? 1 : 0,
						experience.status,
						experience.lastError,
						experience.lastMirroredAt,
						experience.createdAt,
					);
				this.setCursorIfAbsent(experience.guildId, changeCursor);
				if (changes > 0) this.audit(experience.guildId, audit);
				return changes > 0;
			})
			.immediate();
	}

	async listExperiences(guildId: string): Promise<StoredExperience[]> {
		return this.db
			.prepare<[string], ExperienceRow>("SELECT * FROM experience_links WHERE guild_id = ? ORDER BY created_at, universe_id")
			.all(guildId)
			.map(toExperience);
	}

	async getExperience(guildId: string, universeId: string): Promise<StoredExperience | undefined> {
		const row = this.db
			.prepare<[string, string], ExperienceRow>("SELECT * FROM experience_links WHERE guild_id = ? AND universe_id = ?")
			.get(guildId, universeId);
		return row === undefined ? undefined : toExperience(row);
	}

	async updateExperience(experience: StoredExperience, audit: AuditDraft): Promise<boolean> {
		return this.db
			.transaction(() => {
				const { changes } = this.db
					.prepare(
						`UPDATE experience_links SET sealed_key = ?, key_prefix = ?, exclude_alt_accounts = ?, status = ?, last_error = ?
						 WHERE guild_id = ? AND universe_id = ?`,
					)
					.run(
						experience.sealedKey,
						experience.keyPrefix,
						experience.excludeAltAccounts ? 1 : 0,
						experience.status,
						experience.lastError,
						experience.guildId,
						experience.universeId,
					);
				if (changes > 0) this.audit(experience.guildId, audit);
				return changes > 0;
			})
			.immediate();
	}

	async deleteExperience(guildId: string, universeId: string, audit: AuditDraft): Promise<boolean> {
		return this.db
			.transaction(() => {
				const { changes } = this.db.prepare("DELETE FROM experience_links WHERE guild_id = ? AND universe_id = ?").run(guildId, universeId);
				this.db
					.prepare("DELETE FROM outbox_deliveries WHERE guild_id = ? AND target_kind = 'experience' AND target_id = ?")
					.run(guildId, universeId);
				this.dropCursorIfUnfollowed(guildId);
				if (changes > 0) this.audit(guildId, audit);
				return changes > 0;
			})
			.immediate();
	}

	async markMirrored(guildId: string, universeId: string, at: number): Promise<void> {
		this.db
			.prepare("UPDATE experience_links SET status = 'ok', last_error = NULL, last_mirrored_at = ? WHERE guild_id = ? AND universe_id = ?")
			.run(at, guildId, universeId);
	}

	async markFailing(guildId: string, universeId: string, words: string, event: OutboxEvent, audit: AuditDraft): Promise<void> {
		this.db
			.transaction(() => {
				const { changes } = this.db
					.prepare("UPDATE experience_links SET status = 'failing', last_error = ? WHERE guild_id = ? AND universe_id = ? AND status = 'ok'")
					.run(words, guildId, universeId);
				if (changes === 0) return;
				this.db
					.prepare(
						`UPDATE outbox_deliveries SET status = 'failed', next_attempt_at = NULL, lease_owner = NULL, lease_until = NULL
						 WHERE guild_id = ? AND target_kind = 'experience' AND target_id = ? AND status = 'pending' AND lease_owner IS NULL`,
					)
					.run(guildId, universeId);
				this.writer.enqueue(event, this.clock());
				this.audit(guildId, audit);
			})
			.immediate();
	}

	async enqueue(event: OutboxEvent): Promise<void> {
		this.db.transaction(() => this.writer.enqueue(event, this.clock())).immediate();
	}

	async enqueueFor(webhookId: string, event: OutboxEvent, audit: AuditDraft): Promise<void> {
		this.db
			.transaction(() => {
				this.writer.enqueueFor(webhookId, event);
				this.audit(event.guildId, audit);
			})
			.immediate();
	}

	async followedGuilds(): Promise<{ guildId: string; after: number }[]> {
		return this.db
			.prepare<[], { guild_id: string; after_seq: number }>(
				`SELECT guild_id, after_seq FROM outbox_change_cursors WHERE guild_id IN
				 (SELECT guild_id FROM webhooks UNION SELECT guild_id FROM experience_links) ORDER BY guild_id`,
			)
			.all()
			.map((row) => ({ guildId: row.guild_id, after: row.after_seq }));
	}

	async advanceCursor(advance: CursorAdvance): Promise<boolean> {
		return this.db
			.transaction(() => {
				const { changes } = this.db
					.prepare("UPDATE outbox_change_cursors SET after_seq = ? WHERE guild_id = ? AND after_seq = ?")
					.run(advance.to, advance.guildId, advance.from);
				if (changes === 0) return false;
				const now = this.clock();
				for (const event of advance.events) this.writer.enqueue(event, now);
				return true;
			})
			.immediate();
	}

	async lease(owner: string, now: number, leaseUntil: number, limit: number): Promise<StoredDelivery[]> {
		const rows = this.db
			.prepare<[{ owner: string; leaseUntil: number; now: number; limit: number }], DeliveryRow>(
				`UPDATE outbox_deliveries SET lease_owner = @owner, lease_until = @leaseUntil WHERE id IN (
				 SELECT id FROM outbox_deliveries WHERE status = 'pending' AND next_attempt_at <= @now
				 AND (lease_until IS NULL OR lease_until <= @now) ORDER BY next_attempt_at, created_at LIMIT @limit) RETURNING *`,
			)
			.all({ owner, leaseUntil, now, limit });
		return this.withAttempts(rows);
	}

	async finish(id: string, owner: string, outcome: AttemptOutcome): Promise<void> {
		this.db
			.transaction(() => {
				const status = outcome.result === "retry" ? "pending" : outcome.result;
				const next = outcome.result === "retry" ? outcome.nextAttemptAt : null;
				const { changes } = this.db
					.prepare(
						`UPDATE outbox_deliveries SET status = ?, next_attempt_at = ?, tries = tries + ?, lease_owner = NULL, lease_until = NULL
						 WHERE id = ? AND lease_owner = ?`,
					)
					.run(status, next, outcome.result === "delivered" ? 0 : 1, id, owner);
				if (changes === 0) return;
				this.db
					.prepare("INSERT INTO outbox_attempts (delivery_id, at, status_code, error) VALUES (?, ?, ?, ?)")
					.run(id, outcome.attempt.at, outcome.attempt.statusCode, outcome.attempt.error);
			})
			.immediate();
	}

	async listDeliveries(webhookId: string, limit: number): Promise<StoredDelivery[]> {
		const rows = this.db
			.prepare<[string, number], DeliveryRow>(
				`SELECT * FROM outbox_deliveries WHERE target_kind = 'webhook' AND target_id = ? ORDER BY created_at DESC, rowid DESC LIMIT ?`,
			)
			.all(webhookId, limit);
		return this.withAttempts(rows);
	}

	async redeliver(guildId: string, webhookId: string, deliveryId: string, now: number, audit: AuditDraft): Promise<StoredDelivery | undefined> {
		const row = this.db
			.transaction(() => {
				const redelivered = this.db
					.prepare<[number, string, string, string], DeliveryRow>(
						`UPDATE outbox_deliveries SET status = 'pending', tries = 0, next_attempt_at = ?, lease_owner = NULL, lease_until = NULL
						 WHERE guild_id = ? AND target_kind = 'webhook' AND target_id = ? AND id = ? RETURNING *`,
					)
					.get(now, guildId, webhookId, deliveryId);
				if (redelivered !== undefined) this.audit(guildId, audit);
				return redelivered;
			})
			.immediate();
		return row === undefined ? undefined : this.withAttempts([row])[0];
	}

	async pruneFinished(before: number): Promise<void> {
		this.db.prepare("DELETE FROM outbox_deliveries WHERE status <> 'pending' AND created_at < ?").run(before);
	}

	async keysNearExpiry(from: number, to: number, autoExpirySeconds: number): Promise<ExpiringKey[]> {
		const rows = this.db
			.prepare<[{ from: number; to: number; auto: number }], { id: string; guild_id: string; prefix: string; name: string | null; expires_at: number | null; last_activity: number }>(
				`SELECT id, guild_id, prefix, name, expires_at, last_activity FROM (
				   SELECT *, max(coalesce(last_used_at, 0), updated_at, created_at) AS last_activity FROM keys
				   WHERE state = 'active' AND guild_id IN (SELECT guild_id FROM webhooks WHERE enabled = 1))
				 WHERE expires_at BETWEEN @from AND @to OR last_activity + @auto BETWEEN @from AND @to`,
			)
			.all({ from, to, auto: autoExpirySeconds });
		return rows.map((row) => ({
			id: row.id,
			guildId: row.guild_id,
			prefix: row.prefix,
			name: row.name,
			expiresAt: row.expires_at,
			lastActivity: row.last_activity,
		}));
	}

	async noticeOnce(keyId: string, kind: string, period: number, event: OutboxEvent): Promise<boolean> {
		return this.db
			.transaction(() => {
				const { changes } = this.db.prepare("INSERT OR IGNORE INTO key_notices (key_id, kind, period) VALUES (?, ?, ?)").run(keyId, kind, period);
				if (changes === 0) return false;
				this.writer.enqueue(event, this.clock());
				return true;
			})
			.immediate();
	}

	async close(): Promise<void> {
		if (this.db.open) this.db.close();
	}
}
