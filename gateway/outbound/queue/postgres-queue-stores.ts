// gateway/outbound/queue/postgres-queue-stores.ts
// The delivery queue, the change-log cursors and the key notices in PostgreSQL, leased with FOR UPDATE SKIP LOCKED so instances never send one attempt twice.

import type { PostgresDatabase, Queryable } from "../../platform/db/postgres-database";
import type { ChangeCursors, CursorAdvance } from "./change-cursors";
import type { AttemptOutcome, DeliveryQueue, DeliveryTarget, StoredDelivery } from "./delivery-queue";
import type { ExpiringKey, KeyNotices } from "./key-notices";
import type { OutboxEvent } from "./outbox-events";
import { toDelivery, toExpiringKey, type AttemptRow, type DeliveryRow, type ExpiringKeyRow } from "./outbox-rows";
import { enqueueInPostgres, enqueuePushesInPostgres } from "./outbox-writes";

/** Each delivery with its attempts, oldest attempt first. */
export async function withAttempts(db: Queryable, rows: DeliveryRow[]): Promise<StoredDelivery[]> {
	if (rows.length === 0) return [];
	const attempts = await db.rows<AttemptRow>(
		"SELECT delivery_id, at, status_code, error FROM outbox_attempts WHERE delivery_id = ANY($1::text[]) ORDER BY id",
		[rows.map((row) => row.id)],
	);
	return rows.map((row) => toDelivery(row, attempts.filter((attempt) => attempt.delivery_id === row.id)));
}

/** Starts following the guild's change log at `cursor`, unless something follows it already; inside the change's `tx`. */
export async function followFrom(tx: Queryable, guildId: string, cursor: number): Promise<void> {
	await tx.rows("INSERT INTO outbox_change_cursors (guild_id, after_seq) VALUES ($1, $2) ON CONFLICT (guild_id) DO NOTHING", [guildId, cursor]);
}

/** A guild no longer followed forgets its cursor, so a webhook added later starts at the log's head then. */
export async function unfollowIfIdle(tx: Queryable, guildId: string): Promise<void> {
	await tx.rows(
		`DELETE FROM outbox_change_cursors WHERE guild_id = $1 AND NOT EXISTS (SELECT 1 FROM webhooks WHERE guild_id = $1)
		 AND NOT EXISTS (SELECT 1 FROM experience_links WHERE guild_id = $1)`,
		[guildId],
	);
}

export class PostgresDeliveryQueue implements DeliveryQueue {
	constructor(
		private readonly db: PostgresDatabase,
		private readonly clock: () => number,
	) {}

	async enqueue(event: OutboxEvent): Promise<void> {
		await this.db.transaction((tx) => enqueueInPostgres(tx, event, this.clock()));
	}

	async lease(owner: string, now: number, leaseUntil: number, limit: number): Promise<StoredDelivery[]> {
		const rows = await this.db.rows<DeliveryRow>(
			`UPDATE outbox_deliveries SET lease_owner = $1, lease_until = $2 WHERE id IN (
			 SELECT id FROM outbox_deliveries WHERE status = 'pending' AND next_attempt_at <= $3
			 AND (lease_until IS NULL OR lease_until <= $3) ORDER BY next_attempt_at, created_seq LIMIT $4 FOR UPDATE SKIP LOCKED)
			 RETURNING *`,
			[owner, leaseUntil, now, limit],
		);
		return withAttempts(this.db, rows);
	}

	async leaseTarget(owner: string, guildId: string, target: DeliveryTarget, now: number, leaseUntil: number, limit: number): Promise<StoredDelivery[]> {
		const rows = await this.db.rows<DeliveryRow>(
			`UPDATE outbox_deliveries SET lease_owner = $1, lease_until = $2 WHERE id IN (
			 SELECT id FROM outbox_deliveries WHERE status = 'pending' AND guild_id = $3 AND target_kind = $4 AND target_id = $5
			 AND (lease_until IS NULL OR lease_until <= $6) ORDER BY created_seq LIMIT $7 FOR UPDATE SKIP LOCKED)
			 RETURNING *`,
			[owner, leaseUntil, guildId, target.kind, target.id, now, limit],
		);
		return withAttempts(this.db, rows);
	}

	async finish(id: string, owner: string, outcome: AttemptOutcome): Promise<void> {
		if (outcome.result === "deferred") {
			await this.db.rows("UPDATE outbox_deliveries SET next_attempt_at = $1, lease_owner = NULL, lease_until = NULL WHERE id = $2 AND lease_owner = $3", [
				outcome.nextAttemptAt,
				id,
				owner,
			]);
			return;
		}
		await this.db.transaction(async (tx) => {
			const status = outcome.result === "retry" ? "pending" : outcome.result;
			const next = outcome.result === "retry" ? outcome.nextAttemptAt : null;
			const rows = await tx.rows(
				`UPDATE outbox_deliveries SET status = $1, next_attempt_at = $2, tries = tries + $3, lease_owner = NULL, lease_until = NULL
				 WHERE id = $4 AND lease_owner = $5 RETURNING id`,
				[status, next, outcome.result === "delivered" ? 0 : 1, id, owner],
			);
			if (rows.length === 0) return;
			await tx.rows("INSERT INTO outbox_attempts (delivery_id, at, status_code, error) VALUES ($1, $2, $3, $4)", [
				id,
				outcome.attempt.at,
				outcome.attempt.statusCode,
				outcome.attempt.error,
			]);
		});
	}

	async pruneFinished(before: number): Promise<void> {
		await this.db.rows("DELETE FROM outbox_deliveries WHERE status <> 'pending' AND created_at < $1", [before]);
	}
}

export class PostgresChangeCursors implements ChangeCursors {
	constructor(
		private readonly db: PostgresDatabase,
		private readonly clock: () => number,
	) {}

	async followedGuilds(): Promise<{ guildId: string; after: number }[]> {
		const rows = await this.db.rows<{ guild_id: string; after_seq: number }>(
			`SELECT guild_id, after_seq FROM outbox_change_cursors WHERE guild_id IN
			 (SELECT guild_id FROM webhooks UNION SELECT guild_id FROM experience_links) ORDER BY guild_id`,
		);
		return rows.map((row) => ({ guildId: row.guild_id, after: row.after_seq }));
	}

	async advanceCursor(advance: CursorAdvance): Promise<boolean> {
		return this.db.transaction(async (tx) => {
			// The row lock makes a second instance reading the same page wait here, then find the cursor moved.
			const rows = await tx.rows(
				"UPDATE outbox_change_cursors SET after_seq = $3 WHERE guild_id = $1 AND after_seq = $2 RETURNING guild_id",
				[advance.guildId, advance.from, advance.to],
			);
			if (rows.length === 0) return false;
			const now = this.clock();
			for (const event of advance.events) await enqueueInPostgres(tx, event, now);
			await enqueuePushesInPostgres(tx, advance.guildId, advance.pushes, now);
			return true;
		});
	}
}

export class PostgresKeyNotices implements KeyNotices {
	constructor(
		private readonly db: PostgresDatabase,
		private readonly clock: () => number,
	) {}

	async keysNearExpiry(from: number, to: number, autoExpirySeconds: number): Promise<ExpiringKey[]> {
		const rows = await this.db.rows<ExpiringKeyRow>(
			`SELECT id, guild_id, prefix, name, expires_at, last_activity FROM (
			   SELECT id, guild_id, prefix, name, expires_at, GREATEST(coalesce(last_used_at, 0), updated_at, created_at) AS last_activity FROM keys
			   WHERE state = 'active' AND guild_id IN (SELECT guild_id FROM webhooks WHERE enabled)) AS live
			 WHERE expires_at BETWEEN $1 AND $2 OR last_activity + $3 BETWEEN $1 AND $2`,
			[from, to, autoExpirySeconds],
		);
		return rows.map(toExpiringKey);
	}

	async noticeOnce(keyId: string, kind: string, period: number, event: OutboxEvent): Promise<boolean> {
		return this.db.transaction(async (tx) => {
			const rows = await tx.rows(
				"INSERT INTO key_notices (key_id, kind, period) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING RETURNING key_id",
				[keyId, kind, period],
			);
			if (rows.length === 0) return false;
			await enqueueInPostgres(tx, event, this.clock());
			return true;
		});
	}
}
