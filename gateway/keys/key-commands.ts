// gateway/keys/key-commands.ts
// What the key admin is asked to do, already parsed: the key routes turn request bodies and queries into these commands.

import type { RateLimitOverrides, Scope } from "../../shared/records";
import { readPart } from "../platform/http/fields";
import { badRequest } from "../platform/http/envelope";
import { auditQuery, createKeyBody, rollKeyBody, updateKeyBody, usageQuery } from "./key-schemas";
import { USAGE_RETENTION_SECONDS } from "./usage-recorder";

/** A new key's fields; what is left out gets its default (both scopes, any address, no expiry). */
export interface NewKey {
	name?: string | null;
	description?: string | null;
	scopes?: Scope[];
	allowedCidrs?: string[];
	/** Unix seconds; the key admin refuses a time that is not ahead of its clock. */
	expiresAt?: number | null;
}

/** The fields to change (at least one); null clears name, description, expiry and quotas. */
export interface KeyUpdate {
	name?: string | null;
	description?: string | null;
	allowedCidrs?: string[];
	expiresAt?: number | null;
	rateLimits?: RateLimitOverrides | null;
}

export interface UsageQuery {
	granularity: "minute" | "hour";
	/** Seconds back from now: 60 to 86400 per minute, 60 to 2592000 per hour. */
	window: number;
}

/** The admin API's bodies may be left out: read as `{}` (a `null` sent is refused as not an object). */
const orEmpty = (body: unknown) => (body === undefined ? {} : body);

export function readNewKey(body: unknown): NewKey {
	const fields = readPart(createKeyBody, orEmpty(body));
	return {
		name: fields.name,
		description: fields.description,
		scopes: fields.scopes,
		allowedCidrs: fields.allowed_cidrs,
		expiresAt: fields.expires_at,
	};
}

export function readKeyUpdate(body: unknown): KeyUpdate {
	const sent = orEmpty(body);
	if (typeof sent === "object" && sent !== null && "scopes" in sent && sent.scopes !== undefined) {
		throw badRequest("scopes cannot be changed; create a key with the scopes it needs");
	}
	const fields = readPart(updateKeyBody, sent);
	const update: KeyUpdate = {
		name: fields.name,
		description: fields.description,
		allowedCidrs: fields.allowed_cidrs,
		expiresAt: fields.expires_at,
		rateLimits: fields.rate_limits,
	};
	if (Object.values(update).every((value) => value === undefined)) {
		throw badRequest("Nothing to update: set name, description, allowed_cidrs, expires_at or rate_limits");
	}
	return update;
}

/** Seconds the previous secret keeps working after a roll. */
export function readRollOverlap(body: unknown): number {
	return readPart(rollKeyBody, orEmpty(body)).expire_previous_in_seconds;
}

/** How many audit events to answer: 1 to 500, default 100. */
export function readAuditLimit(query: unknown): number {
	return readPart(auditQuery, query).limit ?? 100;
}

export function readUsageQuery(query: unknown): UsageQuery {
	const { granularity, window: windowText } = readPart(usageQuery, query);
	// Its range depends on the granularity (a non-number becomes NaN and fails here).
	const window = windowText === undefined ? (granularity === "minute" ? 3_600 : 86_400) : Number(windowText);
	const maxWindow = granularity === "minute" ? 86_400 : USAGE_RETENTION_SECONDS;
	if (!Number.isInteger(window) || window < 60 || window > maxWindow) {
		throw badRequest(`window must be an integer number of seconds from 60 to ${maxWindow} for ${granularity}s`);
	}
	return { granularity, window };
}
