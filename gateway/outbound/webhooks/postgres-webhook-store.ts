// gateway/outbound/webhooks/postgres-webhook-store.ts
// Webhooks in the gateway database's PostgreSQL tables, each change audited in its own transaction.

import { writePostgresAudit } from "../../keys/audit-writes";
import type { AuditDraft } from "../../keys/key-store";
import type { PostgresDatabase } from "../../platform/db/postgres-database";
import type { StoredDelivery } from "../queue/delivery-queue";
import type { OutboxEvent } from "../queue/outbox-events";
import type { DeliveryRow } from "../queue/outbox-rows";
import { enqueueForInPostgres } from "../queue/outbox-writes";
import { followFrom, unfollowIfIdle, withAttempts } from "../queue/postgres-queue-stores";
import { toWebhook, type WebhookRow } from "./webhook-rows";
import type { StoredWebhook, WebhookStore } from "./webhook-store";

export class PostgresWebhookStore implements WebhookStore {
	constructor(private readonly db: PostgresDatabase) {}

	async createWebhook(webhook: StoredWebhook, changeCursor: number, audit: AuditDraft): Promise<void> {
		await this.db.transaction(async (tx) => {
			await tx.rows(
				`INSERT INTO webhooks (id, guild_id, url, events, format, enabled, sealed_secret, created_at)
				 VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
				[webhook.id, webhook.guildId, webhook.url, JSON.stringify(webhook.events), webhook.format, webhook.enabled, webhook.sealedSecret, webhook.createdAt],
			);
			await followFrom(tx, webhook.guildId, changeCursor);
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
			await unfollowIfIdle(tx, guildId);
			if (rows.length > 0) await writePostgresAudit(tx, guildId, null, audit);
			return rows.length > 0;
		});
	}

	async enqueueFor(webhookId: string, event: OutboxEvent, audit: AuditDraft): Promise<void> {
		await this.db.transaction(async (tx) => {
			await enqueueForInPostgres(tx, webhookId, event);
			await writePostgresAudit(tx, event.guildId, null, audit);
		});
	}

	async listDeliveries(webhookId: string, limit: number): Promise<StoredDelivery[]> {
		const rows = await this.db.rows<DeliveryRow>(
			"SELECT * FROM outbox_deliveries WHERE target_kind = 'webhook' AND target_id = $1 ORDER BY created_at DESC, created_seq DESC LIMIT $2",
			[webhookId, limit],
		);
		return withAttempts(this.db, rows);
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
		return (await withAttempts(this.db, rows))[0];
	}
}
