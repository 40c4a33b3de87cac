// gateway/platform/http/fields.ts
// The request fields the API accepts, as zod schemas that decide what passes and word each refusal as the contract's clients read it.

import { z } from "zod";
import { badRequest } from "./envelope";

/** Discord ids (snowflakes) never start with 0; the data store refuses such paths too. */
export const GUILD_ID_DIGITS = "[1-9]\\d{16,19}";
export const GUILD_ID = new RegExp(`^${GUILD_ID_DIGITS}$`);

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

/**
 * How a field read from text (a path or query value) is written on the wire, for the OpenAPI document:
 * `limit=1` is an integer to a generated client, not the string its schema parses. The document
 * writes a registered schema's JSON Schema from this entry instead of from its parse steps.
 */
export interface WireForm {
	type: "integer" | "boolean";
	minimum?: number;
	maximum?: number;
	default?: number | boolean;
	/** What the document's example sends. */
	example?: number | boolean;
}
export const wireForms = z.registry<WireForm>();

/** Registers how `schema`'s text is written on the wire; answers `schema`. */
export function writtenAs<Schema extends z.ZodType>(schema: Schema, form: WireForm): Schema {
	wireForms.add(schema, form);
	return schema;
}

/**
 * Words a refusal from the field's name (`identifiers[3]`, from the issue's path) and the value sent.
 * zod decides whether a value passes; these only say why not, so the wording stays the API's own.
 */
type Words = (field: string, input: unknown) => string;

function fieldName(path: readonly PropertyKey[]): string {
	return path.reduce<string>(
		(name, key) => (typeof key === "number" ? `${name}[${key}]` : name === "" ? String(key) : `${name}.${String(key)}`),
		"",
	);
}

/** The `error` option every part of a field's schema carries, so each of its refusals reads the same. */
function worded(words: Words) {
	return { error: (issue: z.core.$ZodRawIssue) => words(fieldName(issue.path ?? []), issue.input) };
}

/** Express's query parser yields arrays for repeated keys; one value is expected. */
const givenOnce = (words: Words): Words => (field, input) =>
	Array.isArray(input) ? `${field} must be given once, as a plain value` : words(field, input);

const isSafeDecimal = (text: string) => Number.isSafeInteger(Number(text));

/** A positive id below 2^53 written in decimal (path or query string), as a number. */
function decimalId(what: string) {
	const words = worded(givenOnce((field) => `${field} must be ${what}: a positive integer below 2^53, without leading zeros`));
	const id = z
		.string(words)
		.regex(POSITIVE_DECIMAL, words)
		.refine(isSafeDecimal, words)
		.transform(Number)
		.meta({ description: `${what}: a positive integer below 2^53, in decimal without leading zeros` });
	return writtenAs(id, { type: "integer", minimum: 1, maximum: Number.MAX_SAFE_INTEGER });
}

/** A live server's presence (docs/fleets.md): its Roblox JobId (a GUID on live servers) and player count. */
const JOB_ID_PATTERN = /^[A-Za-z0-9-]{1,64}$/;
const MAX_SERVER_PLAYERS = 1_000;
const serverJobIdWords = worded(givenOnce((field) => `${field} must be a Roblox JobId: 1 to 64 letters, digits or hyphens`));
/** A live server's JobId, in a query or a body. */
export const serverJobId = z
	.string(serverJobIdWords)
	.regex(JOB_ID_PATTERN, serverJobIdWords)
	.meta({ description: "The Roblox server's `game.JobId`", example: "5d2a8c4e-1b7f-4e0a-9c3d-2f6b8a1e7c90" });
const playersWords = worded(givenOnce((field) => `${field} must be a whole number of players from 0 to ${MAX_SERVER_PLAYERS}`));
/** How many players a live server holds, in a query. */
export const playersQuery = writtenAs(
	z
		.string(playersWords)
		.regex(/^(0|[1-9][0-9]{0,3})$/, playersWords)
		.refine((value) => Number(value) <= MAX_SERVER_PLAYERS, playersWords)
		.transform(Number)
		.meta({ description: `Players in the server now, 0 to ${MAX_SERVER_PLAYERS}` }),
	{ type: "integer", minimum: 0, maximum: MAX_SERVER_PLAYERS },
);
/** How many players a live server holds, in a JSON body. */
export const playersCount = z
	.int(playersWords)
	.min(0, playersWords)
	.max(MAX_SERVER_PLAYERS, playersWords)
	.meta({ description: `Players in the server now, 0 to ${MAX_SERVER_PLAYERS}` });
export const universeIdQuery = decimalId("a Roblox universe id");

/** A positive id below 2^53 in a JSON body: a number, or a string holding one in decimal. */
function bodyId(what: string) {
	const words = worded((field, input) => {
		if (input === undefined || input === null) return `${field} is required`;
		if (typeof input === "number") return `${field} must be ${what}: a positive integer below 2^53`;
		if (typeof input === "string") return `${field} must be ${what}: a positive integer below 2^53, without leading zeros`;
		return `${field} must be ${what} given as a number or a string of digits`;
	});
	return z
		.union([z.int(words).positive(words), z.string(words).regex(POSITIVE_DECIMAL, words).refine(isSafeDecimal, words)], words)
		.transform(Number)
		.meta({ description: `${what}: a positive integer below 2^53, as a number or a string of digits` });
}

/** A Roblox user id in a path (`:identifier`). */
export const robloxIdText = decimalId("a Roblox user id");
/** The optional `place_id` query: place-specific records apply too when it is given. */
export const placeIdQuery = decimalId("a Roblox place id").optional().transform((id) => id ?? null);

export const robloxId = bodyId("a Roblox user id");
export const universeId = bodyId("a Roblox universe id");
/** A user id that may be left out (absent or null). */
export const optionalRobloxId = robloxId.nullish().transform((id) => id ?? null);
/** Absent or null: the record applies in every place. */
export const placeId = bodyId("a Roblox place id")
	.nullish()
	.transform((id) => id ?? null);

/** Free text of at most `maxChars` characters, counted as a person does (code points, as JSON Schema's maxLength counts). */
function text(maxChars: number) {
	const words = worded((field, input) => (input === undefined || input === null ? `${field} is required` : `${field} must be a string`));
	return z
		.string(words)
		.regex(/\S/, worded((field) => `${field} must not be empty`))
		.refine((value) => [...value].length <= maxChars, worded((field) => `${field} must be at most ${maxChars} characters`))
		.meta({ maxLength: maxChars });
}

export const reason = text(REASON_MAX_CHARS).meta({ description: `Why, shown to moderators (1 to ${REASON_MAX_CHARS} characters)` });
export const optionalReason = reason.nullish().transform((value) => value ?? null);
/** The Roblox server's JobId, kept for the moderation history. */
export const jobId = text(JOB_ID_MAX_CHARS)
	.meta({ description: "The Roblox server's JobId, kept with the record" })
	.nullish()
	.transform((value) => value ?? null);

function durationSeconds(value: string | null | undefined): number | null {
	const match = value === undefined || value === null ? null : DURATION.exec(value);
	return match === null ? null : Number(match[1]) * UNIT_SECONDS[match[2] as keyof typeof UNIT_SECONDS];
}

const durationWords = worded(
	(field) => `${field} must be a number followed by s, m, h or d (e.g. 30s, 5m, 1h, 7d), or permanent`,
);

/** `30s`, `5m`, `1h`, `7d` or `permanent` to milliseconds; absent, null or `permanent` → null. */
export const duration = z
	.union([z.literal("permanent", durationWords), z.string(durationWords).regex(DURATION, durationWords)], durationWords)
	.nullish()
	.refine((value) => (durationSeconds(value) ?? 0) <= MAX_DURATION_SECONDS, {
		error: "duration must be at most 100 years; use permanent for longer",
	})
	.transform((value) => {
		const seconds = durationSeconds(value);
		return seconds === null ? null : seconds * 1000;
	})
	.meta({ description: "How long: a number followed by s, m, h or d (`30s`, `5m`, `1h`, `7d`, at most 100 years), or `permanent` (the default)" });

/**
 * `no_cache` is for the caches in front of the store; the store reads its database on every request,
 * so the value is only checked, to answer a typo the way the gateway would.
 */
export const noCacheQuery = writtenAs(z.enum(["true", "false"], worded(givenOnce((field) => `${field} must be true or false`))), { type: "boolean" })
	.optional()
	.meta({ description: "`true` bypasses every cache" });

const limitWords = worded(givenOnce((field) => `${field} must be an integer from 1 to ${LIST_LIMIT_MAX}`));
export const limitQuery = writtenAs(
	z
		.string(limitWords)
		.regex(POSITIVE_DECIMAL, limitWords)
		.refine((value) => Number(value) <= LIST_LIMIT_MAX, limitWords)
		.default(String(LIST_LIMIT_DEFAULT))
		.transform(Number)
		.meta({ description: `Records per page, 1 to ${LIST_LIMIT_MAX} (default ${LIST_LIMIT_DEFAULT})` }),
	{ type: "integer", minimum: 1, maximum: LIST_LIMIT_MAX, default: LIST_LIMIT_DEFAULT },
);

export const cursorQuery = z
	.string(worded(givenOnce((field) => `${field} must be a string`)))
	.optional()
	.meta({ description: "The `next_cursor` of the previous page; opaque" });

/** A change-log position: 0 or a positive integer below 2^53 (query `after`, header `Last-Event-ID`). */
const sequenceWords = worded(givenOnce((field) => `${field} must be an event sequence: 0 or a positive integer, without leading zeros`));
export const sequence = writtenAs(
	z
		.string(sequenceWords)
		.regex(/^(0|[1-9][0-9]*)$/, sequenceWords)
		.refine(isSafeDecimal, sequenceWords)
		.transform(Number)
		.meta({ description: "An event's `id` (the guild's sequence); events after it are sent" }),
	{ type: "integer", minimum: 0, maximum: Number.MAX_SAFE_INTEGER },
);

/** The batch route's `include_mutes`. */
export const includeMutes = z
	.boolean(worded((field) => `${field} must be true or false`))
	.nullish()
	.transform((value) => value ?? false)
	.meta({ description: "`true` adds `muted` (and `mute_info`) to every result" });

/** A Discord guild id (17 to 20 digits), refused with `message`: the data store and the admin API word it differently. */
export function guildIdParam(message: string) {
	return z.string({ error: message }).regex(GUILD_ID, { error: message }).meta({ description: "Discord guild id (17 to 20 digits)" });
}

/**
 * Parses one part of a request (its params, query or body) or throws a 400 with the first refusal's
 * words, the outermost first: a list of the wrong length is reported before its entries.
 */
export function readPart<Schema extends z.ZodType>(schema: Schema, value: unknown): z.output<Schema> {
	const result = schema.safeParse(value);
	if (result.success) return result.data;
	const [first] = [...result.error.issues].sort((a, b) => a.path.length - b.path.length);
	// A check that found more to say (which CIDRs are invalid) passes it on as the answer's `details`.
	throw badRequest(first.message, first.code === "custom" ? first.params : undefined);
}

const fieldObjects = new WeakMap<z.ZodType, Map<string, z.ZodType>>();

/** Parses one value as the field `field` (so refusals name it), e.g. a path parameter read on its own. */
export function readField<Schema extends z.ZodType>(schema: Schema, field: string, value: unknown): z.output<Schema> {
	let byName = fieldObjects.get(schema);
	if (byName === undefined) fieldObjects.set(schema, (byName = new Map()));
	let object = byName.get(field);
	if (object === undefined) byName.set(field, (object = z.object({ [field]: schema })));
	return (readPart(object, { [field]: value }) as Record<string, z.output<Schema>>)[field];
}
