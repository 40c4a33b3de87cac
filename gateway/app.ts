// gateway/app.ts
// The gateway's composition: which checks guard which route, in the order the contract answers them.

import express, { type Express, type RequestHandler } from "express";
import type { Scope } from "../shared/records";
import { API_BASE } from "../shared/routes";
import { adminRouter } from "./admin/admin-router";
import { AuthThrottle } from "./auth/auth-throttle";
import { authenticate, authorize } from "./auth/authenticate";
import { BanStatusCache } from "./ban-cache/ban-status-cache";
import { invalidateOnBanChange, serveCachedBanStatus } from "./ban-cache/middleware";
import { dashboardRouter } from "./dashboard/dashboard-router";
import type { Config, QuotaCategory } from "./config";
import { GatewayMetrics, healthRouter, type ReadinessCheck } from "./health/health";
import { errorHandler, notFoundHandler } from "./http/envelope";
import type { KeyService } from "./keys/key-service";
import type { Forwarder } from "./proxy/forward";
import { batchCost, enforceQuota, type QuotaLimiters } from "./rate-limits/quota";

export interface GatewayParts {
	config: Pick<Config, "trustProxy" | "banCacheTtlSeconds">;
	keys: KeyService;
	adminToken: string;
	authThrottle: AuthThrottle;
	quotas: QuotaLimiters;
	forwarder: Forwarder;
	banCache: BanStatusCache;
	/** Tells other gateway instances that a user's ban changed (a no-op for a single instance). */
	announceBanChange: (guildId: string, userId: string) => void;
	readiness: readonly ReadinessCheck[];
	metrics: GatewayMetrics;
	log: (message: string, err?: unknown) => void;
}

/** Body size limit for JSON requests; larger bodies get the contract's 413. */
export const JSON_BODY_LIMIT = "16kb";

export function createGatewayApp(parts: GatewayParts): Express {
	const app = express();
	app.disable("x-powered-by");
	app.set("etag", false);
	// Forwarded headers are trusted only as far as TRUST_PROXY says (default: not at all).
	app.set("trust proxy", parts.config.trustProxy);
	app.use(parts.metrics.middleware());

	// The hot API first: every layer before it is a check each game-server request pays for.
	app.use(API_BASE, moderationRouter(parts));
	app.use("/admin/v1", adminRouter(parts.keys, parts.adminToken, parts.authThrottle));
	app.use("/dashboard", dashboardRouter());
	app.use(healthRouter(parts.readiness, parts.metrics));

	app.use(notFoundHandler);
	app.use(errorHandler(parts.log));
	return app;
}

function moderationRouter(parts: GatewayParts): express.Router {
	const { quotas, forwarder, banCache } = parts;
	const router = express.Router();
	// Every API route needs a key, so an unknown path with no key is a 401, not a 404.
	router.use(authenticate(parts.keys, parts.authThrottle));
	// Only POST routes have bodies; parsing is per route so reads skip the body parser altogether.
	const json = express.json({ limit: JSON_BODY_LIMIT });

	const guard = (scope: Scope, category: QuotaCategory, cost?: (body: unknown) => number): RequestHandler[] => [
		authorize(scope),
		enforceQuota(quotas, category, cost),
	];
	const guardWithBody = (scope: Scope, category: QuotaCategory, cost?: (body: unknown) => number) => [
		json,
		...guard(scope, category, cost),
	];
	const forward = forwarder.handler;
	const base = "/moderation/:guildId";

	router.get(
		`${base}/ban-status/:identifier`,
		...guard("moderation:read", "moderation"),
		serveCachedBanStatus(banCache, parts.config.banCacheTtlSeconds),
		forward,
	);
	router.post(`${base}/ban-status/batch`, ...guardWithBody("moderation:read", "moderation", batchCost), forward);
	router.get(`${base}/mute-status/:identifier`, ...guard("moderation:read", "moderation"), forward);

	const banChange = invalidateOnBanChange(banCache, parts.announceBanChange);
	router.post(`${base}/roblox/ban`, ...guardWithBody("moderation:write", "writes"), banChange, forward);
	router.post(`${base}/roblox/unban`, ...guardWithBody("moderation:write", "writes"), banChange, forward);
	router.post(`${base}/roblox/mute`, ...guardWithBody("moderation:write", "writes"), forward);
	router.post(`${base}/roblox/unmute`, ...guardWithBody("moderation:write", "writes"), forward);

	router.get(`${base}/roblox/bans/active`, ...guard("moderation:read", "lists"), forward);
	router.get(`${base}/roblox/mutes/active`, ...guard("moderation:read", "lists"), forward);
	return router;
}
