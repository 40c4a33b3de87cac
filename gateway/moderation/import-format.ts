// gateway/moderation/import-format.ts
// The import's columns: CSV and JSON lines read into records (each bad line refused with its number), and records written back in them.

import type { ImportedRecord, ModerationRecord } from "../data-store/moderation-store";
import type { RefusedLine } from "./import-store";

/** The columns, in the order an export writes them; `lifted_*` carry a record's history. */
export const IMPORT_COLUMNS = ["roblox_id", "kind", "reason", "by", "created_at", "expires_at", "place_id", "lifted_at", "lifted_by", "lift_reason"] as const;
type Column = (typeof IMPORT_COLUMNS)[number];
/** One line's values by column name; absent and empty alike mean "not given". */
export type ImportLine = Partial<Record<Column, string | number | null>>;

const REASON_MAX_CHARS = 500;
const ACTOR_MAX_CHARS = 100;
const POSITIVE_DECIMAL = /^[1-9][0-9]*$/;
const UNIX_SECONDS = /^[0-9]{1,12}$/;

/** A line refused: its words. */
class Refusal extends Error {}

const text = (value: string | number | null | undefined): string => (value === undefined || value === null ? "" : String(value).trim());

function id(value: string | number | null | undefined, column: Column): number | null {
	const given = text(value);
	if (given === "") return null;
	if (!POSITIVE_DECIMAL.test(given) || !Number.isSafeInteger(Number(given))) throw new Refusal(`${column} must be a positive integer below 2^53`);
	return Number(given);
}

/** Unix seconds, or an ISO 8601 date and time (what an export writes), in ms. */
function time(value: string | number | null | undefined, column: Column): number | null {
	const given = text(value);
	if (given === "") return null;
	const ms = UNIX_SECONDS.test(given) ? Number(given) * 1000 : /^\d{4}-\d{2}-\d{2}T/.test(given) ? Date.parse(given) : Number.NaN;
	if (Number.isNaN(ms)) throw new Refusal(`${column} must be unix seconds or an ISO 8601 date and time (2026-01-31T12:00:00Z)`);
	return ms;
}

function words(value: string | number | null | undefined, column: Column, max: number): string {
	const given = text(value);
	if (given.length > max) throw new Refusal(`${column} is longer than ${max} characters`);
	return given;
}

/** `by`: a Roblox user id, or who acted otherwise (a name, `discord:<id>`); empty: `importer`. */
function actor(value: string | number | null | undefined, column: Column, importer: string): { id: number; actor: string | null } {
	const given = words(value, column, ACTOR_MAX_CHARS);
	if (given === "") return { id: 0, actor: importer };
	return POSITIVE_DECIMAL.test(given) && Number.isSafeInteger(Number(given)) ? { id: Number(given), actor: null } : { id: 0, actor: given };
}

/**
 * One line as a record. `created_at` left out means now, and the line counts as already there when
 * the user already has an active record of its kind and scope.
 */
export function toImportedRecord(line: ImportLine, importer: string): ImportedRecord {
	const robloxId = id(line.roblox_id, "roblox_id");
	if (robloxId === null) throw new Refusal("roblox_id is required");
	const kind = text(line.kind).toLowerCase() || "ban";
	if (kind !== "ban" && kind !== "mute") throw new Refusal("kind must be ban or mute");
	const createdAt = time(line.created_at, "created_at");
	const expiresAt = time(line.expires_at, "expires_at");
	if (expiresAt !== null && createdAt !== null && expiresAt <= createdAt) throw new Refusal("expires_at must be after created_at");
	const liftedAt = time(line.lifted_at, "lifted_at");
	const liftReason = words(line.lift_reason, "lift_reason", REASON_MAX_CHARS);
	if (liftedAt === null && (text(line.lifted_by) !== "" || liftReason !== "")) throw new Refusal("lifted_by and lift_reason need lifted_at");
	const by = actor(line.by, "by", importer);
	const liftedBy = liftedAt === null ? null : actor(line.lifted_by, "lifted_by", importer);
	return {
		kind,
		robloxId,
		placeId: id(line.place_id, "place_id"),
		reason: words(line.reason, "reason", REASON_MAX_CHARS),
		moderatorId: by.id,
		jobId: null,
		createdAt,
		expiresAt,
		liftedAt,
		liftedBy: liftedBy?.id ?? null,
		liftReason: liftedAt === null ? null : liftReason,
		moderatorActor: by.actor,
		liftedByActor: liftedBy?.actor ?? null,
	};
}

/** What reading a file gave: the records, and the lines refused. */
export interface ReadLines {
	records: ImportedRecord[];
	refused: RefusedLine[];
	/** Lines read (the header and blank lines aside). */
	read: number;
}

/** Reads lines into records, refusing each bad one with its number and words (a string: refused already). */
export function readLines(lines: Iterable<{ line: number; values: ImportLine | string }>, importer: string): ReadLines {
	const result: ReadLines = { records: [], refused: [], read: 0 };
	for (const { line, values } of lines) {
		result.read++;
		try {
			if (typeof values === "string") throw new Refusal(values);
			result.records.push(toImportedRecord(values, importer));
		} catch (err) {
			if (!(err instanceof Refusal)) throw err;
			result.refused.push({ line, reason: err.message });
		}
	}
	return result;
}

/** CSV rows (RFC 4180: quoted fields may hold commas, quotes doubled, line breaks), each with the line it starts on. */
function* csvRows(body: string): Generator<{ line: number; cells: string[] }> {
	let line = 1;
	let start = 1;
	let cells: string[] = [];
	let cell = "";
	let quoted = false;
	for (let at = 0; at < body.length; at++) {
		const char = body[at];
		if (quoted) {
			if (char === '"' && body[at + 1] === '"') {
				cell += '"';
				at++;
			} else if (char === '"') quoted = false;
			else {
				if (char === "\n") line++;
				cell += char;
			}
		} else if (char === '"' && cell === "") quoted = true;
		else if (char === ",") {
			cells.push(cell);
			cell = "";
		} else if (char === "\n" || char === "\r") {
			if (char === "\r" && body[at + 1] === "\n") at++;
			cells.push(cell);
			yield { line: start, cells };
			cells = [];
			cell = "";
			start = ++line;
		} else cell += char;
	}
	if (cell !== "" || cells.length > 0) {
		cells.push(cell);
		yield { line: start, cells };
	}
}

/** A CSV file whose first line names the columns (any order; others are ignored). */
export function readCsv(body: string, importer: string): ReadLines {
	const rows = csvRows(body.replace(/^\uFEFF/, ""));
	const header = rows.next();
	if (header.done === true) return { records: [], refused: [], read: 0 };
	const names = header.value.cells.map((name) => name.trim().toLowerCase());
	if (!names.includes("roblox_id")) return { records: [], refused: [{ line: 1, reason: "The first line must name the columns, roblox_id among them" }], read: 0 };
	function* lines() {
		for (const { line, cells } of rows) {
			if (cells.every((cell) => cell.trim() === "")) continue;
			const values: ImportLine = {};
			names.forEach((name, at) => {
				if ((IMPORT_COLUMNS as readonly string[]).includes(name)) values[name as Column] = cells[at];
			});
			yield { line, values };
		}
	}
	return readLines(lines(), importer);
}

/** JSON lines: one object per line with the same fields (ids as numbers or strings). */
export function readJsonLines(body: string, importer: string): ReadLines {
	function* lines() {
		const all = body.replace(/^\uFEFF/, "").split(/\r?\n/);
		for (let at = 0; at < all.length; at++) {
			if (all[at].trim() === "") continue;
			let values: ImportLine | string;
			try {
				const parsed: unknown = JSON.parse(all[at]);
				values = typeof parsed === "object" && parsed !== null && !Array.isArray(parsed) ? (parsed as ImportLine) : "A line must be a JSON object";
			} catch {
				values = "Not valid JSON";
			}
			yield { line: at + 1, values };
		}
	}
	return readLines(lines(), importer);
}

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
const actorOf = (id: number | null, actorName: string | null) => actorName ?? (id === null ? null : String(id));

/** A record in the import's columns: times in ISO 8601 with milliseconds, so it imports back to the same instant. */
export function toImportLine(record: ModerationRecord): Record<Column, string | number | null> {
	return {
		roblox_id: String(record.robloxId),
		kind: record.kind,
		reason: record.reason,
		by: actorOf(record.moderatorId, record.moderatorActor),
		created_at: iso(record.createdAt),
		expires_at: iso(record.expiresAt),
		place_id: record.placeId,
		lifted_at: iso(record.liftedAt),
		lifted_by: record.liftedAt === null ? null : actorOf(record.liftedBy, record.liftedByActor),
		lift_reason: record.liftReason,
	};
}

const csvCell = (value: string | number | null) => {
	const cell = value === null ? "" : String(value);
	return /[",\r\n]/.test(cell) ? `"${cell.replaceAll('"', '""')}"` : cell;
};

export const CSV_HEADER = `${IMPORT_COLUMNS.join(",")}\r\n`;

export function toCsvLine(record: ModerationRecord): string {
	const line = toImportLine(record);
	return `${IMPORT_COLUMNS.map((column) => csvCell(line[column])).join(",")}\r\n`;
}

export function toJsonLine(record: ModerationRecord): string {
	return `${JSON.stringify(toImportLine(record))}\n`;
}
