// gateway/outbound/webhooks/webhook-store.ts
// The storage interface of webhooks: a guild's webhooks, and the deliveries each was sent.

import type { WebhookEvent } from "../../../shared/records";
import type { AuditDraft } from "../../keys/key-store";
import type { OutboxEvent } from "../queue/outbox-events";
import type { StoredDelivery } from "../queue/delivery-queue";

export type WebhookFormat = "standard" | "discord";

export interface StoredWebhook {
	id: string;
	guildId: string;
	url: string;
	events: WebhookEvent[];
	format: WebhookFormat;
	enabled: boolean;
	/** The `whsec_` secret sealed with the SecretBox (standard format only). */
	sealedSecret: string | null;
	createdAt: number;
}

/**
 * In the gateway database. Each change writes `audit` into the guild's audit (no key) in its own
 * transaction, and only when it happened (a webhook that was absent records nothing).
 */
export interface WebhookStore {
	/** Also starts following the guild's change log at `changeCursor` when nothing followed it yet. */
	createWebhook(webhook: StoredWebhook, changeCursor: number, audit: AuditDraft): Promise<void>;
	listWebhooks(guildId: string): Promise<StoredWebhook[]>;
	getWebhook(guildId: string, id: string): Promise<StoredWebhook | undefined>;
	/** Writes url, events, format, enabled and the sealed secret as given; false when absent. */
	updateWebhook(webhook: StoredWebhook, audit: AuditDraft): Promise<boolean>;
	/** Drops its deliveries too, and the guild's cursor when nothing follows the guild any more. */
	deleteWebhook(guildId: string, id: string, audit: AuditDraft): Promise<boolean>;

	/** Writes the event for this webhook only (a test-send). */
	enqueueFor(webhookId: string, event: OutboxEvent, audit: AuditDraft): Promise<void>;
	/** The webhook's deliveries, newest first, with their attempts. */
	listDeliveries(webhookId: string, limit: number): Promise<StoredDelivery[]>;
	/** Pending again from now, a new round of retries; undefined when the webhook has no such delivery. */
	redeliver(guildId: string, webhookId: string, deliveryId: string, now: number, audit: AuditDraft): Promise<StoredDelivery | undefined>;
}
