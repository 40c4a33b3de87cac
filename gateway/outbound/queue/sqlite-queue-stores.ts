// gateway/outbound/queue/sqlite-queue-stores.ts
// The delivery queue, the change-log cursors and the key notices in the gateway database's SQLite file.

import type Database from "better-sqlite3";
import type { ChangeCursors, CursorAdvance } from "./change-cursors";
import type { AttemptOutcome, DeliveryQueue, DeliveryTarget, StoredDelivery } from "./delivery-queue";
import type { ExpiringKey, KeyNotices } from "./key-notices";
import type { OutboxEvent } from "./outbox-events";
import { toDelivery, toExpiringKey, type AttemptRow, type DeliveryRow, type ExpiringKeyRow } from "./outbox-rows";
import { SqliteOutboxWriter } from "./outbox-writes";

// Every write runs as an IMMEDIATE transaction: it takes the write lock before reading, so a second
// process on the same file waits instead of deciding on rows that are about to change.

/** Each delivery with its attempts, oldest attempt first. */
export function withAttempts(db: Database.Database, rows: DeliveryRow[]): StoredDelivery[] {
	const attemptsOf = db.prepare<[string], AttemptRow>("SELECT delivery_id, at, status_code, error FROM outbox_attempts WHERE delivery_id = ? ORDER BY rowid");
	return rows.map((row) => toDelivery(row, attemptsOf.all(row.id)));
}

/** Starts following the guild's change log at `cursor`, unless something follows it already; call inside the change's transaction. */
export function followFrom(db: Database.Database, guildId: string, cursor: number): void {
	db.prepare("INSERT OR IGNORE INTO outbox_change_cursors (guild_id, after_seq) VALUES (?, ?)").run(guildId, cursor);
}

/** A guild no longer followed forgets its cursor, so a webhook added later starts at the log's head then. */
export function unfollowIfIdle(db: Database.Database, guildId: string): void {
	db.prepare(
		`DELETE FROM outbox_change_cursors WHERE guild_id = @guild AND NOT EXISTS (SELECT 1 FROM webhooks WHERE guild_id = @guild)
		 AND NOT EXISTS (SELECT 1 FROM experience_links WHERE guild_id = @guild)`,
	).run({ guild: guildId });
}

export class SqliteDeliveryQueue implements DeliveryQueue {
	private readonly writer: SqliteOutboxWriter;

	constructor(
		private readonly db: Database.Database,
		private readonly clock: () => number,
	) {
		this.writer = new SqliteOutboxWriter(db);
	}

	async enqueue(event: OutboxEvent): Promise<void> {
		this.db.transaction(() => this.writer.enqueue(event, this.clock())).immediate();
	}

	async lease(owner: string, now: number, leaseUntil: number, limit: number): Promise<StoredDelivery[]> {
		const rows = this.db
			.prepare<[{ owner: string; leaseUntil: number; now: number; limit: number }], DeliveryRow>(
				`UPDATE outbox_deliveries SET lease_owner = @owner, lease_until = @leaseUntil WHERE id IN (
				 SELECT id FROM outbox_deliveries WHERE status = 'pending' AND next_attempt_at <= @now
				 AND (lease_until IS NULL OR lease_until <= @now) ORDER BY next_attempt_at, created_at LIMIT @limit) RETURNING *`,
			)
			.all({ owner, leaseUntil, now, limit });
		return withAttempts(this.db, rows);
	}

	async leaseTarget(owner: string, guildId: string, target: DeliveryTarget, now: number, leaseUntil: number, limit: number): Promise<StoredDelivery[]> {
		const rows = this.db
			.prepare<[{ owner: string; guild: string; kind: string; target: string; leaseUntil: number; now: number; limit: number }], DeliveryRow>(
				`UPDATE outbox_deliveries SET lease_owner = @owner, lease_until = @leaseUntil WHERE id IN (
				 SELECT id FROM outbox_deliveries WHERE status = 'pending' AND guild_id = @guild AND target_kind = @kind AND target_id = @target
				 AND (lease_until IS NULL OR lease_until <= @now) ORDER BY created_at, rowid LIMIT @limit) RETURNING *`,
			)
			.all({ owner, guild: guildId, kind: target.kind, target: target.id, leaseUntil, now, limit });
		return withAttempts(this.db, rows);
	}

	async finish(id: string, owner: string, outcome: AttemptOutcome): Promise<void> {
		if (outcome.result === "deferred") {
			this.db
				.prepare("UPDATE outbox_deliveries SET next_attempt_at = ?, lease_owner = NULL, lease_until = NULL WHERE id = ? AND lease_owner = ?")
				.run(outcome.nextAttemptAt, id, owner);
			return;
		}
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

	async pruneFinished(before: number): Promise<void> {
		this.db.prepare("DELETE FROM outbox_deliveries WHERE status <> 'pending' AND created_at < ?").run(before);
	}
}

export class SqliteChangeCursors implements ChangeCursors {
	private readonly writer: SqliteOutboxWriter;

	constructor(
		private readonly db: Database.Database,
		private readonly clock: () => number,
	) {
		this.writer = new SqliteOutboxWriter(db);
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
				this.writer.enqueuePushes(advance.guildId, advance.pushes, now);
				return true;
			})
			.immediate();
	}
}

export class SqliteKeyNotices implements KeyNotices {
	private readonly writer: SqliteOutboxWriter;

	constructor(
		private readonly db: Database.Database,
		private readonly clock: () => number,
	) {
		this.writer = new SqliteOutboxWriter(db);
	}

	async keysNearExpiry(from: number, to: number, autoExpirySeconds: number): Promise<ExpiringKey[]> {
		return this.db
			.prepare<[{ from: number; to: number; auto: number }], ExpiringKeyRow>(
				`SELECT id, guild_id, prefix, name, expires_at, last_activity FROM (
				   SELECT *, max(coalesce(last_used_at, 0), updated_at, created_at) AS last_activity FROM keys
				   WHERE state = 'active' AND guild_id IN (SELECT guild_id FROM webhooks WHERE enabled = 1))
				 WHERE expires_at BETWEEN @from AND @to OR last_activity + @auto BETWEEN @from AND @to`,
			)
			.all({ from, to, auto: autoExpirySeconds })
			.map(toExpiringKey);
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
}
