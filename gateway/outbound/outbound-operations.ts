// gateway/outbound/outbound-operations.ts
// The documented webhook and Roblox experience routes (README, "API summary", "Webhooks and Roblox's own bans"), joined to OPERATIONS.

import { guildParams } from "../keys/key-schemas";
import type { Operation } from "../api-docs/operations";
import {
	createExperienceBody,
	createWebhookBody,
	deliveriesQuery,
	deliveryData,
	deliveryListData,
	deliveryParams,
	experienceData,
	experienceListData,
	experienceParams,
	updateExperienceBody,
	updateWebhookBody,
	webhookIssuedData,
	webhookListData,
	webhookParams,
} from "./outbound-schemas";

const guild = "/admin/v1/guilds/{guildId}";
const webhook = `${guild}/webhooks/{webhookId}`;
const read = [400, 401, 429, 503] as const;
const one = [400, 401, 404, 429, 503] as const;
const write = [400, 401, 404, 413, 415, 429, 503] as const;
// Saving a webhook or link reads where the guild's change log stands, from the data store.
const following = [400, 401, 413, 415, 429, 502, 503, 504] as const;

const operation = (fields: Omit<Operation, "tag" | "caller">): Operation => ({ tag: "Outbound", caller: "admin_token", ...fields });

export const OUTBOUND_OPERATIONS: readonly Operation[] = [
	operation({
		method: "get",
		path: `${guild}/webhooks`,
		summary: "List the guild's webhooks",
		params: guildParams,
		success: { status: 200, description: "Webhooks retrieved", data: webhookListData },
		errors: read,
	}),
	operation({
		method: "post",
		path: `${guild}/webhooks`,
		summary: "Add a webhook",
		description:
			"The URL is resolved and refused (400) when it reaches a private, loopback, link-local or metadata address; it is checked again at each send. " +
			"A `standard` webhook's `whsec_` signing secret is in `data.secret`, this once. Events from now on are sent; earlier ones are not.",
		params: guildParams,
		body: { schema: createWebhookBody, required: true },
		success: { status: 201, description: "Webhook created", data: webhookIssuedData },
		errors: following,
	}),
	operation({
		method: "patch",
		path: webhook,
		summary: "Change a webhook, or roll its secret",
		description: "`roll_secret: true` gives a standard webhook a new secret, in `data.secret` this once; the old one stops signing at once.",
		params: webhookParams,
		body: { schema: updateWebhookBody, required: true },
		success: { status: 200, description: "Webhook updated", data: webhookIssuedData },
		errors: write,
	}),
	operation({
		method: "delete",
		path: webhook,
		summary: "Delete a webhook and its deliveries",
		params: webhookParams,
		success: { status: 204, description: "Deleted", data: null },
		errors: one,
	}),
	operation({
		method: "post",
		path: `${webhook}/test`,
		summary: "Send a test event",
		description: "Queues a `webhook.test` event for this webhook alone; its delivery is listed with the others.",
		params: webhookParams,
		success: { status: 202, description: "Test event queued", data: deliveryData },
		errors: one,
	}),
	operation({
		method: "get",
		path: `${webhook}/deliveries`,
		summary: "The webhook's deliveries with their attempts",
		description:
			"Newest first. A delivery is retried with growing delays (5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h) before it is `failed`. " +
			"Delivered and failed ones are listed for 30 days.",
		params: webhookParams,
		query: deliveriesQuery,
		success: { status: 200, description: "Deliveries retrieved", data: deliveryListData },
		errors: one,
	}),
	operation({
		method: "post",
		path: `${webhook}/deliveries/{deliveryId}/redeliver`,
		summary: "Send a delivery again",
		description: "Pending from now with a new round of retries, under the same `webhook-id`.",
		params: deliveryParams,
		success: { status: 202, description: "Redelivery queued", data: deliveryData },
		errors: one,
	}),
	operation({
		method: "get",
		path: `${guild}/experiences`,
		summary: "List the guild's linked Roblox experiences",
		params: guildParams,
		success: { status: 200, description: "Experiences retrieved", data: experienceListData },
		errors: read,
	}),
	operation({
		method: "post",
		path: `${guild}/experiences`,
		summary: "Link a Roblox experience",
		description:
			"Each later ban and unban of the guild is mirrored into the universe's own bans through Open Cloud's user-restriction API. " +
			"The key is stored encrypted and shown back by its prefix. An Open Cloud 401 or 403 turns the link `failing` (in words in `last_error`) " +
			"and sends `experience.link_failing`; a new key with PATCH resumes it.",
		params: guildParams,
		body: { schema: createExperienceBody, required: true },
		success: { status: 201, description: "Experience linked", data: experienceData },
		errors: [...following, 409],
		conflicts: ["experience_already_linked"],
	}),
	operation({
		method: "patch",
		path: `${guild}/experiences/{universeId}`,
		summary: "Change a linked experience's key or alt-account setting",
		params: experienceParams,
		body: { schema: updateExperienceBody, required: true },
		success: { status: 200, description: "Experience updated", data: experienceData },
		errors: write,
	}),
	operation({
		method: "delete",
		path: `${guild}/experiences/{universeId}`,
		summary: "Unlink an experience",
		params: experienceParams,
		success: { status: 204, description: "Deleted", data: null },
		errors: one,
	}),
];
