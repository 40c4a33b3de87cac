// gateway/moderation/request-fields.ts
// Reads single request fields (the ban-status path and query, a write's roblox_id) through the API's schemas, for the checks before the data store (the gateway's cache).

import type { Request } from "express";
import { noCacheQuery, placeIdQuery, readField, readPart, robloxId, robloxIdText } from "../platform/http/fields";
import { guildParams } from "./moderation-schemas";
import { badRequest } from "../platform/http/envelope";

/** A named path parameter; express types them loosely because wildcards yield arrays. */
export function pathParam(req: Request, name: string): string {
	const value: unknown = req.params[name];
	if (typeof value !== "string") throw badRequest(`${name} is missing from the path`);
	return value;
}

/** A Discord guild id: 17 to 20 digits. */
export function parseGuildId(value: string): string {
	return readPart(guildParams, { guildId: value }).guildId;
}

/** A Roblox user id written in a path or query string. */
export function parseRobloxIdText(field: string, text: string): number {
	return readField(robloxIdText, field, text);
}

/**
 * A write's `roblox_id` in the canonical decimal the data store reads it as (the body's own schema, so
 * `"7"` and `7` name one user); undefined when the data store will refuse it.
 */
export function bodyRobloxId(body: unknown): string | undefined {
	const parsed = robloxId.safeParse((body as { roblox_id?: unknown } | undefined)?.roblox_id);
	return parsed.success ? String(parsed.data) : undefined;
}

/** The optional `place_id` query: place-specific records apply too when it is given. */
export function readPlaceIdQuery(req: Request): number | null {
	return readField(placeIdQuery, "place_id", req.query.place_id);
}

/** `no_cache` must be `true` or `false` when given; the caches in front of the store act on it. */
export function checkNoCacheQuery(req: Request): void {
	readField(noCacheQuery, "no_cache", req.query.no_cache);
}
