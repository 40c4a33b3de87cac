// gateway/moderation/sqlite-import-store.ts
// Import jobs in the gateway database's SQLite file.

import type Database from "better-sqlite3";
import { SqliteOutboxWriter } from "../outbound/queue/outbox-writes";
import type { OutboxEvent } from "../outbound/queue/outbox-events";
import { IMPORT_JOB_COLUMNS, importValues, toImportJob, type ImportRow } from "./import-rows";
import type { ImportCounts, ImportJob, ImportStore } from "./import-store";

export class SqliteImportStore implements ImportStore {
	private readonly writer: SqliteOutboxWriter;

	constructor(private readonly db: Database.Database) {
		this.writer = new SqliteOutboxWriter(db);
	}

	async begin(job: ImportJob): Promise<boolean> {
		const placeholders = IMPORT_JOB_COLUMNS.split(", ").map(() => "?").join(", ");
		// The partial unique index keeps one running import per guild; a second is simply not inserted.
		const { changes } = this.db.prepare(`INSERT INTO imports (${IMPORT_JOB_COLUMNS}) VALUES (${placeholders}) ON CONFLICT DO NOTHING`).run(...importValues(job));
		return changes > 0;
	}

	async progress(id: string, counts: ImportCounts, at: number): Promise<void> {
		this.db
			.prepare("UPDATE imports SET rows_read = ?, imported = ?, skipped = ?, refused_count = ?, heartbeat_at = ? WHERE id = ? AND status = 'running'")
			.run(counts.rowsRead, counts.imported, counts.skipped, counts.refusedCount, at, id);
	}

	async finish(job: ImportJob, event: OutboxEvent): Promise<void> {
		this.db
			.transaction(() => {
				this.db
					.prepare(
						`UPDATE imports SET status = ?, rows_read = ?, imported = ?, skipped = ?, refused_count = ?, refused = ?, error = ?,
						 heartbeat_at = ?, finished_at = ? WHERE id = ?`,
					)
					.run(job.status, job.rowsRead, job.imported, job.skipped, job.refusedCount, JSON.stringify(job.refused), job.error, job.heartbeatAt, job.finishedAt, job.id);
				this.writer.enqueue(event);
			})
			.immediate();
	}

	async get(guildId: string, id: string): Promise<ImportJob | undefined> {
		const row = this.db.prepare<[string, string], ImportRow>(`SELECT ${IMPORT_JOB_COLUMNS} FROM imports WHERE guild_id = ? AND id = ?`).get(guildId, id);
		return row === undefined ? undefined : toImportJob(row);
	}

	async failStale(before: number, error: string, at: number): Promise<void> {
		this.db.prepare("UPDATE imports SET status = 'failed', error = ?, finished_at = ? WHERE status = 'running' AND heartbeat_at < ?").run(error, at, before);
	}
}
