// gateway/admin-router.ts
// The admin API's mount (docs/api.md, "API summary"): sign-in first, then the ADMIN_TOKEN or a session, then each feature's declared routes.

import express, { type RequestHandler, type Router } from "express";
import type { KeyAdmin } from "./keys/key-admin";
import type { AuthThrottle } from "./auth/auth-throttle";
import type { ConsoleParts } from "./moderation/console-routes";
import type { ImportRouteParts } from "./moderation/import-routes";
import { adminGuards, changedBy } from "./operators/access";
import type { OperatorRouteParts } from "./operators/operator-routes";
import { authenticateAdmin, requireSameOrigin } from "./operators/session-auth";
import type { OutboundAdmin } from "./outbound/outbound-routes";
import type { RobloxUsers } from "./roblox-users/roblox-users-service";
import { jsonBody } from "./platform/http/json-body";
import { noCredential, registerRoutes, type RouteTarget } from "./platform/http/route";
import { requestLogger, routeOf } from "./platform/logging/request-log";
import type { RobloxModelParts } from "./roblox-model/roblox-model-routes";
import { ROUTES } from "./routes";
import type { ServersRouteParts } from "./servers/servers-routes";

/** Where the admin API lives; its routes declare full paths. */
export const ADMIN_BASE = "/admin/v1";

export interface AdminParts {
	adminToken: string;
	throttle: AuthThrottle;
	maxJsonDepth: number | undefined;
	keys: KeyAdmin;
	/** Sign-in, sessions, members and suspensions. */
	operators: OperatorRouteParts;
	/** The dashboard's moderation routes. */
	console: ConsoleParts;
	/** Imports and exports of a guild's bans and mutes. */
	imports: ImportRouteParts;
	/** Webhook and Roblox experience routes (docs/api.md, "Webhooks and Roblox's own bans"). */
	outbound: OutboundAdmin;
	/** The Roblox model download (README, "Quick start"). */
	robloxModel: RobloxModelParts;
	/** Names and faces of Roblox users (docs/names.md). */
	robloxUsers: RobloxUsers;
	/** Live servers and the commands sent to them (docs/fleets.md). */
	servers: ServersRouteParts;
}

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

/** Mounted at `ADMIN_BASE`. */
export function adminRouter(parts: AdminParts): Router {
	const router = express.Router();
	const target: RouteTarget = { express: router, under: ADMIN_BASE };
	// Answers carry keys and audit trails: no browser or proxy may keep them.
	router.use((_req, res, next) => {
		res.setHeader("Cache-Control", "no-store");
		next();
	});
	// Signing in needs no credential yet; everything after it needs the admin token or a session.
	registerRoutes(target, ROUTES.signIn, parts.operators, noCredential);
	const { operators } = parts.operators;
	router.use(authenticateAdmin(parts.adminToken, parts.throttle, operators, parts.operators.address), requireSameOrigin(parts.operators.address));
	router.use(logAdminAction);
	const guards = adminGuards((guildId, keyId) => parts.keys.creatorId(guildId, keyId));
	// Before the JSON body reader: an import's body is a file in its own content type.
	registerRoutes(target, ROUTES.imports, parts.imports, guards);
	router.use(jsonBody(parts.maxJsonDepth));
	registerRoutes(target, ROUTES.operators, parts.operators, guards);
	registerRoutes(target, ROUTES.console, parts.console, guards);
	registerRoutes(target, ROUTES.serverAdmin, parts.servers, guards);
	registerRoutes(target, ROUTES.keys, { keys: parts.keys }, guards);
	registerRoutes(target, ROUTES.outbound, parts.outbound, guards);
	registerRoutes(target, ROUTES.robloxModel, parts.robloxModel, guards);
	registerRoutes(target, ROUTES.robloxUsers, { robloxUsers: parts.robloxUsers }, guards);
	return router;
}
