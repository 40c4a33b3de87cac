// gateway/moderation/import-rows.ts
// Import jobs as both SQL stores read and write them.

import type { ImportJob, ImportSource, ImportStatus, RefusedLine } from "./import-store";

export interface ImportRow {
	id: string;
	guild_id: string;
	source: ImportSource;
	status: ImportStatus;
	actor: string;
	rows_read: number;
	imported: number;
	skipped: number;
	refused_count: number;
	refused: string;
	error: string | null;
	created_at: number;
	heartbeat_at: number;
	finished_at: number | null;
}

export function toImportJob(row: ImportRow): ImportJob {
	return {
		id: row.id,
		guildId: row.guild_id,
		source: row.source,
		status: row.status,
		actor: row.actor,
		rowsRead: row.rows_read,
		imported: row.imported,
		skipped: row.skipped,
		refusedCount: row.refused_count,
		refused: JSON.parse(row.refused) as RefusedLine[],
		error: row.error,
		createdAt: row.created_at,
		heartbeatAt: row.heartbeat_at,
		finishedAt: row.finished_at,
	};
}

/** The row's values in the order of `IMPORT_JOB_COLUMNS`. */
export function importValues(job: ImportJob): unknown[] {
	return [
		job.id,
		job.guildId,
		job.source,
		job.status,
		job.actor,
		job.rowsRead,
		job.imported,
		job.skipped,
		job.refusedCount,
		JSON.stringify(job.refused),
		job.error,
		job.createdAt,
		job.heartbeatAt,
		job.finishedAt,
	];
}

export const IMPORT_JOB_COLUMNS =
	"id, guild_id, source, status, actor, rows_read, imported, skipped, refused_count, refused, error, created_at, heartbeat_at, finished_at";
