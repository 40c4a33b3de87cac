// gateway/data-store/request-fields.ts
// Reads path parameters, query strings and body fields into typed values, or throws a 400 naming the field.

import type { Request } from "express";
import { badRequest } from "../http/envelope";
import { isGuildId } from "../keys/api-key";

// Canonical decimal only: "007" and "7" would otherwise be two cache keys for one user.
const POSITIVE_DECIMAL = /^[1-9][0-9]*$/;
const DURATION = /^([1-9][0-9]*)([smhd])$/;
const UNIT_SECONDS = { s: 1, m: 60, h: 3_600, d: 86_400 } as const;
/** Longer than any game will live; anything beyond it should be `permanent`. */
const MAX_DURATION_SECONDS = 100 * 365 * 86_400;
const REASON_MAX_CHARS = 500;
const JOB_ID_MAX_CHARS = 100;
const LIST_LIMIT_MAX = 500;
const LIST_LIMIT_DEFAULT = 100;

export type JsonObject = Record<string, unknown>;

/** A named path parameter; express types them loosely because wildcards yield arrays. */
export function pathParam(req: Request, name: string): string {
	const value: unknown = req.params[name];
	if (typeof value !== "string") throw badRequest(`${name} is missing from the path`);
	return value;
}

/** A Discord guild id: 17 to 20 digits. */
export function parseGuildId(value: string): string {
	if (!isGuildId(value)) throw badRequest("guildId must be a Discord guild id (17 to 20 digits)");
	return value;
}

function parsePositiveDecimal(field: string, text: string, what: string): number {
	const value = Number(text);
	if (!POSITIVE_DECIMAL.test(text) || !Number.isSafeInteger(value)) {
		throw badRequest(`${field} must be ${what}: a positive integer below 2^53, without leading zeros`);
	}
	return value;
}

/** A Roblox user id written in a path or query string. */
export function parseRobloxIdText(field: string, text: string): number {
	return parsePositiveDecimal(field, text, "a Roblox user id");
}

/** A positive id below 2^53 in a JSON body: a number, or a string holding one in decimal. */
function readPositiveId(field: string, value: unknown, what: string): number {
	if (typeof value === "number") {
		if (Number.isSafeInteger(value) && value > 0) return value;
		throw badRequest(`${field} must be ${what}: a positive integer below 2^53`);
	}
	if (typeof value === "string") return parsePositiveDecimal(field, value, what);
	if (value === undefined || value === null) throw badRequest(`${field} is required`);
	throw badRequest(`${field} must be ${what} given as a number or a string of digits`);
}

export function readRobloxId(field: string, value: unknown): number {
	return readPositiveId(field, value, "a Roblox user id");
}

/** A user id that may be left out (absent or null). */
export function readOptionalRobloxId(field: string, value: unknown): number | null {
	return value === undefined || value === null ? null : readRobloxId(field, value);
}

/** Absent or null: the record applies in every place. */
export function readPlaceId(value: unknown): number | null {
	if (value === undefined || value === null) return null;
	return readPositiveId("place_id", value, "a Roblox place id");
}

/** Express's query parser yields arrays for repeated keys; one value is expected. */
function queryValue(req: Request, field: string): string | undefined {
	const value: unknown = req.query[field];
	if (value === undefined || typeof value === "string") return value;
	throw badRequest(`${field} must be given once, as a plain value`);
}

/** The optional `place_id` query: place-specific records apply too when it is given. */
export function readPlaceIdQuery(req: Request): number | null {
	const text = queryValue(req, "place_id");
	return text === undefined ? null : parsePositiveDecimal("place_id", text, "a Roblox place id");
}

/**
 * The batch route's `place_id`: in the body, or (as the single route takes it) in the query string.
 * Given in both, they must agree: two places in one request would leave the answer ambiguous.
 */
export function readBatchPlaceId(req: Request, bodyValue: unknown): number | null {
	const fromBody = readPlaceId(bodyValue);
	const fromQuery = readPlaceIdQuery(req);
	if (fromBody !== null && fromQuery !== null && fromBody !== fromQuery) {
		throw badRequest("place_id was given in the body and the query string with different values");
	}
	return fromBody ?? fromQuery;
}

/** The batch route's `include_mutes`: absent or false leaves mutes out of the answer. */
export function readIncludeMutes(value: unknown): boolean {
	if (value === undefined || value === null) return false;
	if (typeof value !== "boolean") throw badRequest("include_mutes must be true or false");
	return value;
}

/**
 * `no_cache` is for the caches in front of the store; the store reads its database on every request,
 * so the value is only checked, to answer a typo the way the gateway would.
 */
export function checkNoCacheQuery(req: Request): void {
	const text = queryValue(req, "no_cache");
	if (text !== undefined && text !== "true" && text !== "false") throw badRequest("no_cache must be true or false");
}

/** A change-log position (`after`): 0 or a positive integer; undefined when absent. */
export function readSequenceQuery(req: Request, field: string): number | undefined {
	const text = queryValue(req, field);
	return text === undefined ? undefined : parseSequence(field, text);
}

/** A sequence written in a query string or the `Last-Event-ID` header. */
export function parseSequence(field: string, text: string): number {
	const value = Number(text);
	if (!/^(0|[1-9][0-9]*)$/.test(text) || !Number.isSafeInteger(value)) {
		throw badRequest(`${field} must be an event sequence: 0 or a positive integer, without leading zeros`);
	}
	return value;
}

export function readLimitQuery(req: Request): number {
	const text = queryValue(req, "limit");
	if (text === undefined) return LIST_LIMIT_DEFAULT;
	const value = Number(text);
	if (!POSITIVE_DECIMAL.test(text) || value > LIST_LIMIT_MAX) {
		throw badRequest(`limit must be an integer from 1 to ${LIST_LIMIT_MAX}`);
	}
	return value;
}

export function readCursorQuery(req: Request): string | undefined {
	return queryValue(req, "cursor");
}

/** The JSON body as an object; express leaves `req.body` undefined when no JSON was sent. */
export function readBody(req: Request): JsonObject {
	const body: unknown = req.body;
	if (typeof body !== "object" || body === null || Array.isArray(body)) {
		throw badRequest("Request body must be a JSON object (Content-Type: application/json)");
	}
	return body as JsonObject;
}

/** Counts characters as a person does (code points), not UTF-16 units. */
function readText(field: string, value: unknown, maxChars: number): string {
	if (typeof value !== "string") throw badRequest(`${field} must be a string`);
	if (value.trim() === "") throw badRequest(`${field} must not be empty`);
	if ([...value].length > maxChars) throw badRequest(`${field} must be at most ${maxChars} characters`);
	return value;
}

export function readReason(value: unknown): string {
	if (value === undefined || value === null) throw badRequest("reason is required");
	return readText("reason", value, REASON_MAX_CHARS);
}

export function readOptionalReason(value: unknown): string | null {
	return value === undefined || value === null ? null : readText("reason", value, REASON_MAX_CHARS);
}

/** The Roblox server's JobId, kept for the moderation history. */
export function readJobId(value: unknown): string | null {
	return value === undefined || value === null ? null : readText("job_id", value, JOB_ID_MAX_CHARS);
}

/** `30s`, `5m`, `1h`, `7d` or `permanent` to milliseconds; absent, null or `permanent` → null. */
export function readDuration(value: unknown): number | null {
	if (value === undefined || value === null || value === "permanent") return null;
	const match = typeof value === "string" ? DURATION.exec(value) : null;
	if (match === null) {
		throw badRequest("duration must be a number followed by s, m, h or d (e.g. 30s, 5m, 1h, 7d), or permanent");
	}
	const seconds = Number(match[1]) * UNIT_SECONDS[match[2] as keyof typeof UNIT_SECONDS];
	if (seconds > MAX_DURATION_SECONDS) throw badRequest("duration must be at most 100 years; use permanent for longer");
	return seconds * 1000;
}
