// gateway/moderation/import-routes.ts
// Moving in and out (docs/import-export.md): start an import, follow it, stream an export; declared once.

import express, { type Request } from "express";
import { z } from "zod";
import { accessOf } from "../operators/access";
import { ApiError, badRequest, sendSuccess } from "../platform/http/envelope";
import { readPart } from "../platform/http/fields";
import { defineRoute, type Route } from "../platform/http/route";
import { actorLabel } from "./console-routes";
import { consoleParams } from "./console-schemas";
import { upstreamRefusal } from "./data-store-client";
import { exportQuery, importData, importParams, importSourceBody, toImportJobRecord } from "./import-schemas";
import type { ImportInput, ImportService } from "./import-service";

export interface ImportRouteParts {
	imports: ImportService;
}

const CONSOLE = "/admin/v1/guilds/:guildId/moderation";
/** A file larger than this is refused with 413 before it is read. */
export const IMPORT_FILE_LIMIT = "20mb";
const JSON_LINES = /^application\/(x-ndjson|jsonl|x-jsonlines|jsonlines|json-lines)$/;

/** The content type decides: a CSV file, JSON lines, or a JSON body naming a remote source. */
function importInput(req: Request): ImportInput {
	const type = (req.headers["content-type"] ?? "").split(";")[0].trim().toLowerCase();
	const text = Buffer.isBuffer(req.body) ? req.body.toString("utf8") : "";
	if (type === "text/csv") return { source: "csv", text };
	if (JSON_LINES.test(type)) return { source: "jsonl", text };
	if (type !== "application/json") {
		throw new ApiError(415, "unsupported_media_type", "Send a CSV file (text/csv), JSON lines (application/x-ndjson), or a JSON body naming a source");
	}
	let parsed: unknown;
	try {
		parsed = JSON.parse(text);
	} catch {
		throw badRequest("Request body is not valid JSON");
	}
	const body = readPart(importSourceBody, parsed);
	return body.source === "technified" ? { source: "technified", apiKey: body.api_key } : { source: "roblox", universeId: body.universe_id };
}

const EXAMPLE_IMPORT = {
	id: "imp_5f0c6b1d2e3a4f5061728394",
	source: "csv",
	status: "done",
	rows_read: 3,
	imported: 2,
	skipped: 0,
	refused: 1,
	refused_lines: [{ line: 3, reason: "roblox_id must be a positive integer below 2^53" }],
	error: null,
	created_at: 1767225600,
	finished_at: 1767225601,
} as const;

/**
 * Registered in the admin mount before its JSON body reader: an import's body is a file of up to
 * 20 MB in its own content type, read here whole.
 */
export const IMPORT_ROUTES: readonly Route<ImportRouteParts>[] = [
	defineRoute({
		method: "post",
		path: `${CONSOLE}/import`,
		tag: "Moderation",
		summary: "Import bans and mutes",
		description:
			"Needs `moderate`. The body is a CSV file (`text/csv`, a first line naming the columns) or JSON lines (`application/x-ndjson`) " +
			"with the columns `roblox_id`, `kind` (ban|mute, default ban), `reason`, `by`, `created_at`, `expires_at`, `place_id` " +
			"(and, for history, `lifted_at`, `lifted_by`, `lift_reason`; times as unix seconds or ISO 8601), up to 20 MB; or JSON " +
			'`{"source":"technified","api_key":"technified_…"}` (the hosted API\'s active bans and mutes, the key used once and never stored) or ' +
			'`{"source":"roblox","universe_id":"…"}` (a linked experience\'s Roblox bans). 202 with the job; follow it with the import route. ' +
			"A record already there (same user, kind, place and creation time) is skipped, so an import run twice changes nothing. 409 while another import of the guild runs.",
		guard: { caller: "admin", need: { permission: ["moderate"] } },
		request: { params: consoleParams, body: { schema: importSourceBody, required: true, example: { source: "roblox", universe_id: "4483381587" } } },
		answers: [{ status: 202, description: "Import started", data: importData, example: { message: "Import started", data: { import: { ...EXAMPLE_IMPORT, status: "running", rows_read: 0, imported: 0, refused: 0, refused_lines: [], finished_at: null } } } }],
		errors: [409],
		conflicts: ["import_running"],
		handle: ({ imports }) => [
			express.raw({ type: () => true, limit: IMPORT_FILE_LIMIT }),
			async (req, res) => {
				const { guildId } = readPart(consoleParams, req.params);
				const job = await imports.start(guildId, importInput(req), actorLabel(accessOf(res).actor));
				sendSuccess(res, 202, "Import started", { import: toImportJobRecord(job) });
			},
		],
	}),
	defineRoute({
		method: "get",
		path: `${CONSOLE}/imports/:importId`,
		tag: "Moderation",
		summary: "An import's progress and outcome",
		description: "Needs `moderate`. While `running`, `rows_read` grows; at the end, the counts and each refused line with its reason, or the `error` that failed it.",
		guard: { caller: "admin", need: { permission: ["moderate"] } },
		request: { params: importParams },
		answers: [{ status: 200, description: "The import", data: importData, example: { message: "Import", data: { import: EXAMPLE_IMPORT } } }],
		errors: [404],
		handle: ({ imports }) => [
			async (req, res) => {
				const { guildId, importId } = readPart(importParams, req.params);
				sendSuccess(res, 200, "Import", { import: toImportJobRecord(await imports.get(guildId, importId)) });
			},
		],
	}),
	defineRoute({
		method: "get",
		path: `${CONSOLE}/export`,
		tag: "Moderation",
		summary: "Export every ban and mute, with history",
		description:
			"Needs `view`. Every record of the guild, lifted and expired included, in the import's own columns (times in ISO 8601 with milliseconds), " +
			"so the file imports back unchanged into another gateway or guild. Streamed: a large guild starts arriving at once.",
		guard: { caller: "admin", need: { permission: ["view", "moderate"] } },
		request: { params: consoleParams, query: exportQuery },
		answers: [
			{
				status: 200,
				description: "The export (`text/csv`, or `application/x-ndjson` for `format=jsonl`)",
				data: { text: "text/csv", schema: z.string().meta({ example: "roblox_id,kind,reason,by,created_at,expires_at,place_id,lifted_at,lifted_by,lift_reason\r\n261,ban,Exploiting,1,2026-01-01T00:00:00.000Z,,,,,\r\n" }) },
			},
		],
		errors: [502, 504],
		handle: ({ imports }) => [
			async (req, res) => {
				const { guildId } = readPart(consoleParams, req.params);
				const { format } = readPart(exportQuery, req.query);
				res.status(200);
				res.type(format === "csv" ? "text/csv; charset=utf-8" : "application/x-ndjson; charset=utf-8");
				res.setHeader("Content-Disposition", `attachment; filename="moderation-${guildId}.${format}"`);
				try {
					await imports.export(guildId, format, res);
				} catch (err) {
					// Once a page went out, the only honest end is a cut connection, never a short file that looks whole.
					if (res.headersSent) return void res.destroy(err as Error);
					throw upstreamRefusal(err);
				}
				res.end();
			},
		],
	}),
];
