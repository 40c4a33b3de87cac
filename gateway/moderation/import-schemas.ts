// gateway/moderation/import-schemas.ts
// Requests and answers of the import and export routes (docs/import-export.md).

import { z } from "zod";
import { adminGuildId } from "../keys/key-schemas";
import type { ImportJob } from "./import-store";

export const importParams = z.object({ guildId: adminGuildId, importId: z.string().meta({ description: "The import's `id`" }) });
export const exportQuery = z.object({
	format: z
		.enum(["csv", "jsonl"], { error: "format must be csv or jsonl" })
		.default("csv")
		.meta({ description: "`csv` (a header line, then one record a line) or `jsonl` (one JSON object a line)", example: "csv" }),
});

const hostedKey = z
	.string({ error: "api_key must be a key of the hosted Technified API (technified_…)" })
	.regex(/^technified_[A-Za-z0-9_-]{8,200}$/, { error: "api_key must be a key of the hosted Technified API (technified_…)" });

/** A remote import, as JSON; a file comes as its own content type (`text/csv`, `application/x-ndjson`). */
export const importSourceBody = z.discriminatedUnion(
	"source",
	[
		z.object({
			source: z.literal("technified"),
			api_key: hostedKey.meta({ description: "A key of the hosted Technified API with the `moderation` read scope; used for this import only, never stored" }),
		}),
		z.object({
			source: z.literal("roblox"),
			universe_id: z.string().regex(/^[1-9][0-9]{0,15}$/, { error: "universe_id must be a linked universe's id" }).meta({ description: "A universe linked under Experiences" }),
		}),
	],
	{ error: 'source must be "technified" (with api_key) or "roblox" (with universe_id)' },
);

const refusedLine = z.object({ line: z.int().meta({ description: "Line number in the file (from 1, the header included), or place in the remote list" }), reason: z.string() });

export const importJobRecord = z.object({
	id: z.string(),
	source: z.enum(["csv", "jsonl", "technified", "roblox"]),
	status: z.enum(["running", "done", "failed"]),
	rows_read: z.int().meta({ description: "Lines or remote records read so far" }),
	imported: z.int(),
	skipped: z.int().meta({ description: "Already there: an import run twice skips every line the second time" }),
	refused: z.int(),
	refused_lines: z.array(refusedLine).meta({ description: "Each refused line with its reason (the first 1,000)" }),
	error: z.string().nullable().meta({ description: "Why the import failed (the remote API's own words when it refused)" }),
	created_at: z.int(),
	finished_at: z.int().nullable(),
});
export const importData = z.object({ import: importJobRecord });

export function toImportJobRecord(job: ImportJob): z.infer<typeof importJobRecord> {
	return {
		id: job.id,
		source: job.source,
		status: job.status,
		rows_read: job.rowsRead,
		imported: job.imported,
		skipped: job.skipped,
		refused: job.refusedCount,
		refused_lines: job.refused,
		error: job.error,
		created_at: Math.floor(job.createdAt / 1000),
		finished_at: job.finishedAt === null ? null : Math.floor(job.finishedAt / 1000),
	};
}
