// gateway/outbound/outbound-schemas.ts
// Requests and answers of the webhook and Roblox experience routes (docs/api.md, "API summary" and "Webhooks and Roblox's own bans").

import { z } from "zod";
import { WEBHOOK_EVENTS } from "../../shared/records";
import { adminGuildId } from "../keys/key-schemas";
import { writtenAs } from "../platform/http/fields";

const MAX_URL_LENGTH = 2_048;
const MAX_DELIVERIES = 100;

export const webhookParams = z.object({ guildId: adminGuildId, webhookId: z.string().meta({ description: "The webhook's `id`" }) });
export const deliveryParams = webhookParams.extend({ deliveryId: z.string().meta({ description: "The delivery's `id` (its `webhook-id`)" }) });

const universeWords = { error: "universe_id must be a Roblox universe id: a positive integer below 2^53, in decimal" };
const universeId = z
	.string(universeWords)
	.regex(/^[1-9][0-9]{0,15}$/, universeWords)
	.refine((text) => Number.isSafeInteger(Number(text)), universeWords)
	.meta({ description: "A Roblox universe (experience) id, in decimal" });
/** In a path the id is digits a client writes from a number; in a body it stays the string it always was. */
export const experienceParams = z.object({
	guildId: adminGuildId,
	universeId: writtenAs(universeId.meta({ description: "A Roblox universe (experience) id" }), { type: "integer", minimum: 1, maximum: Number.MAX_SAFE_INTEGER }),
});

const urlWords = { error: `url must be an https URL of at most ${MAX_URL_LENGTH} characters` };
const webhookUrl = z
	.string(urlWords)
	.trim()
	.min(1, urlWords)
	.max(MAX_URL_LENGTH, urlWords)
	.meta({ description: "Where events are POSTed: https (plain http only to loopback with OUTBOUND_ALLOW_LOOPBACK); private, link-local and metadata addresses are refused" });
const eventList = `one or more of ${WEBHOOK_EVENTS.join(", ")}`;
const eventsWords = { error: `events must be a list of ${eventList}` };
const webhookEvents = z
	.array(z.enum(WEBHOOK_EVENTS, { error: (issue) => `Unknown event ${JSON.stringify(issue.input)}: events must be ${eventList}` }), eventsWords)
	.min(1, eventsWords)
	.transform((events) => WEBHOOK_EVENTS.filter((event) => events.includes(event)))
	.meta({ description: "The events to send" });
const webhookFormat = z
	.enum(["standard", "discord"], { error: "format must be standard or discord" })
	.meta({ description: "`standard`: signed per Standard Webhooks; `discord`: a Discord webhook message with an embed" });

const bodyObject = { error: "body must be a JSON object" };
export const createWebhookBody = z.object(
	{ url: webhookUrl, events: webhookEvents, format: webhookFormat.default("standard") },
	bodyObject,
);
export const updateWebhookBody = z.object(
	{
		url: webhookUrl.optional(),
		events: webhookEvents.optional(),
		format: webhookFormat.optional(),
		enabled: z.boolean({ error: "enabled must be true or false" }).optional(),
		roll_secret: z
			.boolean({ error: "roll_secret must be true or false" })
			.optional()
			.meta({ description: "`true` replaces the signing secret; the new one is in `data.secret`, this once" }),
	},
	bodyObject,
);

const apiKeyWords = { error: "api_key must be a Roblox Open Cloud API key (20 to 4096 characters, no spaces)" };
const openCloudKey = z
	.string(apiKeyWords)
	.trim()
	.min(20, apiKeyWords)
	.max(4_096, apiKeyWords)
	.regex(/^\S+$/, apiKeyWords)
	.meta({ description: "An Open Cloud API key with universe.user-restriction:write for the universe; stored encrypted, shown back only by prefix" });
const excludeAlts = z
	.boolean({ error: "exclude_alt_accounts must be true or false" })
	.meta({ description: "`true` turns off Roblox's alt-account detection for mirrored bans" });

export const createExperienceBody = z.object(
	{ universe_id: universeId, api_key: openCloudKey, exclude_alt_accounts: excludeAlts.default(false) },
	bodyObject,
);
export const updateExperienceBody = z.object({ api_key: openCloudKey.optional(), exclude_alt_accounts: excludeAlts.optional() }, bodyObject);

const deliveriesLimitWords = { error: `limit must be an integer from 1 to ${MAX_DELIVERIES}` };
export const deliveriesQuery = z.object({
	limit: z.coerce
		.number(deliveriesLimitWords)
		.int(deliveriesLimitWords)
		.min(1, deliveriesLimitWords)
		.max(MAX_DELIVERIES, deliveriesLimitWords)
		.default(50)
		.meta({ description: `Deliveries to return, newest first: 1 to ${MAX_DELIVERIES} (default 50)` }),
});

// Answers.
const unixSeconds = z.int().nonnegative();

export const webhookRecord = z.object({
	id: z.string(),
	url: z.string(),
	events: z.array(z.enum(WEBHOOK_EVENTS)),
	format: z.enum(["standard", "discord"]),
	enabled: z.boolean(),
	created_at: unixSeconds,
});
const signingSecret = z.string().meta({ description: "The `whsec_` signing secret, shown this once" });
export const webhookIssuedData = z.object({ webhook: webhookRecord, secret: signingSecret.optional() });
export const webhookListData = z.object({ webhooks: z.array(webhookRecord) });

export const deliveryRecord = z.object({
	id: z.string().meta({ description: "Also the `webhook-id` header: the same on every attempt" }),
	event: z.string(),
	status: z.enum(["pending", "delivered", "failed"]),
	attempts: z.array(
		z.object({
			at: unixSeconds,
			status_code: z.int().nullable().meta({ description: "The receiver's status; null when no answer came" }),
			error: z.string().nullable().meta({ description: "Why the attempt did not deliver, in words; null when it did" }),
		}),
	),
	next_attempt_at: unixSeconds.nullable(),
	created_at: unixSeconds,
});
export const deliveryListData = z.object({ deliveries: z.array(deliveryRecord) });
export const deliveryData = z.object({ delivery: deliveryRecord });

export const experienceRecord = z.object({
	universe_id: z.string(),
	key_prefix: z.string().meta({ description: "The first characters of the Open Cloud key; never the key" }),
	exclude_alt_accounts: z.boolean(),
	status: z.enum(["ok", "failing"]),
	last_error: z.string().nullable().meta({ description: "Why mirroring stopped, in words" }),
	last_mirrored_at: unixSeconds.nullable(),
	created_at: unixSeconds,
	push_status: z.enum(["unknown", "ok", "failing"]).meta({
		description: "Whether changes are published to the universe's topic `Technified`: unknown until a first publish answers, failing when the key may not publish",
	}),
	push_error: z.string().nullable().meta({ description: "Why publishing stopped, in words" }),
	last_pushed_at: unixSeconds.nullable(),
});
export const experienceData = z.object({ experience: experienceRecord });
export const experienceListData = z.object({ experiences: z.array(experienceRecord) });
