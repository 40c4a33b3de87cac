// gateway/outbound/queue/outbox-store.ts
// The storage interface of the outbox (README, "Webhooks and Roblox's own bans"): webhooks, experience links, deliveries and their attempts.

import type { WebhookEvent } from "../../../shared/records";
import type { AuditDraft } from "../../keys/key-store";

/** Events mirrored into Roblox's own bans by every linked experience. */
export const MIRRORED_EVENTS: readonly WebhookEvent[] = ["ban.created", "ban.lifted"];

/** Sent only to the one webhook a test-send names. */
export const TEST_EVENT = "webhook.test";

export type WebhookFormat = "standard" | "discord";

/** An event as written to the outbox: what happened, in the guild, with the payload's `data`. */
export interface OutboxEvent {
	guildId: string;
	type: WebhookEvent | typeof TEST_EVENT;
	/** Unix milliseconds of the change. */
	at: number;
	data: Record<string, unknown>;
}

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

export interface StoredExperience {
	guildId: string;
	universeId: string;
	/** The Open Cloud key sealed with the SecretBox. */
	sealedKey: string;
	keyPrefix: string;
	excludeAltAccounts: boolean;
	status: "ok" | "failing";
	lastError: string | null;
	lastMirroredAt: number | null;
	createdAt: number;
}

export type DeliveryTarget = { kind: "webhook"; id: string } | { kind: "experience"; id: string };

export interface Attempt {
	/** Unix seconds. */
	at: number;
	statusCode: number | null;
	error: string | null;
}

export interface StoredDelivery {
	/** Also the Standard Webhooks `webhook-id`: the same on every attempt of one event. */
	id: string;
	guildId: string;
	target: DeliveryTarget;
	event: string;
	/** The JSON event `{type, timestamp, data}`, exactly as signed and sent. */
	payload: string;
	status: "pending" | "delivered" | "failed";
	/** Failed attempts in the current round (a redelivery starts a new round): the retry schedule's position. */
	tries: number;
	/** Unix milliseconds; null once delivered or failed. */
	nextAttemptAt: number | null;
	createdAt: number;
	attempts: Attempt[];
}

/** What an attempt ended in, as the worker decides it. */
export type AttemptOutcome =
	| { result: "delivered"; attempt: Attempt }
	| { result: "retry"; attempt: Attempt; nextAttemptAt: number }
	| { result: "failed"; attempt: Attempt };

/** A change-log page turned into events, to write with the guild's cursor moved from `from` to `to`. */
export interface CursorAdvance {
	guildId: string;
	from: number;
	to: number;
	events: OutboxEvent[];
}

/** A key whose expiry or auto-expiry is near or just past (times in unix seconds). */
export interface ExpiringKey {
	id: string;
	guildId: string;
	prefix: string;
	name: string | null;
	expiresAt: number | null;
	/** The latest of last use, last change and creation: auto-expiry runs from it. */
	lastActivity: number;
}

/**
 * Lives in the key store's database so key events are written in the key change's own transaction
 * (the key stores call the same enqueue statements). Every method is async so PostgreSQL fits.
 */
export interface OutboxStore {
	// Each change below writes `audit` into the guild's audit (key_audit, no key) in its own transaction,
	// and only when it happened (a webhook or link that was absent records nothing).

	createWebhook(webhook: StoredWebhook, changeCursor: number, audit: AuditDraft): Promise<void>;
	listWebhooks(guildId: string): Promise<StoredWebhook[]>;
	getWebhook(guildId: string, id: string): Promise<StoredWebhook | undefined>;
	/** Writes url, events, format, enabled and the sealed secret as given; false when absent. */
	updateWebhook(webhook: StoredWebhook, audit: AuditDraft): Promise<boolean>;
	deleteWebhook(guildId: string, id: string, audit: AuditDraft): Promise<boolean>;

	/** false when the guild already links that universe. */
	createExperience(experience: StoredExperience, changeCursor: number, audit: AuditDraft): Promise<boolean>;
	listExperiences(guildId: string): Promise<StoredExperience[]>;
	getExperience(guildId: string, universeId: string): Promise<StoredExperience | undefined>;
	updateExperience(experience: StoredExperience, audit: AuditDraft): Promise<boolean>;
	deleteExperience(guildId: string, universeId: string, audit: AuditDraft): Promise<boolean>;
	/** Records a mirror that worked: status ok, last_mirrored_at. */
	markMirrored(guildId: string, universeId: string, at: number): Promise<void>;
	/**
	 * Turns the link `failing` with the words, fails its pending deliveries and writes an
	 * `experience.link_failing` event, in one transaction; nothing happens when it already fails.
	 */
	markFailing(guildId: string, universeId: string, words: string, event: OutboxEvent, audit: AuditDraft): Promise<void>;

	/** Writes the event for every matching target (webhooks asking for it; linked experiences for bans). */
	enqueue(event: OutboxEvent): Promise<void>;
	/** Writes the event for one webhook only (test-send). */
	enqueueFor(webhookId: string, event: OutboxEvent, audit: AuditDraft): Promise<void>;

	/** Guilds with a webhook or experience link, with where their change-log cursor stands. */
	followedGuilds(): Promise<{ guildId: string; after: number }[]>;
	/**
	 * Writes the events and moves the cursor in one transaction, only if it still stands at `from`
	 * (another instance got there first otherwise: false, nothing written). So each change enters once.
	 */
	advanceCursor(advance: CursorAdvance): Promise<boolean>;

	/**
	 * Leases up to `limit` due pending deliveries to `owner` until `leaseUntil` (ms). A leased row is
	 * not handed to anyone else until the lease ends, so no two workers send one attempt at once.
	 */
	lease(owner: string, now: number, leaseUntil: number, limit: number): Promise<StoredDelivery[]>;
	/** Records the attempt and its outcome, if `owner` still holds the lease. */
	finish(id: string, owner: string, outcome: AttemptOutcome): Promise<void>;
	/** The webhook's deliveries, newest first, with their attempts. */
	listDeliveries(webhookId: string, limit: number): Promise<StoredDelivery[]>;
	/** Pending again from now, a new round of retries; undefined when the webhook has no such delivery. */
	redeliver(guildId: string, webhookId: string, deliveryId: string, now: number, audit: AuditDraft): Promise<StoredDelivery | undefined>;

	/** Drops delivered and failed deliveries (with their attempts) created before `before` (ms), to bound the tables. */
	pruneFinished(before: number): Promise<void>;

	/** Active keys of guilds with webhooks whose expiry or auto-expiry falls in [from, to] (unix seconds). */
	keysNearExpiry(from: number, to: number, autoExpirySeconds: number): Promise<ExpiringKey[]>;
	/** Writes the event unless this (key, kind, period) was already noticed: exactly once, across restarts. */
	noticeOnce(keyId: string, kind: string, period: number, event: OutboxEvent): Promise<boolean>;

	close(): Promise<void>;
}
