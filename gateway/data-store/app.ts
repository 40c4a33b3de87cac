// gateway/data-store/app.ts
// The data store's express app: health probes, the internal token check, then the moderation routes.

import express, { type Express } from "express";
import { API_BASE } from "../../shared/routes";
import { ApiError, errorHandler, notFoundHandler, sendError, sendSuccess } from "../platform/http/envelope";
import { jsonBody } from "../platform/http/json-body";
import { requireInternalToken } from "./internal-auth";
import type { Clock, ModerationStore } from "./moderation-store";
import { moderationRoutes } from "./moderation-routes";
import { IMPORT_BODY_LIMIT, IMPORT_PATH } from "./import-wire";

export interface DataStoreAppOptions {
	/** Where bans and mutes live; it also owns the clock that decides expiry. */
	store: ModerationStore;
	/** The secret the gateway sends in `x-technified-internal-token`; must not be empty. */
	internalToken: string;
	/** Milliseconds since the epoch, the store's clock: tells how long an expiring ban may be cached. */
	clock?: Clock;
	/** Receives unexpected errors (answered as 500 without details). Default: console.error. */
	log?: (message: string, err: unknown) => void;
}

/**
 * Serves the public moderation paths (docs/api.md, "API summary") for the gateway to forward to. Only
 * `/healthz` and `/readyz` answer without the internal token.
 *
 * @example
 * const app = createDataStoreApp({ store: SqliteModerationStore.open({ dataDir }), internalToken });
 * app.listen(4100, "127.0.0.1");
 */
export function createDataStoreApp({ store, internalToken, clock = Date.now, log = console.error }: DataStoreAppOptions): Express {
	const app = express();
	app.disable("x-powered-by");
	// A 304 would hand the gateway's cache a body-less answer; ban status must always come whole.
	app.set("etag", false);

	app.get("/healthz", (_req, res) => sendSuccess(res, 200, "OK", { status: "ok" }));
	app.get("/readyz", async (_req, res) => {
		try {
			await store.ping();
		} catch (err) {
			log("moderation store failed its readiness check", err);
			return sendError(res, new ApiError(503, "service_unavailable", "Moderation store is not answering"));
		}
		sendSuccess(res, 200, "Ready", { status: "ready" });
	});

	// Before the body parser, so nobody without the token makes the store parse anything.
	app.use(requireInternalToken(internalToken));
	// An import's page of records is larger than any API body; only that internal route takes it.
	app.use(`${API_BASE}/moderation/:guildId${IMPORT_PATH}`, express.json({ limit: IMPORT_BODY_LIMIT }));
	app.use(jsonBody());
	app.use(`${API_BASE}/moderation/:guildId`, moderationRoutes(store, clock));
	app.use(notFoundHandler);
	app.use(errorHandler(log));
	return app;
}
