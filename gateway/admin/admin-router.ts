// gateway/admin/admin-router.ts
// The key management API (README, "API summary") behind the platform operator's ADMIN_TOKEN or an operator's session.

import express, { type Request, type RequestHandler, type Router } from "express";
import { guildParams } from "../keys/key-schemas";
import { readPart } from "../platform/http/fields";
import { badRequest, sendSuccess } from "../platform/http/envelope";
import { jsonBody } from "../platform/http/json-body";
import type { KeyAdmin } from "../keys/key-admin";
import { readAuditLimit, readKeyUpdate, readNewKey, readRollOverlap, readUsageQuery } from "../keys/key-commands";
import type { AuthThrottle } from "../auth/auth-throttle";
import { requestLogger, routeOf } from "../platform/logging/request-log";
import { outboundRouter, type OutboundAdmin } from "../outbound/outbound-routes";
import { operatorRoutes, signInRoutes, type OperatorRouteParts } from "../operators/operator-routes";
import { authenticateAdmin, requireSameOrigin } from "../operators/session-auth";
import {
	accessOf,
	changedBy,
	requireKeyListing,
	requireKeyPermission,
	requirePermission,
	requirePlatformOperator,
	visibleKeys,
} from "../operators/access";

/**
 * Every change made through the admin API gets a line of its own with its actor, beside the request
 * line: operators search the log for what was done to a guild's keys, and by whom.
 */
const logAdminAction: RequestHandler = (req, res, next) => {
	if (req.method === "GET" || req.method === "HEAD") return next();
	res.on("finish", () => {
		if (res.statusCode >= 400) return;
		const { guildId, keyId } = req.params as { guildId?: string; keyId?: string };
		const action = `${req.method} ${routeOf(req)}`;
		const { actor, address } = changedBy(req, res);
		requestLogger(req).info({ actor, address, action, guild: guildId, key_id: keyId, status: res.statusCode }, "admin action");
	});
	next();
};

function guildParam(params: Request["params"]): string {
	return readPart(guildParams, params).guildId;
}

/** Express types a param as possibly repeated once a route has more than one handler; ours never are. */
const keyParam = (params: Request["params"]) => String(params.keyId);

function bodyObject(body: unknown): Record<string, unknown> {
	if (body === undefined) return {};
	if (body === null || typeof body !== "object" || Array.isArray(body)) throw badRequest("body must be a JSON object");
	return body as Record<string, unknown>;
}

/** `moderation`: the dashboard's moderation routes, mounted under each guild after authentication. */
export function adminRouter(
	keys: KeyAdmin,
	adminToken: string,
	throttle: AuthThrottle,
	maxJsonDepth: number | undefined,
	operators: OperatorRouteParts,
	outbound?: OutboundAdmin,
	moderation?: Router,
): Router {
	const router = express.Router();
	// Answers carry keys and audit trails: no browser or proxy may keep them.
	router.use((_req, res, next) => {
		res.setHeader("Cache-Control", "no-store");
		next();
	});
	// Signing in needs no credential yet; everything after it needs the admin token or a session.
	router.use(signInRoutes(operators));
	router.use(authenticateAdmin(adminToken, throttle, operators.operators, operators.address), requireSameOrigin(operators.address));
	router.use(logAdminAction);
	router.use(jsonBody(maxJsonDepth));
	router.use(operatorRoutes(operators));
	if (moderation !== undefined) router.use("/guilds/:guildId/moderation", moderation);

	const mayView = requireKeyPermission("view", (guildId, keyId) => keys.creatorId(guildId, keyId));
	const mayChange = requireKeyPermission("change", (guildId, keyId) => keys.creatorId(guildId, keyId));

	router.get("/guilds/:guildId/keys", requireKeyListing, async (req, res) => {
		const guildId = guildParam(req.params);
		const list = visibleKeys(accessOf(res), guildId, await keys.list(guildId));
		sendSuccess(res, 200, "API keys retrieved", { keys: list });
	});

	router.post("/guilds/:guildId/keys", requirePermission("create_keys"), async (req, res) => {
		const { key, record } = await keys.create(guildParam(req.params), readNewKey(req.body), changedBy(req, res));
		sendSuccess(res, 201, "API key created; store it now, it will not be shown again", { key, api_key: record });
	});

	const transitions = { revoke: "revoked", disable: "disabled", enable: "enabled" } as const;
	for (const [action, done] of Object.entries(transitions) as [keyof typeof transitions, string][]) {
		router.post(`/guilds/:guildId/keys/:keyId/${action}`, mayChange, async (req, res) => {
			const record = await keys[action](guildParam(req.params), keyParam(req.params), changedBy(req, res));
			sendSuccess(res, 200, `API key ${done}`, { api_key: record });
		});
	}

	router.patch("/guilds/:guildId/keys/:keyId", mayChange, async (req, res) => {
		const record = await keys.update(guildParam(req.params), keyParam(req.params), readKeyUpdate(req.body), changedBy(req, res));
		sendSuccess(res, 200, "API key updated", { api_key: record });
	});

	router.delete("/guilds/:guildId/keys/:keyId", mayChange, async (req, res) => {
		await keys.delete(guildParam(req.params), keyParam(req.params), changedBy(req, res));
		res.status(204).end();
	});

	router.post("/guilds/:guildId/keys/:keyId/roll", mayChange, async (req, res) => {
		const overlap = readRollOverlap(req.body);
		const { key, record } = await keys.roll(guildParam(req.params), keyParam(req.params), overlap, changedBy(req, res));
		sendSuccess(res, 200, "API key rolled; store the new key now, it will not be shown again", { key, api_key: record });
	});

	router.post("/guilds/:guildId/keys/:keyId/moderate", requirePlatformOperator, async (req, res) => {
		const record = await keys.moderate(guildParam(req.params), keyParam(req.params), changedBy(req, res));
		sendSuccess(res, 200, "API key moderated; roll it to give it a new secret", { api_key: record });
	});

	router.get("/guilds/:guildId/audit", requirePermission("administer_keys"), async (req, res) => {
		const limit = readAuditLimit(req.query);
		const events = await keys.audit(guildParam(req.params), limit);
		sendSuccess(res, 200, "Audit events retrieved", { events });
	});

	router.get("/guilds/:guildId/keys/:keyId/usage", mayView, async (req, res) => {
		const query = readUsageQuery(req.query);
		const usage = await keys.usage(guildParam(req.params), keyParam(req.params), query);
		sendSuccess(res, 200, "Usage retrieved", usage);
	});

	if (outbound !== undefined) router.use(outboundRouter(outbound));

	return router;
}
