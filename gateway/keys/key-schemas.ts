// gateway/keys/key-schemas.ts
// Requests and answers of the key management API (docs/api.md, "API summary"): what the admin router and the key service parse with, and what the document shows.

import { z } from "zod";
import { ALL_SCOPES, QUOTA_CATEGORIES, type Actor, type ApiKeyRecord, type AuditActor, type QuotaCategory, type Scope } from "../../shared/records";
import { invalidCidrs } from "../auth/address-matcher";
import type { AuditEventKind } from "./key-store";
import { guildIdParam, writtenAs } from "../platform/http/fields";

const MAX_NAME_LENGTH = 64;
const MAX_ALLOWED_CIDRS = 32;
/** Longest overlap a roll may give the previous secret: 7 days. */
const MAX_ROLL_OVERLAP_SECONDS = 604_800;
/** Latest `expires_at` accepted (9999-12-31): a larger value is almost surely milliseconds. */
const MAX_EXPIRES_AT = 253_402_300_799;
const MAX_AUDIT_LIMIT = 500;

const SCOPES = ALL_SCOPES as readonly [Scope, ...Scope[]];
const KEY_STATUSES = [
	"active",
	"disabled",
	"expired",
	"auto_expired",
	"revoked",
	"moderated",
	"user_moderated",
	"creator_removed",
] as const satisfies readonly ApiKeyRecord["status"][];
const AUDIT_EVENTS = [
	"created",
	"revoked",
	"disabled",
	"enabled",
	"updated",
	"deleted",
	"rolled",
	"moderated",
	"user_moderated",
	"creator_removed",
	"released",
	"member_added",
	"member_updated",
	"member_removed",
	"operator_suspended",
	"operator_unsuspended",
	"webhook_created",
	"webhook_updated",
	"webhook_secret_rolled",
	"webhook_deleted",
	"webhook_test_sent",
	"webhook_redelivered",
	"experience_linked",
	"experience_updated",
	"experience_unlinked",
	"experience_link_failing",
	"discord_command",
	"server_command_sent",
] as const satisfies readonly AuditEventKind[];

export const adminGuildId = guildIdParam("guildId must be a Discord guild id (17-20 digits)");
export const guildParams = z.object({ guildId: adminGuildId });
export const keyParams = z.object({ guildId: adminGuildId, keyId: z.string().meta({ description: "The key's `id`" }) });

/** The admin API's bodies may be left out (read as `{}`); when sent they must be objects. */
function adminBody<Shape extends z.core.$ZodLooseShape>(shape: Shape) {
	return z.object(shape, { error: "body must be a JSON object" });
}

const nameWords = { error: `name must be 1 to ${MAX_NAME_LENGTH} characters without control characters, or null` };
// eslint-disable-next-line no-control-regex -- control characters are exactly what is refused
const NO_CONTROL_CHARACTERS = /^[^\u0000-\u001f\u007f]*$/;
const keyName = z
	.string(nameWords)
	.trim()
	.min(1, nameWords)
	.max(MAX_NAME_LENGTH, nameWords)
	.regex(NO_CONTROL_CHARACTERS, nameWords)
	.nullable()
	.meta({ description: `A label for people, 1 to ${MAX_NAME_LENGTH} characters (trimmed); null clears it` });

/** docs/api.md's "API summary" (v2). */
export const MAX_DESCRIPTION_LENGTH = 256;
const descriptionWords = { error: `description must be at most ${MAX_DESCRIPTION_LENGTH} characters, or null` };
const keyDescription = z
	.string(descriptionWords)
	.trim()
	.max(MAX_DESCRIPTION_LENGTH, descriptionWords)
	.nullable()
	.transform((text) => (text === "" ? null : text))
	.meta({ description: `What the key is for, up to ${MAX_DESCRIPTION_LENGTH} characters (trimmed); null or "" clears it` });

/** Highest per-minute override accepted: far above any default, low enough to stay a quota. */
const MAX_RATE_LIMIT = 100_000;
const rateWords = (category: string) => ({ error: `rate_limits.${category} must be a whole number of requests per minute from 1 to ${MAX_RATE_LIMIT}` });
const perMinute = (category: string) => z.int(rateWords(category)).min(1, rateWords(category)).max(MAX_RATE_LIMIT, rateWords(category)).optional();
/** `moderation`, `lists`, … and `servers`, as a sentence and as a list in code marks. */
const categoryWords = `${QUOTA_CATEGORIES.slice(0, -1).join(", ")} and ${QUOTA_CATEGORIES.at(-1)}`;
const categoryList = QUOTA_CATEGORIES.map((category) => `\`${category}\``).join(", ");
/** One field per quota category, each built by `field`. */
const byCategory = <T extends z.ZodType>(field: (category: string) => T) =>
	Object.fromEntries(QUOTA_CATEGORIES.map((category) => [category, field(category)])) as Record<QuotaCategory, T>;
const keyRateLimits = z
	.strictObject(byCategory(perMinute), { error: `rate_limits must be an object of ${categoryWords} per-minute quotas, or null` })
	.nullable()
	// An empty object sets no override: the same as null.
	.transform((limits) => (limits === null || Object.keys(limits).length === 0 ? null : limits))
	.meta({ description: `Per-minute quotas for this key by category (${categoryList}); a category left out keeps the default; null clears them` });

const allowedScopes = `one or more of ${ALL_SCOPES.join(", ")}`;
const scopeListWords = { error: `scopes must be a list of ${allowedScopes}` };
const keyScopes = z
	.array(z.enum(SCOPES, { error: (issue) => `Unknown scope ${JSON.stringify(issue.input)}: scopes must be ${allowedScopes}` }), scopeListWords)
	.min(1, scopeListWords)
	.transform((scopes) => ALL_SCOPES.filter((scope) => scopes.includes(scope)))
	.meta({ description: "What the key may do; default both" });

const cidrListWords = { error: `allowed_cidrs must be a list of at most ${MAX_ALLOWED_CIDRS} IPv4/IPv6 CIDRs` };
const allowedCidrs = z
	.array(z.string(cidrListWords), cidrListWords)
	.max(MAX_ALLOWED_CIDRS, cidrListWords)
	.transform((list) => [...new Set(list.map((entry) => entry.trim()))])
	.superRefine((list, ctx) => {
		const invalid = invalidCidrs(list);
		if (invalid.length === 0) return;
		ctx.addIssue({
			code: "custom",
			message: `allowed_cidrs has invalid CIDRs: ${invalid.map((entry) => JSON.stringify(entry)).join(", ")}`,
			params: { invalid_cidrs: invalid },
		});
	})
	.meta({ description: "IPv4/IPv6 CIDRs the key may be used from; empty means any address" });

/** The service also refuses a time that is not in the future: that needs its clock. */
export const expiresAtWords = "expires_at must be a future unix time in whole seconds, or null";
const keyExpiresAt = z
	.int({ error: expiresAtWords })
	.max(MAX_EXPIRES_AT, { error: expiresAtWords })
	.nullable()
	.meta({ description: "Unix seconds after which the key is `expired`; null for never" });

export const createKeyBody = adminBody({
	name: keyName.optional(),
	description: keyDescription.optional(),
	scopes: keyScopes.optional(),
	allowed_cidrs: allowedCidrs.optional(),
	expires_at: keyExpiresAt.optional(),
});

/** Scopes are fixed at creation; the service refuses them here with its own words. */
export const updateKeyBody = adminBody({
	name: keyName.optional(),
	description: keyDescription.optional(),
	rate_limits: keyRateLimits.optional(),
	allowed_cidrs: allowedCidrs.optional(),
	expires_at: keyExpiresAt.optional(),
});

const overlapWords = { error: `expire_previous_in_seconds must be an integer from 0 to ${MAX_ROLL_OVERLAP_SECONDS}` };
export const rollOverlap = z
	.number({ error: "expire_previous_in_seconds must be a number of seconds" })
	.int(overlapWords)
	.min(0, overlapWords)
	.max(MAX_ROLL_OVERLAP_SECONDS, overlapWords);

export const rollKeyBody = adminBody({
	expire_previous_in_seconds: rollOverlap
		.default(0)
		.meta({ description: "How long the previous secret keeps working (0, the default: refused at once)" }),
});

// Query values are read as `Number()` reads them, so `1e2` is 100 as it always was.
const auditLimitWords = { error: `limit must be an integer from 1 to ${MAX_AUDIT_LIMIT}` };
export const auditLimit = z.coerce
	.number(auditLimitWords)
	.int(auditLimitWords)
	.min(1, auditLimitWords)
	.max(MAX_AUDIT_LIMIT, auditLimitWords);
export const auditQuery = z.object({
	limit: auditLimit.optional().meta({ description: `Events to return, newest first: 1 to ${MAX_AUDIT_LIMIT} (default 100)` }),
});

export const usageGranularity = z.enum(["minute", "hour"], { error: "granularity must be minute or hour" });
export const usageQuery = z.object({
	granularity: usageGranularity.default("hour"),
	// Its range depends on the granularity: the service checks it, in words naming both.
	window: writtenAs(z.string(), { type: "integer", minimum: 60, maximum: 2_592_000 })
		.optional()
		.meta({ description: "Seconds back from now: 60 to 86400 per minute (default 3600), 60 to 2592000 per hour (default 86400)" }),
});

// Answers.
const unixSeconds = z.int().nonnegative();

export const apiKeyRecord = z.object({
	id: z.string(),
	guild_id: z.string(),
	prefix: z.string().meta({ description: "The first characters of the key, to tell keys apart; never the secret" }),
	name: z.string().nullable(),
	status: z.enum(KEY_STATUSES),
	scopes: z.array(z.enum(SCOPES)),
	allowed_cidrs: z.array(z.string()),
	created_at: unixSeconds,
	last_used_at: unixSeconds.nullable(),
	expires_at: unixSeconds.nullable(),
	revoked_at: unixSeconds.nullable(),
	created_by: z
		.object({ type: z.enum(["admin_token", "operator"]), id: z.string().nullable(), name: z.string().nullable() })
		.meta({ description: "Who generated the current secret; `id` (Discord user id) and `name` are null for the admin token" }),
	description: z.string().nullable(),
	last_used_ip: z.string().nullable().meta({ description: "The address of the key's latest request (TRUST_PROXY decides which address that is)" }),
	rate_limits: z
		.object(byCategory(() => z.int().optional()))
		.nullable()
		.meta({ description: "Per-minute quotas overriding the defaults for this key; null: the defaults" }),
}) satisfies z.ZodType<ApiKeyRecord>;

/** Who made a change: the admin token, or a signed-in operator by Discord user id and name. */
export const actorSchema = z
	.union([
		z.object({ type: z.literal("admin_token") }),
		z.object({ type: z.literal("operator"), id: z.string().meta({ description: "Discord user id" }), name: z.string() }),
	])
	.meta({ description: "Who did it: `admin_token`, or an operator by Discord user id and name" }) satisfies z.ZodType<Actor>;

const fullKey = z.string().meta({ description: "The full API key, shown this once: store it now" });
export const keyListData = z.object({ keys: z.array(apiKeyRecord) });
export const keyIssuedData = z.object({ key: fullKey, api_key: apiKeyRecord });
export const keyRecordData = z.object({ api_key: apiKeyRecord });
export const auditData = z.object({
	events: z.array(
		z.object({
			id: z.int(),
			key_id: z.string().nullable().meta({ description: "The key the event is about; null for member, suspension, webhook and experience events" }),
			event: z.enum(AUDIT_EVENTS),
			actor: z
				.union([actorSchema, z.object({ type: z.literal("system") }).meta({ description: "The gateway itself (an experience link found failing)" })])
				.meta({ description: "Who did it: `admin_token`, an operator, or `system` for what the gateway decided alone" }) satisfies z.ZodType<AuditActor>,
			address: z.string().nullable().meta({ description: "The caller's address; null for changes the gateway made itself" }),
			at: unixSeconds,
			details: z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null(), z.array(z.string())])),
		}),
	),
});
export const usageData = z.object({
	granularity: usageGranularity,
	window: z.int(),
	points: z.array(z.object({ at: unixSeconds, count: z.int().nonnegative() })).meta({ description: "One point per minute or hour, oldest first" }),
	recent_addresses: z
		.array(z.object({ address: z.string(), count: z.int().nonnegative(), last_seen_at: unixSeconds }))
		.meta({ description: "The most recent distinct client addresses (up to 20), most recently seen first, with their request counts (30 days kept)" }),
});
