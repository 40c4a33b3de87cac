// gateway/outbound/webhooks/webhook-rows.ts
// The row shape of the webhooks table, shared by the SQLite and PostgreSQL stores, and its mapping to a record.

import type { WebhookEvent } from "../../../shared/records";
import type { StoredWebhook, WebhookFormat } from "./webhook-store";

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
