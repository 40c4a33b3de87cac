// gateway/outbound/queue/outbox-rows.ts
// Row shapes of the outbox tables, shared by the SQLite and PostgreSQL stores, and their mapping to records.

import type { WebhookEvent } from "../../../shared/records";
import type { Attempt, StoredDelivery, StoredExperience, StoredWebhook, WebhookFormat } from "./outbox-store";

export interface WebhookRow {
	id: string;
	guild_id: string;
	url: string;
	events: string;
	format: WebhookFormat;
	enabled: number | boolean;
	sealed_secret: string | null;
	created_at: number;
}

export interface ExperienceRow {
	guild_id: string;
	universe_id: string;
	sealed_key: string;
	key_prefix: string;
	exclude_alt_accounts: number | boolean;
	status: "ok" | "failing";
	last_error: string | null;
	last_mirrored_at: number | null;
	created_at: number;
}

export interface DeliveryRow {
	id: string;
	guild_id: string;
	target_kind: "webhook" | "experience";
	target_id: string;
	event: string;
	payload: string;
	status: StoredDelivery["status"];
	tries: number;
	next_attempt_at: number | null;
	created_at: number;
}

export interface AttemptRow {
	delivery_id: string;
	at: number;
	status_code: number | null;
	error: string | null;
}

export function toWebhook(row: WebhookRow): StoredWebhook {
	return {
		id: row.id,
		guildId: row.guild_id,
		url: row.url,
		events: JSON.parse(row.events) as WebhookEvent[],
		format: row.format,
		enabled: Boolean(row.enabled),
		sealedSecret: row.sealed_secret,
		createdAt: row.created_at,
	};
}

export function toExperience(row: ExperienceRow): StoredExperience {
	return {
		guildId: row.guild_id,
		universeId: row.universe_id,
		sealedKey: row.sealed_key,
		keyPrefix: row.key_prefix,
		excludeAltAccounts: Boolean(row.exclude_alt_accounts),
		status: row.status,
		lastError: row.last_error,
		lastMirroredAt: row.last_mirrored_at,
		createdAt: row.created_at,
	};
}

export function toDelivery(row: DeliveryRow, attempts: AttemptRow[]): StoredDelivery {
	return {
		id: row.id,
		guildId: row.guild_id,
		target: { kind: row.target_kind, id: row.target_id },
		event: row.event,
		payload: row.payload,
		status: row.status,
		tries: row.tries,
		nextAttemptAt: row.next_attempt_at,
		createdAt: row.created_at,
		attempts: attempts.map((attempt): Attempt => ({ at: attempt.at, statusCode: attempt.status_code, error: attempt.error })),
	};
}
