// gateway/moderation/import-store.ts
// The storage interface of import jobs: one row per import, its progress while it runs and its outcome.

import type { OutboxEvent } from "../outbound/queue/outbox-events";

export type ImportSource = "csv" | "jsonl" | "technified" | "roblox";
export type ImportStatus = "running" | "done" | "failed";

/** A line the import refused, by its line number in the file (or its place in the remote list). */
export interface RefusedLine {
	line: number;
	reason: string;
}

/** Refused lines kept with the job; the count goes on beyond them. */
export const MAX_REFUSED_KEPT = 1_000;

export interface ImportCounts {
	/** Lines (or remote records) read so far. */
	rowsRead: number;
	imported: number;
	skipped: number;
	refusedCount: number;
}

export interface ImportJob extends ImportCounts {
	id: string;
	guildId: string;
	source: ImportSource;
	status: ImportStatus;
	/** Who started it, as the audit names actors (`discord:<id>`, `admin_token`). */
	actor: string;
	refused: RefusedLine[];
	/** Why it failed, in words a person can act on; null unless failed. */
	error: string | null;
	createdAt: number;
	heartbeatAt: number;
	finishedAt: number | null;
}

/** In the gateway database, so one running import per guild holds across instances. */
export interface ImportStore {
	/** false when the guild already has an import running. */
	begin(job: ImportJob): Promise<boolean>;
	/** Progress of a running job; its heartbeat too. */
	progress(id: string, counts: ImportCounts, at: number): Promise<void>;
	/** Ends the job (done or failed) and writes its `moderation.imported` event, in one transaction. */
	finish(job: ImportJob, event: OutboxEvent): Promise<void>;
	get(guildId: string, id: string): Promise<ImportJob | undefined>;
	/** Fails every running job whose heartbeat is older than `before` (its process stopped), with `error`. */
	failStale(before: number, error: string, at: number): Promise<void>;
}
