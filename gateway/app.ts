// gateway/app.ts
// The gateway's composition: which checks guard which route, in the order the contract answers them.

import type { RequestListener } from "node:http";
import express, { type Express, type Request, type RequestHandler, type Response } from "express";
import type { Logger } from "pino";
import type { Scope } from "../shared/records";
import { API_BASE } from "../shared/routes";
import { adminRouter } from "./admin/admin-router";
import type { OutboundAdmin } from "./outbound/outbound-routes";
import { docsRouter } from "./api-docs/docs-router";
import { AuthThrottle } from "./auth/auth-throttle";
import { authenticateRequest, authorizeRequest } from "./auth/authenticate";
import { BanStatusCache } from "./moderation/ban-status-cache";
import { advertiseCacheLifetime, onModerationChange, serveCachedBanStatus } from "./moderation/ban-cache-middleware";
import { dashboardRouter } from "./dashboard/dashboard-router";
import { moderationConsoleRouter } from "./moderation/console-routes";
import type { Config, QuotaCategory } from "./config";
import { GatewayMetrics, healthRouter, type ReadinessCheck } from "./health/health";
import { errorHandler, notFoundHandler } from "./platform/http/envelope";
import { HotRoutes } from "./platform/http/hot-routes";
import { jsonBody } from "./platform/http/json-body";
import { requestLog, requestLogger } from "./platform/logging/request-log";
import type { Keys } from "./keys/keys";
import type { EventHub } from "./events/event-hub";
import { eventsRoute } from "./events/events-route";
import type { ModerationChangeNotice } from "./changes/change-bus";
import type { Forwarder } from "./moderation/forward";
import type { OperatorRouteParts } from "./operators/operator-routes";
import { batchCost, showQuota, spendQuota, type QuotaLimiters } from "./rate-limits/quota";

export interface GatewayParts {
	config: Pick<Config, "trustProxy" | "banCacheTtlSeconds" | "maxJsonDepth" | "metricsToken" | "maxStreamsPerKey">;
	keys: Keys;
	adminToken: string;
	authThrottle: AuthThrottle;
	quotas: QuotaLimiters;
	forwarder: Forwarder;
	banCache: BanStatusCache;
	/** Tells other gateway instances and this one's event streams that a user's ban or mute changed. */
	announceChange: (change: ModerationChangeNotice) => void;
	events: EventHub;
	readiness: readonly ReadinessCheck[];
	metrics: GatewayMetrics;
	logger: Logger;
	/** Sign-in, sessions, members and suspensions of the admin API. */
	operators: OperatorRouteParts;
	/** Webhook and Roblox experience routes (README, "Webhooks and Roblox's own bans"). */
	outbound: OutboundAdmin;
}

/** The gateway's request listener: the hot routes' table first, Express for everything else. */
export function createGatewayApp(parts: GatewayParts): RequestListener {
	const app = express();
	app.disable("x-powered-by");
	app.set("etag", false);
	// Paths match exactly as the contract writes them, so no variant (/API/V1/…) slips past a check
	// that looks at the path, such as the cross-instance catch-up.
	app.set("case sensitive routing", true);
	// Forwarded headers are trusted only as far as TRUST_PROXY says (default: not at all).
	app.set("trust proxy", parts.config.trustProxy);
	const before = [requestLog(parts.logger), parts.metrics.middleware()];
	const onError = errorHandler((message, err, req) => requestLogger(req).error({ err }, message));
	app.use(...before);
	const hot = new HotRoutes(app, { before, onError });

	// The keyed API first: its reads in the hot table, its writes and lists as routes of the app itself
	// (every layer and router before them is a check each game-server request pays for).
	addModerationRoutes(app, hot, parts);
	app.use(
		"/admin/v1",
		adminRouter(parts.keys.admin, parts.adminToken, parts.authThrottle, parts.config.maxJsonDepth, parts.operators, parts.outbound, moderationConsoleRouter(parts)),
	);
	app.use("/dashboard", dashboardRouter({ discordSignIn: parts.operators.operators.discordEnabled }));
	app.use(docsRouter());
	app.use(healthRouter(parts.readiness, parts.metrics, { token: parts.config.metricsToken, throttle: parts.authThrottle }));

	app.use(notFoundHandler);
	app.use(onError);
	return hot.listener();
}

/** What a route needs of its caller: a scope, a quota category, and for POST routes a JSON body. */
interface RouteRule {
	scope: Scope;
	category: QuotaCategory;
	/** Quota points the request costs, from its parsed body (default 1). */
	cost?: (body: unknown) => number;
	body?: boolean;
}

/**
 * One middleware per route for every check, in the contract's order: key (401/429), guild, address
 * and scope (403), body (400/413, parsed only for a verified key), quota (429). One layer instead of
 * four keeps the hot path short: each Express layer and promise costs on every request.
 */
function guard(parts: GatewayParts, rule: RouteRule): RequestHandler {
	const parseJson = jsonBody(parts.config.maxJsonDepth);
	const readBody = (req: Request, res: Response) =>
		new Promise<void>((resolve, reject) => parseJson(req, res, (err?: unknown) => (err ? reject(err) : resolve())));
	return async (req, res, next) => {
		const key = await authenticateRequest(req, parts.keys, parts.authThrottle);
		res.locals.apiKey = key;
		try {
			authorizeRequest(req, key, rule.scope);
			if (rule.body) await readBody(req, res);
		} catch (refusal) {
			// Keyed answers always carry the key's quota, refusals included (README, "API summary"); if the
			// limiter cannot be read, the refusal still goes out, only without the headers.
			await showQuota(res, parts.quotas, rule.category, key.id).catch(() => undefined);
			throw refusal;
		}
		await spendQuota(res, parts.quotas, rule.category, key.id, rule.cost?.(req.body) ?? 1);
		next();
	};
}

/** Game-server reads go in the hot table (`hot`), matched before Express; writes and lists stay in Express. */
function addModerationRoutes(app: Express, hot: HotRoutes, parts: GatewayParts): void {
	const { forwarder, banCache } = parts;
	const forward = forwarder.handler;
	const base = `${API_BASE}/moderation/:guildId`;
	const read = guard(parts, { scope: "moderation:read", category: "moderation" });
	const write = guard(parts, { scope: "moderation:write", category: "writes", body: true });
	const banChange = onModerationChange("ban", banCache, parts.announceChange);
	const muteChange = onModerationChange("mute", banCache, parts.announceChange);

	hot.get(`${base}/ban-status/:identifier`, read, serveCachedBanStatus(banCache, parts.config.banCacheTtlSeconds), forward);
	hot.post(
		`${base}/ban-status/batch`,
		guard(parts, { scope: "moderation:read", category: "moderation", cost: batchCost, body: true }),
		forward,
	);
	hot.get(`${base}/mute-status/:identifier`, read, advertiseCacheLifetime(parts.config.banCacheTtlSeconds), forward);

	app.post(`${base}/roblox/ban`, write, banChange, forward);
	app.post(`${base}/roblox/unban`, write, banChange, forward);
	app.post(`${base}/roblox/mute`, write, muteChange, forward);
	app.post(`${base}/roblox/unmute`, write, muteChange, forward);
	hot.get(`${base}/events`, read, eventsRoute({ hub: parts.events, maxStreamsPerKey: parts.config.maxStreamsPerKey }));

	const list = guard(parts, { scope: "moderation:read", category: "lists" });
	app.get(`${base}/roblox/bans/active`, list, forward);
	app.get(`${base}/roblox/mutes/active`, list, forward);
	app.get(`${base}/roblox/history/:identifier`, list, forward);
}
