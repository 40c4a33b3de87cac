// gateway/outbound/webhooks/webhook-service.ts
// A guild's webhooks for the admin API: add (URL checked), change, roll the secret, test-send, list and redeliver deliveries.

import { randomUUID } from "node:crypto";
import type { z } from "zod";
import type { createWebhookBody, deliveryRecord, updateWebhookBody, webhookRecord } from "../outbound-schemas";
import type { ChangeFeed } from "../../changes/change-feed";
import { ApiError, badRequest, notFound } from "../../platform/http/envelope";
import type { AuditDetails, AuditDraft, AuditEventKind, ChangedBy } from "../../keys/key-store";
import { checkOutboundUrl, OutboundRefused, type OutboundPolicy } from "../../platform/http/outbound-http";
import { WEBHOOK_SECRET_PURPOSE } from "../queue/delivery-worker";
import type { StoredDelivery } from "../queue/delivery-queue";
import { TEST_EVENT } from "../queue/outbox-events";
import type { ExperienceStore } from "../experiences/experience-store";
import type { StoredWebhook, WebhookStore } from "./webhook-store";
import type { SecretBox } from "../../platform/secrets/secret-box";
import { newWebhookSecret } from "./webhook-messages";

export interface OutboundParts {
	webhooks: WebhookStore;
	experiences: ExperienceStore;
	secrets: SecretBox;
	policy: OutboundPolicy;
	/** Where a guild's change log stands when it is first followed: earlier changes are not sent. */
	feed: ChangeFeed;
	clock: () => number;
	/** Tells the delivery worker there is something to send. */
	wake: () => void;
	/** An experience link was unlinked or given a new key: which universes are pushed may have changed. */
	onLinksChanged?: () => void;
}

type WebhookRecord = z.infer<typeof webhookRecord>;
type DeliveryRecord = z.infer<typeof deliveryRecord>;

const webhookNotFound = () => notFound("Webhook not found");

/** The guild audit event of an outbound change (clock in ms, audit in unix seconds), written by the store with the change. */
export function outboundAudit(event: AuditEventKind, details: AuditDetails, by: ChangedBy, clock: () => number): AuditDraft {
	return { event, ...by, at: Math.floor(clock() / 1000), details };
}

/** What the audit says of a webhook: never its secret. */
const webhookDetails = (webhook: StoredWebhook): AuditDetails => ({ webhook_id: webhook.id, url: webhook.url, events: webhook.events, format: webhook.format, enabled: webhook.enabled });

export function toWebhookRecord(webhook: StoredWebhook): WebhookRecord {
	return { id: webhook.id, url: webhook.url, events: webhook.events, format: webhook.format, enabled: webhook.enabled, created_at: Math.floor(webhook.createdAt / 1000) };
}

export function toDeliveryRecord(delivery: StoredDelivery): DeliveryRecord {
	return {
		id: delivery.id,
		event: delivery.event,
		status: delivery.status,
		attempts: delivery.attempts.map((attempt) => ({ at: attempt.at, status_code: attempt.statusCode, error: attempt.error })),
		next_attempt_at: delivery.nextAttemptAt === null ? null : Math.floor(delivery.nextAttemptAt / 1000),
		created_at: Math.floor(delivery.createdAt / 1000),
	};
}

/**
 * Where the guild's change log stands now: a new webhook or link is sent the changes after it. The data
 * store not answering is its 502, not a 500.
 */
export async function changeLogHead(feed: ChangeFeed, guildId: string): Promise<number> {
	try {
		return (await feed.after(guildId, Number.MAX_SAFE_INTEGER)).head;
	} catch {
		throw new ApiError(502, "upstream_unavailable", "The data store is unreachable, so the guild's change log cannot be followed yet; try again shortly");
	}
}

/** The URL as checked when saved: refusals are a 400 naming why (never a request sent to find out). */
export async function checkedUrl(url: string, policy: OutboundPolicy): Promise<string> {
	try {
		return (await checkOutboundUrl(url, policy)).toString();
	} catch (err) {
		if (err instanceof OutboundRefused) throw badRequest(`url is refused: ${err.message}`);
		throw err;
	}
}

export class WebhookService {
	constructor(private readonly parts: OutboundParts) {}

	async create(guildId: string, body: z.output<typeof createWebhookBody>, by: ChangedBy): Promise<{ webhook: WebhookRecord; secret?: string }> {
		const { webhooks: store, secrets, policy, feed, clock } = this.parts;
		const url = await checkedUrl(body.url, policy);
		const secret = body.format === "standard" ? newWebhookSecret() : undefined;
		const webhook: StoredWebhook = {
			id: `wh_${randomUUID().replaceAll("-", "")}`,
			guildId,
			url,
			events: body.events,
			format: body.format,
			enabled: true,
			sealedSecret: secret === undefined ? null : secrets.seal(secret, WEBHOOK_SECRET_PURPOSE),
			createdAt: clock(),
		};
		await store.createWebhook(webhook, await changeLogHead(feed, guildId), outboundAudit("webhook_created", webhookDetails(webhook), by, clock));
		return { webhook: toWebhookRecord(webhook), ...(secret === undefined ? {} : { secret }) };
	}

	async list(guildId: string): Promise<WebhookRecord[]> {
		return (await this.parts.webhooks.listWebhooks(guildId)).map(toWebhookRecord);
	}

	async update(guildId: string, id: string, body: z.output<typeof updateWebhookBody>, by: ChangedBy): Promise<{ webhook: WebhookRecord; secret?: string }> {
		const { webhooks: store, secrets, policy, clock } = this.parts;
		const current = await store.getWebhook(guildId, id);
		if (current === undefined) throw webhookNotFound();
		const format = body.format ?? current.format;
		// A webhook turned standard needs a secret; one turned discord keeps none.
		const rolled = format === "standard" && (body.roll_secret === true || current.sealedSecret === null);
		if (body.roll_secret === true && format !== "standard") throw badRequest("roll_secret applies only to standard webhooks");
		const secret = rolled ? newWebhookSecret() : undefined;
		const next: StoredWebhook = {
			...current,
			url: body.url === undefined ? current.url : await checkedUrl(body.url, policy),
			events: body.events ?? current.events,
			format,
			enabled: body.enabled ?? current.enabled,
			sealedSecret: format === "discord" ? null : secret === undefined ? current.sealedSecret : secrets.seal(secret, WEBHOOK_SECRET_PURPOSE),
		};
		const audit = outboundAudit(rolled ? "webhook_secret_rolled" : "webhook_updated", webhookDetails(next), by, clock);
		if (!(await store.updateWebhook(next, audit))) throw webhookNotFound();
		return { webhook: toWebhookRecord(next), ...(secret === undefined ? {} : { secret }) };
	}

	async delete(guildId: string, id: string, by: ChangedBy): Promise<void> {
		const audit = outboundAudit("webhook_deleted", { webhook_id: id }, by, this.parts.clock);
		if (!(await this.parts.webhooks.deleteWebhook(guildId, id, audit))) throw webhookNotFound();
	}

	/** Sends a `webhook.test` event to this webhook alone, through the outbox like any other. */
	async test(guildId: string, id: string, by: ChangedBy): Promise<DeliveryRecord> {
		const { webhooks: store, clock } = this.parts;
		if ((await store.getWebhook(guildId, id)) === undefined) throw webhookNotFound();
		const audit = outboundAudit("webhook_test_sent", { webhook_id: id }, by, clock);
		await store.enqueueFor(id, { guildId, type: TEST_EVENT, at: clock(), data: { guild_id: guildId, webhook_id: id } }, audit);
		this.parts.wake();
		const [newest] = await store.listDeliveries(id, 1);
		return toDeliveryRecord(newest);
	}

	async deliveries(guildId: string, id: string, limit: number): Promise<DeliveryRecord[]> {
		const { webhooks: store } = this.parts;
		if ((await store.getWebhook(guildId, id)) === undefined) throw webhookNotFound();
		return (await store.listDeliveries(id, limit)).map(toDeliveryRecord);
	}

	async redeliver(guildId: string, id: string, deliveryId: string, by: ChangedBy): Promise<DeliveryRecord> {
		const { webhooks: store, clock } = this.parts;
		if ((await store.getWebhook(guildId, id)) === undefined) throw webhookNotFound();
		const audit = outboundAudit("webhook_redelivered", { webhook_id: id, delivery_id: deliveryId }, by, clock);
		const delivery = await store.redeliver(guildId, id, deliveryId, clock(), audit);
		if (delivery === undefined) throw notFound("Delivery not found");
		this.parts.wake();
		return toDeliveryRecord(delivery);
	}
}
