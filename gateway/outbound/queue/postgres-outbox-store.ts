// gateway/outbound/queue/postgres-outbox-store.ts
// The shared outbox: PostgreSQL tables beside the keys, leased with FOR UPDATE SKIP LOCKED so instances never send one attempt twice.

import { writePostgresAudit } from "../../keys/audit-writes";
import type { AuditDraft } from "../../keys/key-store";
import { PostgresDatabase, type PostgresOptions, type Queryable } from "../../platform/db/postgres-database";
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

const NEW_DELIVERY_ID = "'msg_' || replace(gen_random_uuid()::text, '-', '')";
const DELIVERY_COLUMNS = "id, guild_id, target_kind, target_id, event, payload, status, tries, next_attempt_at, created_at";

/**
 * Writes the event for every matching target, inside the caller's transaction: the key store calls it
 * from its key changes, the outbox from its cursor moves. `now` (ms) is when the first attempt is due.
 */
export async function enqueueInPostgres(tx: Queryable, event: OutboxEvent, now: number = event.at): Promise<void> {
	const values = [event.guildId, event.type, eventPayload(event), now];
	await tx.rows(
		`INSERT INTO outbox_deliveries (${DELIVERY_COLUMNS})
		 SELECT ${NEW_DELIVERY_ID}, $1, 'webhook', id, $2, $3, 'pending', 0, $4, $4 FROM webhooks
		 WHERE guild_id = $1 AND enabled AND events::jsonb ? $2 ORDER BY created_at, id`,
		values,
	);
	if ((MIRRORED_EVENTS as readonly string[]).includes(event.type)) {
		await tx.rows(
			`INSERT INTO outbox_deliveries (${DELIVERY_COLUMNS})
			 SELECT ${NEW_DELIVERY_ID}, $1, 'experience', universe_id, $2, $3, 'pending', 0, $4, $4 FROM experience_links
			 WHERE guild_id = $1 AND status = 'ok' ORDER BY universe_id`,
			values,
		);
	}
}

export class PostgresOutboxStore implements OutboxStore {
	private constructor(
		private readonly db: PostgresDatabase,
		private readonly clock: () => number,
	) {}

	/** Its own pool on DATABASE_URL; the migrations (0007) are applied by whichever opens first. */
	static async open(options: PostgresOptions, clock: () => number = Date.now): Promise<PostgresOutboxStore> {
		return new PostgresOutboxStore(await PostgresDatabase.open({ applicationName: "technified-outbox", ...options }), clock);
	}

	private async withAttempts(rows: DeliveryRow[]): Promise<StoredDelivery[]> {
		if (rows.length === 0) return [];
		const attempts = await this.db.rows<AttemptRow>(
			"SELECT delivery_id, at, status_code, error FROM outbox_attempts WHERE delivery_id = ANY($1::text[]) ORDER BY id",
			[rows.map((row) => row.id)],
		);
		return rows.map((row) => toDelivery(row, attempts.filter((attempt) => attempt.delivery_id === row.id)));
	}

	/** A guild no longer followed forgets its cursor, so a webhook added later starts at the log's head then. */
	private async dropCursorIfUnfollowed(tx: Queryable, guildId: string): Promise<void> {
		await tx.rows(
			`DELETE FROM outbox_change_cursors WHERE guild_id = $1 AND NOT EXISTS (SELECT 1 FROM webhooks WHERE guild_id = $1)
			 AND NOT EXISTS (SELECT 1 FROM experience_links WHERE guild_id = $1)`,
			[guildId],
		);
	}

	private async setCursorIfAbsent(tx: Queryable, guildId: string, cursor: number): Promise<void> {
		await tx.rows("INSERT INTO outbox_change_cursors (guild_id, after_seq) VALUES ($1, $2) ON CONFLICT (guild_id) DO NOTHING", [guildId, cursor]);
	}

	async createWebhook(webhook: StoredWebhook, changeCursor: number, audit: AuditDraft): Promise<void> {
		await this.db.transaction(async (tx) => {
			await tx.rows(
				`INSERT INTO webhooks (id, guild_id, url, events, format, enabled, sealed_secret, created_at)
				 VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
				[webhook.id, webhook.guildId, webhook.url, JSON.stringify(webhook.events), webhook.format, webhook.enabled, webhook.sealedSecret, webhook.createdAt],
			);
			await this.setCursorIfAbsent(tx, webhook.guildId, changeCursor);
			await writePostgresAudit(tx, webhook.guildId, null, audit);
		});
	}

	async listWebhooks(guildId: string): Promise<StoredWebhook[]> {
		return (await this.db.rows<WebhookRow>("SELECT * FROM webhooks WHERE guild_id = $1 ORDER BY created_at, id", [guildId])).map(toWebhook);
	}

	async getWebhook(guildId: string, id: string): Promise<StoredWebhook | undefined> {
		const [row] = await this.db.rows<WebhookRow>("SELECT * FROM webhooks WHERE guild_id = $1 AND id = $2", [guildId, id]);
		return row === undefined ? undefined : toWebhook(row);
	}

	async updateWebhook(webhook: StoredWebhook, audit: AuditDraft): Promise<boolean> {
		return this.db.transaction(async (tx) => {
			const rows = await tx.rows(
				"UPDATE webhooks SET url = $3, events = $4, format = $5, enabled = $6, sealed_secret = $7 WHERE guild_id = $1 AND id = $2 RETURNING id",
				[webhook.guildId, webhook.id, webhook.url, JSON.stringify(webhook.events), webhook.format, webhook.enabled, webhook.sealedSecret],
			);
			if (rows.length > 0) await writePostgresAudit(tx, webhook.guildId, null, audit);
			return rows.length > 0;
		});
	}

	async deleteWebhook(guildId: string, id: string, audit: AuditDraft): Promise<boolean> {
		return this.db.transaction(async (tx) => {
			const rows = await tx.rows("DELETE FROM webhooks WHERE guild_id = $1 AND id = $2 RETURNING id", [guildId, id]);
			await tx.rows("DELETE FROM outbox_deliveries WHERE target_kind = 'webhook' AND target_id = $1", [id]);
			await this.dropCursorIfUnfollowed(tx, guildId);
			if (rows.length > 0) await writePostgresAudit(tx, guildId, null, audit);
			return rows.length > 0;
		});
	}

	async createExperience(experience: StoredExperience, changeCursor: number, audit: AuditDraft): Promise<boolean> {
		return this.db.transaction(async (tx) => {
			const rows = await tx.rows(
				`INSERT INTO experience_links (guild_id, universe_id, sealed_key, key_prefix, exclude_alt_accounts, status, last_error,
				 last_mirrored_at, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT DO NOTHING RETURNING universe_id`,
				[
					experience.guildId,
					experience.universeId,
					experience.sealedKey,
					experience.keyPrefix,
					experience.excludeAltAccounts,
					experience.status,
					experience.lastError,
					experience.lastMirroredAt,
					experience.createdAt,
				],
			);
			await this.setCursorIfAbsent(tx, experience.guildId, changeCursor);
			if (rows.length > 0) await writePostgresAudit(tx, experience.guildId, null, audit);
			return rows.length > 0;
		});
	}

	async listExperiences(guildId: string): Promise<StoredExperience[]> {
		const rows = await this.db.rows<ExperienceRow>("SELECT * FROM experience_links WHERE guild_id = $1 ORDER BY created_at, universe_id", [guildId]);
		return rows.map(toExperience);
	}

	async getExperience(guildId: string, universeId: string): Promise<StoredExperience | undefined> {
		const [row] = await this.db.rows<ExperienceRow>("SELECT * FROM experience_links WHERE guild_id = $1 AND universe_id = $2", [guildId, universeId]);
		return row === undefined ? undefined : toExperience(row);
	}

	async updateExperience(experience: StoredExperience, audit: AuditDraft): Promise<boolean> {
		return this.db.transaction(async (tx) => {
			const rows = await tx.rows(
				`UPDATE experience_links SET sealed_key = $3, key_prefix = $4, exclude_alt_accounts = $5, status = $6, last_error = $7
				 WHERE guild_id = $1 AND universe_id = $2 RETURNING universe_id`,
				[experience.guildId, experience.universeId, experience.sealedKey, experience.keyPrefix, experience.excludeAltAccounts, experience.status, experience.lastError],
			);
			if (rows.length > 0) await writePostgresAudit(tx, experience.guildId, null, audit);
			return rows.length > 0;
		});
	}

	async deleteExperience(guildId: string, universeId: string, audit: AuditDraft): Promise<boolean> {
		return this.db.transaction(async (tx) => {
			const rows = await tx.rows("DELETE FROM experience_links WHERE guild_id = $1 AND universe_id = $2 RETURNING universe_id", [guildId, universeId]);
			await tx.rows("DELETE FROM outbox_deliveries WHERE guild_id = $1 AND target_kind = 'experience' AND target_id = $2", [guildId, universeId]);
			await this.dropCursorIfUnfollowed(tx, guildId);
			if (rows.length > 0) await writePostgresAudit(tx, guildId, null, audit);
			return rows.length > 0;
		});
	}

	async markMirrored(guildId: string, universeId: string, at: number): Promise<void> {
		await this.db.rows(
			"UPDATE experience_links SET status = 'ok', last_error = NULL, last_mirrored_at = $3 WHERE guild_id = $1 AND universe_id = $2",
			[guildId, universeId, at],
		);
	}

	async markFailing(guildId: string, universeId: string, words: string, event: OutboxEvent, audit: AuditDraft): Promise<void> {
		await this.db.transaction(async (tx) => {
			const rows = await tx.rows(
				"UPDATE experience_links SET status = 'failing', last_error = $3 WHERE guild_id = $1 AND universe_id = $2 AND status = 'ok' RETURNING universe_id",
				[guildId, universeId, words],
			);
			if (rows.length === 0) return;
			await tx.rows(
				`UPDATE outbox_deliveries SET status = 'failed', next_attempt_at = NULL, lease_owner = NULL, lease_until = NULL
				 WHERE guild_id = $1 AND target_kind = 'experience' AND target_id = $2 AND status = 'pending' AND lease_owner IS NULL`,
				[guildId, universeId],
			);
			await enqueueInPostgres(tx, event, this.clock());
			await writePostgresAudit(tx, guildId, null, audit);
		});
	}

	async enqueue(event: OutboxEvent): Promise<void> {
		await this.db.transaction((tx) => enqueueInPostgres(tx, event, this.clock()));
	}

	async enqueueFor(webhookId: string, event: OutboxEvent, audit: AuditDraft): Promise<void> {
		await this.db.transaction(async (tx) => {
			await tx.rows(
				`INSERT INTO outbox_deliveries (${DELIVERY_COLUMNS})
				 SELECT ${NEW_DELIVERY_ID}, $1, 'webhook', id, $2, $3, 'pending', 0, $4, $4 FROM webhooks WHERE guild_id = $1 AND id = $5`,
				[event.guildId, event.type, eventPayload(event), event.at, webhookId],
			);
			await writePostgresAudit(tx, event.guildId, null, audit);
		});
	}

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
			return true;
		});
	}

	async lease(owner: string, now: number, leaseUntil: number, limit: number): Promise<StoredDelivery[]> {
		const rows = await this.db.rows<DeliveryRow>(
			`UPDATE outbox_deliveries SET lease_owner = $1, lease_until = $2 WHERE id IN (
			 SELECT id FROM outbox_deliveries WHERE status = 'pending' AND next_attempt_at <= $3
			 AND (lease_until IS NULL OR lease_until <= $3) ORDER BY next_attempt_at, created_seq LIMIT $4 FOR UPDATE SKIP LOCKED)
			 RETURNING *`,
			[owner, leaseUntil, now, limit],
		);
		return this.withAttempts(rows);
	}

	async finish(id: string, owner: string, outcome: AttemptOutcome): Promise<void> {
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

	async listDeliveries(webhookId: string, limit: number): Promise<StoredDelivery[]> {
		const rows = await this.db.rows<DeliveryRow>(
			"SELECT * FROM outbox_deliveries WHERE target_kind = 'webhook' AND target_id = $1 ORDER BY created_at DESC, created_seq DESC LIMIT $2",
			[webhookId, limit],
		);
		return this.withAttempts(rows);
	}

	async redeliver(guildId: string, webhookId: string, deliveryId: string, now: number, audit: AuditDraft): Promise<StoredDelivery | undefined> {
		const rows = await this.db.transaction(async (tx) => {
			const redelivered = await tx.rows<DeliveryRow>(
				`UPDATE outbox_deliveries SET status = 'pending', tries = 0, next_attempt_at = $4, lease_owner = NULL, lease_until = NULL
				 WHERE guild_id = $1 AND target_kind = 'webhook' AND target_id = $2 AND id = $3 RETURNING *`,
				[guildId, webhookId, deliveryId, now],
			);
			if (redelivered.length > 0) await writePostgresAudit(tx, guildId, null, audit);
			return redelivered;
		});
		return (await this.withAttempts(rows))[0];
	}

	async pruneFinished(before: number): Promise<void> {
		await this.db.rows("DELETE FROM outbox_deliveries WHERE status <> 'pending' AND created_at < $1", [before]);
	}

	async keysNearExpiry(from: number, to: number, autoExpirySeconds: number): Promise<ExpiringKey[]> {
		const rows = await this.db.rows<{ id: string; guild_id: string; prefix: string; name: string | null; expires_at: number | null; last_activity: number }>(
			`SELECT id, guild_id, prefix, name, expires_at, last_activity FROM (
			   SELECT id, guild_id, prefix, name, expires_at, GREATEST(coalesce(last_used_at, 0), updated_at, created_at) AS last_activity FROM keys
			   WHERE state = 'active' AND guild_id IN (SELECT guild_id FROM webhooks WHERE enabled)) AS live
			 WHERE expires_at BETWEEN $1 AND $2 OR last_activity + $3 BETWEEN $1 AND $2`,
			[from, to, autoExpirySeconds],
		);
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

	async close(): Promise<void> {
		await this.db.close();
	}
}
