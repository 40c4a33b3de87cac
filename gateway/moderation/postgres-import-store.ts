// gateway/moderation/postgres-import-store.ts
// Import jobs in the gateway database's PostgreSQL tables, shared by every instance.

import type { PostgresDatabase } from "../platform/db/postgres-database";
import { enqueueInPostgres } from "../outbound/queue/outbox-writes";
import type { OutboxEvent } from "../outbound/queue/outbox-events";
import { IMPORT_JOB_COLUMNS, importValues, toImportJob, type ImportRow } from "./import-rows";
import type { ImportCounts, ImportJob, ImportStore } from "./import-store";

export class PostgresImportStore implements ImportStore {
	constructor(private readonly db: PostgresDatabase) {}

	async begin(job: ImportJob): Promise<boolean> {
		const placeholders = IMPORT_JOB_COLUMNS.split(", ").map((_, at) => `$${at + 1}`).join(", ");
		// The partial unique index keeps one running import per guild; a second is simply not inserted.
		const rows = await this.db.rows(`INSERT INTO imports (${IMPORT_JOB_COLUMNS}) VALUES (${placeholders}) ON CONFLICT DO NOTHING RETURNING id`, importValues(job));
		return rows.length > 0;
	}

	async progress(id: string, counts: ImportCounts, at: number): Promise<void> {
		await this.db.rows(
			"UPDATE imports SET rows_read = $2, imported = $3, skipped = $4, refused_count = $5, heartbeat_at = $6 WHERE id = $1 AND status = 'running'",
			[id, counts.rowsRead, counts.imported, counts.skipped, counts.refusedCount, at],
		);
	}

	async finish(job: ImportJob, event: OutboxEvent): Promise<void> {
		await this.db.transaction(async (tx) => {
			await tx.rows(
				`UPDATE imports SET status = $2, rows_read = $3, imported = $4, skipped = $5, refused_count = $6, refused = $7, error = $8,
				 heartbeat_at = $9, finished_at = $10 WHERE id = $1`,
				[job.id, job.status, job.rowsRead, job.imported, job.skipped, job.refusedCount, JSON.stringify(job.refused), job.error, job.heartbeatAt, job.finishedAt],
			);
			await enqueueInPostgres(tx, event);
		});
	}

	async get(guildId: string, id: string): Promise<ImportJob | undefined> {
		const [row] = await this.db.rows<ImportRow>(`SELECT ${IMPORT_JOB_COLUMNS} FROM imports WHERE guild_id = $1 AND id = $2`, [guildId, id]);
		return row === undefined ? undefined : toImportJob(row);
	}

	async failStale(before: number, error: string, at: number): Promise<void> {
		await this.db.rows("UPDATE imports SET status = 'failed', error = $1, finished_at = $2 WHERE status = 'running' AND heartbeat_at < $3", [error, at, before]);
	}
}
