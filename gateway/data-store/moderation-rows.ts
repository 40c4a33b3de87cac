// gateway/data-store/moderation-rows.ts
// The row shape both SQL moderation stores read, how a page of active records is cut, and what an imported record does.

import type { ServerCommandOrder } from "../../shared/records";
import { REPLACED_LIFT_REASON, type ActivePage, type ChangeEvent, type ModerationChange, type HistoryPage, type ImportedRecord, type ListPosition, type PlannedRecord, type ModerationKind, type ModerationRecord } from "./moderation-store";

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

/** What importing one record does, given every record of its user, kind and scope already in the guild. */
type ImportStep =
	| { skip: true }
	/** Insert `record`; first lift `replaces` (the older active record it replaces), when given. */
	| { skip: false; record: PlannedRecord; replaces: { id: number; by: PlannedRecord } | null };

const activeAt = (record: Pick<ModerationRecord, "liftedAt" | "expiresAt">, now: number) =>
	record.liftedAt === null && (record.expiresAt === null || record.expiresAt > now);

/**
 * Shared by both stores, so they decide alike: a record of the same creation instant is already
 * there; of two active records of one scope, only the newer stays active, as `impose` leaves them.
 */
function planImport(imported: ImportedRecord, sameScope: readonly ModerationRecord[], now: number): ImportStep {
	const current = activeAt(imported, now) ? sameScope.find((existing) => activeAt(existing, now)) : undefined;
	if (imported.createdAt === null ? current !== undefined : sameScope.some((existing) => existing.createdAt === imported.createdAt)) return { skip: true };
	const record = { ...imported, createdAt: imported.createdAt ?? now };
	if (current === undefined) return { skip: false, record, replaces: null };
	if (current.createdAt > record.createdAt) {
		const replaced = {
			...record,
			liftedAt: current.createdAt,
			liftedBy: current.moderatorId,
			liftReason: REPLACED_LIFT_REASON,
			liftedByActor: current.moderatorActor,
		};
		return { skip: false, record: replaced, replaces: null };
	}
	return { skip: false, record, replaces: { id: current.id, by: record } };
}

/** What a page of an import writes: new records in order, and existing records lifted as replaced. */
export interface ImportPlan {
	inserts: PlannedRecord[];
	lifts: { id: number; liftedAt: number; liftedBy: number; liftedByActor: string | null }[];
}

const scopeKey = (record: { kind: ModerationKind; robloxId: number; placeId: number | null }) => `${record.kind}:${record.robloxId}:${record.placeId ?? ""}`;

/**
 * `planImport` for a page of records at once, against `existing` (every record of the page's users in
 * the guild) and the page's own earlier records, so a store reads once and writes in bulk.
 */
export function planImportPage(records: readonly ImportedRecord[], existing: readonly ModerationRecord[], now: number): ImportPlan {
	const scopes = new Map<string, ModerationRecord[]>();
	const inScope = (key: string) => scopes.get(key) ?? scopes.set(key, []).get(key)!;
	for (const record of existing) inScope(scopeKey(record)).push({ ...record });
	const pending: ModerationRecord[] = [];
	const lifted = new Set<ModerationRecord>();
	for (const record of records) {
		const scope = inScope(scopeKey(record));
		const step = planImport(record, scope, now);
		if (step.skip) continue;
		if (step.replaces !== null) {
			const { id, by } = step.replaces;
			const target = scope.find((candidate) => candidate.id === id)!;
			Object.assign(target, { liftedAt: by.createdAt, liftedBy: by.moderatorId, liftReason: REPLACED_LIFT_REASON, liftedByActor: by.moderatorActor });
			lifted.add(target);
		}
		// Negative ids until written: never equal to a stored record's.
		const added = { ...step.record, id: -1 - pending.length, guildId: "" };
		pending.push(added);
		scope.push(added);
	}
	return {
		inserts: pending.map(({ id: _id, guildId: _guild, ...record }) => record),
		lifts: [...lifted].filter((record) => record.id > 0).map((record) => ({ id: record.id, liftedAt: record.liftedAt!, liftedBy: record.liftedBy!, liftedByActor: record.liftedByActor })),
	};
}

/** The change-log columns read beside a record's (which are all null for a `reset` and a `command`). */
export interface ChangeColumns {
	change_seq: number;
	change_event: ChangeEvent | "reset" | "command";
	change_job_id: string | null;
	change_at: number;
	/** A `command`'s order, as JSON. */
	change_command: string | null;
}

export function toChange(row: RecordRow & ChangeColumns): ModerationChange {
	if (row.change_event === "reset") return { seq: row.change_seq, event: "reset", record: null, jobId: null, at: row.change_at };
	if (row.change_event === "command") {
		return { seq: row.change_seq, event: "command", record: null, jobId: row.change_job_id, command: JSON.parse(row.change_command ?? "{}") as ServerCommandOrder, at: row.change_at };
	}
	return { seq: row.change_seq, event: row.change_event, record: toRecord(row), jobId: row.change_job_id, at: row.change_at };
}
