// gateway/outbound/experiences/experience-rows.ts
// The row shape of the experience_links table, shared by the SQLite and PostgreSQL stores, and its mapping to a record.

import type { PushStatus, StoredExperience } from "./experience-store";

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
	push_status: PushStatus;
	push_error: string | null;
	last_pushed_at: number | null;
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
		pushStatus: row.push_status,
		pushError: row.push_error,
		lastPushedAt: row.last_pushed_at,
	};
}
