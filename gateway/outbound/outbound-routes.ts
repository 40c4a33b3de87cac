// gateway/outbound/outbound-routes.ts
// The webhook and Roblox experience routes of the management API (README, "API summary", "Webhooks and Roblox's own bans"), all [administer_keys].

import express, { type Router } from "express";
import { guildParams } from "../keys/key-schemas";
import { readPart } from "../platform/http/fields";
import {
	createExperienceBody,
	createWebhookBody,
	deliveriesQuery,
	deliveryParams,
	experienceParams,
	updateExperienceBody,
	updateWebhookBody,
	webhookParams,
} from "./outbound-schemas";
import type { ExperienceService } from "./experiences/experience-service";
import { sendSuccess } from "../platform/http/envelope";
import type { WebhookService } from "./webhooks/webhook-service";
import { changedBy, requirePermission } from "../operators/access";

export interface OutboundAdmin {
	webhooks: WebhookService;
	experiences: ExperienceService;
}

/** Mounted inside the admin router, after its authentication and JSON body parsing. */
export function outboundRouter({ webhooks, experiences }: OutboundAdmin): Router {
	const router = express.Router();
	const allowed = requirePermission("administer_keys");
	const body = (value: unknown) => value ?? {};

	router.get("/guilds/:guildId/webhooks", allowed, async (req, res) => {
		const { guildId } = readPart(guildParams, req.params);
		sendSuccess(res, 200, "Webhooks retrieved", { webhooks: await webhooks.list(guildId) });
	});

	router.post("/guilds/:guildId/webhooks", allowed, async (req, res) => {
		const { guildId } = readPart(guildParams, req.params);
		const created = await webhooks.create(guildId, readPart(createWebhookBody, body(req.body)), changedBy(req, res));
		const message = created.secret === undefined ? "Webhook created" : "Webhook created; store its secret now, it will not be shown again";
		sendSuccess(res, 201, message, created);
	});

	router.patch("/guilds/:guildId/webhooks/:webhookId", allowed, async (req, res) => {
		const { guildId, webhookId } = readPart(webhookParams, req.params);
		const updated = await webhooks.update(guildId, webhookId, readPart(updateWebhookBody, body(req.body)), changedBy(req, res));
		const message = updated.secret === undefined ? "Webhook updated" : "Webhook updated; store its new secret now, it will not be shown again";
		sendSuccess(res, 200, message, updated);
	});

	router.delete("/guilds/:guildId/webhooks/:webhookId", allowed, async (req, res) => {
		const { guildId, webhookId } = readPart(webhookParams, req.params);
		await webhooks.delete(guildId, webhookId, changedBy(req, res));
		res.status(204).end();
	});

	router.post("/guilds/:guildId/webhooks/:webhookId/test", allowed, async (req, res) => {
		const { guildId, webhookId } = readPart(webhookParams, req.params);
		sendSuccess(res, 202, "Test event queued", { delivery: await webhooks.test(guildId, webhookId, changedBy(req, res)) });
	});

	router.get("/guilds/:guildId/webhooks/:webhookId/deliveries", allowed, async (req, res) => {
		const { guildId, webhookId } = readPart(webhookParams, req.params);
		const { limit } = readPart(deliveriesQuery, req.query);
		sendSuccess(res, 200, "Deliveries retrieved", { deliveries: await webhooks.deliveries(guildId, webhookId, limit) });
	});

	router.post("/guilds/:guildId/webhooks/:webhookId/deliveries/:deliveryId/redeliver", allowed, async (req, res) => {
		const { guildId, webhookId, deliveryId } = readPart(deliveryParams, req.params);
		sendSuccess(res, 202, "Redelivery queued", { delivery: await webhooks.redeliver(guildId, webhookId, deliveryId, changedBy(req, res)) });
	});

	router.get("/guilds/:guildId/experiences", allowed, async (req, res) => {
		const { guildId } = readPart(guildParams, req.params);
		sendSuccess(res, 200, "Experiences retrieved", { experiences: await experiences.list(guildId) });
	});

	router.post("/guilds/:guildId/experiences", allowed, async (req, res) => {
		const { guildId } = readPart(guildParams, req.params);
		const experience = await experiences.link(guildId, readPart(createExperienceBody, body(req.body)), changedBy(req, res));
		sendSuccess(res, 201, "Experience linked", { experience });
	});

	router.patch("/guilds/:guildId/experiences/:universeId", allowed, async (req, res) => {
		const { guildId, universeId } = readPart(experienceParams, req.params);
		const experience = await experiences.update(guildId, universeId, readPart(updateExperienceBody, body(req.body)), changedBy(req, res));
		sendSuccess(res, 200, "Experience updated", { experience });
	});

	router.delete("/guilds/:guildId/experiences/:universeId", allowed, async (req, res) => {
		const { guildId, universeId } = readPart(experienceParams, req.params);
		await experiences.unlink(guildId, universeId, changedBy(req, res));
		res.status(204).end();
	});

	return router;
}
