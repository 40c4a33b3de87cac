// gateway/data-store/moderation-rows.ts
// The row shape both SQL moderation stores read, and how a page of active records is cut.

import type { ActivePage, HistoryPage, ListPosition, ModerationKind, ModerationRecord } from "./moderation-store";

/** A `moderation_records` row: snake_case columns, times in ms, ids as numbers. */
export interface RecordRow {
	id: number;
	guild_id: string;
	kind: ModerationKind;
	roblox_id: number;
	place_id: number | null;
	reason: string;
	moderator_id: number;
	job_id: string | null;
	created_at: number;
	expires_at: number | null;
	lifted_at: number | null;
	lifted_by: number | null;
	lift_reason: string | null;
	moderator_actor: string | null;
	lifted_by_actor: string | null;
}

export function toRecord(row: RecordRow): ModerationRecord {
	return {
		id: row.id,
		guildId: row.guild_id,
		kind: row.kind,
		robloxId: row.roblox_id,
		placeId: row.place_id,
		reason: row.reason,
		moderatorId: row.moderator_id,
		jobId: row.job_id,
		createdAt: row.created_at,
		expiresAt: row.expires_at,
		liftedAt: row.lifted_at,
		liftedBy: row.lifted_by,
		liftReason: row.lift_reason,
		moderatorActor: row.moderator_actor,
		liftedByActor: row.lifted_by_actor,
	};
}

/**
 * A page from rows fetched with `limit + 1`: the extra row, when present, only says another page
 * exists, so the store needs no second query to know it.
 */
export function toActivePage(rows: readonly RecordRow[], limit: number): ActivePage {
	const records = rows.slice(0, limit).map(toRecord);
	const last = records.at(-1);
	const more = rows.length > limit && last !== undefined;
	return { records, next: more ? { createdAt: last.createdAt, robloxId: last.robloxId, placeId: last.placeId } : null };
}

/** A list position as the stores' keyset comparison reads it; null starts before every record. */
export function listKey(after: ListPosition | null): { createdAt: number; robloxId: number; placeKey: number } {
	if (after === null) return { createdAt: -1, robloxId: 0, placeKey: 0 };
	return { createdAt: after.createdAt, robloxId: after.robloxId, placeKey: after.placeId ?? 0 };
}

/** A history page from rows (newest first) fetched with `limit + 1` and their place in the user's history. */
export function toHistoryPage(rows: readonly (RecordRow & { ordinal: number })[], limit: number): HistoryPage {
	const shown = rows.slice(0, limit);
	const more = rows.length > limit && shown.length > 0;
	return { records: shown.map(toRecord), next: more ? shown[shown.length - 1].ordinal : null };
}

/** `before` as the stores compare it: no cursor starts above every place a record can have. */
export const historyBefore = (before: number | null) => before ?? Number.MAX_SAFE_INTEGER;
