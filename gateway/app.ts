// gateway/app.ts
// The gateway's composition: each feature's declared routes registered with their guards, the hot table first, then Express.

import type { RequestListener } from "node:http";
import express from "express";
import type { Logger } from "pino";
import { ADMIN_BASE, adminRouter } from "./admin-router";
import type { OutboundAdmin } from "./outbound/outbound-routes";
import type { RobloxUsers } from "./roblox-users/roblox-users-service";
import { buildOpenApiDocument } from "./api-docs/openapi-document";
import { AuthThrottle } from "./auth/auth-throttle";
import { requireBearerToken } from "./auth/bearer-token";
import { keyGuard } from "./auth/key-guard";
import { BanStatusCache } from "./moderation/ban-status-cache";
import { dashboardRouter } from "./dashboard/dashboard-router";
import type { Config } from "./config";
import { GatewayMetrics, type ReadinessCheck } from "./health/health";
import { ALL_ROUTES, ROUTES } from "./routes";
import { errorHandler, notFoundHandler } from "./platform/http/envelope";
import { HotRoutes } from "./platform/http/hot-routes";
import { noCredential, registerRoutes, type Guard } from "./platform/http/route";
import { requestLog, requestLogger } from "./platform/logging/request-log";
import type { Keys } from "./keys/keys";
import type { EventHub } from "./events/event-hub";
import type { ModerationChangeNotice } from "./changes/change-bus";
import type { Forwarder } from "./moderation/forward";
import type { OperatorRouteParts } from "./operators/operator-routes";
import type { ImportRouteParts } from "./moderation/import-routes";
import type { QuotaLimiters } from "./rate-limits/quota";
import type { DiscordRouteParts } from "./discord/interaction-routes";
import type { ServersRouteParts } from "./servers/servers-routes";
import type { Presence } from "./servers/presence";

export interface GatewayParts {
	config: Pick<Config, "trustProxy" | "banCacheTtlSeconds" | "maxJsonDepth" | "metricsToken" | "maxStreamsPerKey" | "publicUrl">;
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
	/** Webhook and Roblox experience routes (docs/api.md, "Webhooks and Roblox's own bans"). */
	outbound: OutboundAdmin;
	/** Names and faces of Roblox users (docs/names.md). */
	robloxUsers: RobloxUsers;
	/** Imports and exports of a guild's bans and mutes. */
	imports: ImportRouteParts;
	/** Discord's slash commands (docs/discord.md). */
	discord: DiscordRouteParts;
	/** Live servers (docs/fleets.md): their presence, which the events route feeds too, and the commands sent to them. */
	servers: ServersRouteParts;
	presence: Presence;
	/** Whether a universe is pushed through Roblox; by default never. */
	pushFor?: ServersRouteParts["pushFor"];
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
	const guardParts = { keys: parts.keys, authThrottle: parts.authThrottle, quotas: parts.quotas, maxJsonDepth: parts.config.maxJsonDepth };
	const keyed = (guard: Guard) => (guard.caller === "api_key" ? [keyGuard(guardParts, guard)] : noCredential(guard));
	registerRoutes({ express: app, hot }, ROUTES.moderation, parts, keyed);
	registerRoutes({ express: app }, ROUTES.servers, parts.servers, keyed);
	app.use(
		ADMIN_BASE,
		adminRouter({
			adminToken: parts.adminToken,
			throttle: parts.authThrottle,
			maxJsonDepth: parts.config.maxJsonDepth,
			keys: parts.keys.admin,
			operators: parts.operators,
			console: parts,
			outbound: parts.outbound,
			robloxModel: { publicUrl: parts.config.publicUrl },
			robloxUsers: parts.robloxUsers,
			imports: parts.imports,
			servers: parts.servers,
		}),
	);
	app.use("/dashboard", dashboardRouter({ discordSignIn: parts.operators.operators.discordEnabled }));
	registerRoutes({ express: app }, ROUTES.discord, parts.discord, noCredential);
	registerRoutes({ express: app }, ROUTES.docs, { document: buildOpenApiDocument(ALL_ROUTES) }, noCredential);
	const metricsGuard = parts.config.metricsToken === undefined ? [] : [requireBearerToken(parts.config.metricsToken, parts.authThrottle, "metrics")];
	registerRoutes({ express: app }, ROUTES.health, parts, (guard) => (guard.caller === "metrics" ? metricsGuard : noCredential(guard)));

	app.use(notFoundHandler);
	app.use(onError);
	return hot.listener();
}
