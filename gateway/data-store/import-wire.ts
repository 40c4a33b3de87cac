// gateway/data-store/import-wire.ts
// The data store's internal import, export and command routes: records whole (times in ms), behind the internal token only.

import { z } from "zod";

/** Imports and exports page at most this many records per call. */
export const RECORDS_PAGE_MAX = 5_000;

const id = z.number().int().positive().max(Number.MAX_SAFE_INTEGER);
const ms = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);
const words = z.string().max(2_000);

/** One record as the gateway's import sends it: `ImportedRecord`, checked again here. */
export const importedRecord = z.object({
	kind: z.enum(["ban", "mute"]),
	robloxId: id,
	placeId: id.nullable(),
	reason: words,
	moderatorId: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
	jobId: z.string().max(100).nullable(),
	createdAt: ms.nullable(),
	expiresAt: ms.nullable(),
	liftedAt: ms.nullable(),
	liftedBy: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER).nullable(),
	liftReason: words.nullable(),
	moderatorActor: words.nullable(),
	liftedByActor: words.nullable(),
});

export const importBody = z.object({ records: z.array(importedRecord).max(RECORDS_PAGE_MAX), reset: z.enum(["never", "if_imported", "always"]) });

export const recordsQuery = z.object({
	after: z.coerce.number().int().min(0).default(0),
	limit: z.coerce.number().int().min(1).max(RECORDS_PAGE_MAX).default(RECORDS_PAGE_MAX),
});

/** An order for live servers as the gateway appends it to the change log (docs/fleets.md), checked again here. */
export const commandBody = z.object({
	id: z.string().min(1).max(64),
	kind: z.enum(["kick", "message", "shutdown"]),
	job_id: z.string().max(100).nullable(),
	user_id: z.string().max(20).optional(),
	text: z.string().max(2_000).optional(),
	reason: words.optional(),
});

/** Paths under `/api/v1/moderation/:guildId`. */
export const IMPORT_PATH = "/records/import";
export const COMMANDS_PATH = "/commands";
export const RECORDS_PATH = "/records";

/** A page of 5,000 records as JSON is about 2 MB; the route's own limit, far above the API's 16 KB. */
export const IMPORT_BODY_LIMIT = "8mb";
