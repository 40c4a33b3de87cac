// gateway/outbound/queue/outbox-rows.ts
// Row shapes of the delivery tables, shared by the SQLite and PostgreSQL stores, and their mapping to records.

import type { Attempt, DeliveryTarget, StoredDelivery } from "./delivery-queue";
import type { ExpiringKey } from "./key-notices";

export interface DeliveryRow {
	id: string;
	guild_id: string;
	target_kind: DeliveryTarget["kind"];
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

export interface ExpiringKeyRow {
	id: string;
	guild_id: string;
	prefix: string;
	name: string | null;
	expires_at: number | null;
	last_activity: number;
}

export function toExpiringKey(row: ExpiringKeyRow): ExpiringKey {
	return { id: row.id, guildId: row.guild_id, prefix: row.prefix, name: row.name, expiresAt: row.expires_at, lastActivity: row.last_activity };
}
