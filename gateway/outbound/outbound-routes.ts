// gateway/outbound/outbound-routes.ts
// The webhook and Roblox experience routes of the admin API (docs/api.md, "API summary" and "Webhooks and Roblox's own bans"), all [administer_keys], declared once.

import { guildParams } from "../keys/key-schemas";
import { changedBy } from "../operators/access";
import { sendSuccess } from "../platform/http/envelope";
import { readPart } from "../platform/http/fields";
import { defineRoute, type Route } from "../platform/http/route";
import type { ExperienceService } from "./experiences/experience-service";
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
import type { WebhookService } from "./webhooks/webhook-service";

export interface OutboundAdmin {
	webhooks: WebhookService;
	experiences: ExperienceService;
}

const GUILD = "/admin/v1/guilds/:guildId";
const WEBHOOK = `${GUILD}/webhooks/:webhookId`;
/** A body left out is read as `{}`, so its required fields are named. */
const bodyOf = (value: unknown) => value ?? {};
/** Saving a webhook or link reads where the guild's change log stands, from the data store. */
const FOLLOWING = [502, 504] as const;

const outbound = (fields: Omit<Route<OutboundAdmin>, "tag" | "guard">): Route<OutboundAdmin> =>
	defineRoute({ tag: "Outbound", guard: { caller: "admin", need: { permission: ["administer_keys"] } }, ...fields });

const WEBHOOK_EXAMPLE = { url: "https://example.com/technified", events: ["ban.created"], format: "standard" };

export const OUTBOUND_ROUTES: readonly Route<OutboundAdmin>[] = [
	outbound({
		method: "get",
		path: `${GUILD}/webhooks`,
		summary: "List the guild's webhooks",
		request: { params: guildParams },
		answers: [{ status: 200, description: "Webhooks retrieved", data: webhookListData }],
		handle: ({ webhooks }) => [
			async (req, res) => {
				const { guildId } = readPart(guildParams, req.params);
				sendSuccess(res, 200, "Webhooks retrieved", { webhooks: await webhooks.list(guildId) });
			},
		],
	}),
	outbound({
		method: "post",
		path: `${GUILD}/webhooks`,
		summary: "Add a webhook",
		description:
			"The URL is resolved and refused (400) when it reaches a private, loopback, link-local or metadata address; it is checked again at each send. " +
			"A `standard` webhook's `whsec_` signing secret is in `data.secret`, this once. Events from now on are sent; earlier ones are not.",
		request: { params: guildParams, body: { schema: createWebhookBody, required: true, example: WEBHOOK_EXAMPLE } },
		answers: [{ status: 201, description: "Webhook created", data: webhookIssuedData }],
		errors: FOLLOWING,
		handle: ({ webhooks }) => [
			async (req, res) => {
				const { guildId } = readPart(guildParams, req.params);
				const created = await webhooks.create(guildId, readPart(createWebhookBody, bodyOf(req.body)), changedBy(req, res));
				const message = created.secret === undefined ? "Webhook created" : "Webhook created; store its secret now, it will not be shown again";
				sendSuccess(res, 201, message, created);
			},
		],
	}),
	outbound({
		method: "patch",
		path: WEBHOOK,
		summary: "Change a webhook, or roll its secret",
		description: "`roll_secret: true` gives a standard webhook a new secret, in `data.secret` this once; the old one stops signing at once.",
		request: { params: webhookParams, body: { schema: updateWebhookBody, required: true, example: { enabled: false } } },
		answers: [{ status: 200, description: "Webhook updated", data: webhookIssuedData }],
		errors: [404],
		handle: ({ webhooks }) => [
			async (req, res) => {
				const { guildId, webhookId } = readPart(webhookParams, req.params);
				const updated = await webhooks.update(guildId, webhookId, readPart(updateWebhookBody, bodyOf(req.body)), changedBy(req, res));
				const message = updated.secret === undefined ? "Webhook updated" : "Webhook updated; store its new secret now, it will not be shown again";
				sendSuccess(res, 200, message, updated);
			},
		],
	}),
	outbound({
		method: "delete",
		path: WEBHOOK,
		summary: "Delete a webhook and its deliveries",
		request: { params: webhookParams },
		answers: [{ status: 204, description: "Deleted", data: null }],
		errors: [404],
		handle: ({ webhooks }) => [
			async (req, res) => {
				const { guildId, webhookId } = readPart(webhookParams, req.params);
				await webhooks.delete(guildId, webhookId, changedBy(req, res));
				res.status(204).end();
			},
		],
	}),
	outbound({
		method: "post",
		path: `${WEBHOOK}/test`,
		summary: "Send a test event",
		description: "Queues a `webhook.test` event for this webhook alone; its delivery is listed with the others.",
		request: { params: webhookParams },
		answers: [{ status: 202, description: "Test event queued", data: deliveryData }],
		errors: [404],
		handle: ({ webhooks }) => [
			async (req, res) => {
				const { guildId, webhookId } = readPart(webhookParams, req.params);
				sendSuccess(res, 202, "Test event queued", { delivery: await webhooks.test(guildId, webhookId, changedBy(req, res)) });
			},
		],
	}),
	outbound({
		method: "get",
		path: `${WEBHOOK}/deliveries`,
		summary: "The webhook's deliveries with their attempts",
		description:
			"Newest first. A delivery is retried with growing delays (5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h) before it is `failed`. " +
			"Delivered and failed ones are listed for 30 days.",
		request: { params: webhookParams, query: deliveriesQuery },
		answers: [{ status: 200, description: "Deliveries retrieved", data: deliveryListData }],
		errors: [404],
		handle: ({ webhooks }) => [
			async (req, res) => {
				const { guildId, webhookId } = readPart(webhookParams, req.params);
				const { limit } = readPart(deliveriesQuery, req.query);
				sendSuccess(res, 200, "Deliveries retrieved", { deliveries: await webhooks.deliveries(guildId, webhookId, limit) });
			},
		],
	}),
	outbound({
		method: "post",
		path: `${WEBHOOK}/deliveries/:deliveryId/redeliver`,
		summary: "Send a delivery again",
		description: "Pending from now with a new round of retries, under the same `webhook-id`.",
		request: { params: deliveryParams },
		answers: [{ status: 202, description: "Redelivery queued", data: deliveryData }],
		errors: [404],
		handle: ({ webhooks }) => [
			async (req, res) => {
				const { guildId, webhookId, deliveryId } = readPart(deliveryParams, req.params);
				sendSuccess(res, 202, "Redelivery queued", { delivery: await webhooks.redeliver(guildId, webhookId, deliveryId, changedBy(req, res)) });
			},
		],
	}),
	outbound({
		method: "get",
		path: `${GUILD}/experiences`,
		summary: "List the guild's linked Roblox experiences",
		request: { params: guildParams },
		answers: [{ status: 200, description: "Experiences retrieved", data: experienceListData }],
		handle: ({ experiences }) => [
			async (req, res) => {
				const { guildId } = readPart(guildParams, req.params);
				sendSuccess(res, 200, "Experiences retrieved", { experiences: await experiences.list(guildId) });
			},
		],
	}),
	outbound({
		method: "post",
		path: `${GUILD}/experiences`,
		summary: "Link a Roblox experience",
		description:
			"Each later ban and unban of the guild is mirrored into the universe's own bans through Open Cloud's user-restriction API. " +
			"The key is stored encrypted and shown back by its prefix. An Open Cloud 401 or 403 turns the link `failing` (in words in `last_error`) " +
			"and sends `experience.link_failing`; a new key with PATCH resumes it.",
		request: { params: guildParams, body: { schema: createExperienceBody, required: true } },
		answers: [{ status: 201, description: "Experience linked", data: experienceData }],
		errors: [...FOLLOWING, 409],
		conflicts: ["experience_already_linked"],
		handle: ({ experiences }) => [
			async (req, res) => {
				const { guildId } = readPart(guildParams, req.params);
				const experience = await experiences.link(guildId, readPart(createExperienceBody, bodyOf(req.body)), changedBy(req, res));
				sendSuccess(res, 201, "Experience linked", { experience });
			},
		],
	}),
	outbound({
		method: "patch",
		path: `${GUILD}/experiences/:universeId`,
		summary: "Change a linked experience's key or alt-account setting",
		request: { params: experienceParams, body: { schema: updateExperienceBody, required: true, example: { exclude_alt_accounts: true } } },
		answers: [{ status: 200, description: "Experience updated", data: experienceData }],
		errors: [404],
		handle: ({ experiences }) => [
			async (req, res) => {
				const { guildId, universeId } = readPart(experienceParams, req.params);
				const experience = await experiences.update(guildId, universeId, readPart(updateExperienceBody, bodyOf(req.body)), changedBy(req, res));
				sendSuccess(res, 200, "Experience updated", { experience });
			},
		],
	}),
	outbound({
		method: "delete",
		path: `${GUILD}/experiences/:universeId`,
		summary: "Unlink an experience",
		request: { params: experienceParams },
		answers: [{ status: 204, description: "Deleted", data: null }],
		errors: [404],
		handle: ({ experiences }) => [
			async (req, res) => {
				const { guildId, universeId } = readPart(experienceParams, req.params);
				await experiences.unlink(guildId, universeId, changedBy(req, res));
				res.status(204).end();
			},
		],
	}),
];
