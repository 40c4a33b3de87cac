// gateway/outbound/webhooks/sqlite-webhook-store.ts
// Webhooks in the gateway database's SQLite file, each change audited in its own transaction.

import type Database from "better-sqlite3";
import { SqliteAuditWriter } from "../../keys/audit-writes";
import type { AuditDraft } from "../../keys/key-store";
import type { StoredDelivery } from "../queue/delivery-queue";
import type { OutboxEvent } from "../queue/outbox-events";
import type { DeliveryRow } from "../queue/outbox-rows";
import { SqliteOutboxWriter } from "../queue/outbox-writes";
import { followFrom, unfollowIfIdle, withAttempts } from "../queue/sqlite-queue-stores";
import { toWebhook, type WebhookRow } from "./webhook-rows";
import type { StoredWebhook, WebhookStore } from "./webhook-store";

export class SqliteWebhookStore implements WebhookStore {
	private readonly audit: SqliteAuditWriter;
	private readonly writer: SqliteOutboxWriter;

	constructor(private readonly db: Database.Database) {
		this.audit = new SqliteAuditWriter(db);
		this.writer = new SqliteOutboxWriter(db);
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
				followFrom(this.db, webhook.guildId, changeCursor);
				this.audit.write(webhook.guildId, null, audit);
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
				if (changes > 0) this.audit.write(webhook.guildId, null, audit);
				return changes > 0;
			})
			.immediate();
	}

	async deleteWebhook(guildId: string, id: string, audit: AuditDraft): Promise<boolean> {
		return this.db
			.transaction(() => {
				const { changes } = this.db.prepare("DELETE FROM webhooks WHERE guild_id = ? AND id = ?").run(guildId, id);
				this.db.prepare("DELETE FROM outbox_deliveries WHERE target_kind = 'webhook' AND target_id = ?").run(id);
				unfollowIfIdle(this.db, guildId);
				if (changes > 0) this.audit.write(guildId, null, audit);
				return changes > 0;
			})
			.immediate();
	}

	async enqueueFor(webhookId: string, event: OutboxEvent, audit: AuditDraft): Promise<void> {
		this.db
			.transaction(() => {
				this.writer.enqueueFor(webhookId, event);
				this.audit.write(event.guildId, null, audit);
			})
			.immediate();
	}

	async listDeliveries(webhookId: string, limit: number): Promise<StoredDelivery[]> {
		const rows = this.db
			.prepare<[string, number], DeliveryRow>(
				`SELECT * FROM outbox_deliveries WHERE target_kind = 'webhook' AND target_id = ? ORDER BY created_at DESC, rowid DESC LIMIT ?`,
			)
			.all(webhookId, limit);
		return withAttempts(this.db, rows);
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
				if (redelivered !== undefined) this.audit.write(guildId, null, audit);
				return redelivered;
			})
			.immediate();
		return row === undefined ? undefined : withAttempts(this.db, [row])[0];
	}
}
