// gateway/health/health.ts
// Liveness, readiness (every store and the data store named when failing) and Prometheus metrics.

import express, { type RequestHandler, type Router } from "express";
import { collectDefaultMetrics, Histogram, Registry } from "prom-client";
import type { AuthThrottle } from "../auth/auth-throttle";
import { requireBearerToken } from "../auth/bearer-token";
import { sendError, sendSuccess, ApiError } from "../platform/http/envelope";
import { routeOf } from "../platform/logging/request-log";

/** One dependency `/readyz` checks; `check` rejects when the part is unreachable. */
export interface ReadinessCheck {
	name: string;
	check(): Promise<void>;
}

const READY_TIMEOUT_MS = 2000;

function withTimeout(check: ReadinessCheck): Promise<void> {
	return new Promise((resolve, reject) => {
		const timer = setTimeout(() => reject(new Error("timed out")), READY_TIMEOUT_MS);
		check.check().then(resolve, reject).finally(() => clearTimeout(timer));
	});
}

/** Checks that the data store at `baseUrl` says it is ready. */
export function dataStoreReadiness(baseUrl: string): ReadinessCheck {
	return {
		name: "data_store",
		async check() {
			const response = await fetch(new URL("/readyz", baseUrl), { signal: AbortSignal.timeout(READY_TIMEOUT_MS) });
			await response.body?.cancel();
			if (!response.ok) throw new Error(`answered ${response.status}`);
		},
	};
}

export class GatewayMetrics {
	readonly registry = new Registry();
	/** One histogram: its `_count` series is the response count by route and status, at one update per request. */
	private readonly responses = new Histogram({
		name: "technified_http_request_duration_seconds",
		help: "Time to answer, by route pattern and status code",
		labelNames: ["route", "status"] as const,
		buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10],
		registers: [this.registry],
	});

	constructor() {
		collectDefaultMetrics({ register: this.registry });
	}

	/**
	 * Times every response. The route label is the declared route pattern (as the request log names it),
	 * never the raw path, so ids in paths cannot grow the label set without bound.
	 */
	middleware(): RequestHandler {
		return (req, res, next) => {
			const started = process.hrtime.bigint();
			res.on("finish", () => {
				this.responses.observe({ route: routeOf(req), status: res.statusCode }, Number(process.hrtime.bigint() - started) / 1e9);
			});
			next();
		};
	}
}

/** `/metrics` is open unless `metricsToken` is set (METRICS_TOKEN); then it needs that Bearer token. */
export function healthRouter(
	checks: readonly ReadinessCheck[],
	metrics: GatewayMetrics,
	metricsAccess: { token: string | undefined; throttle: AuthThrottle },
): Router {
	const router = express.Router();
	router.get("/healthz", (_req, res) => sendSuccess(res, 200, "OK", { status: "up" }));
	router.get("/readyz", async (_req, res) => {
		const results = await Promise.allSettled(checks.map(withTimeout));
		const failing = checks.filter((_check, i) => results[i].status === "rejected").map((check) => check.name);
		if (failing.length === 0) return sendSuccess(res, 200, "Ready", { ready: true });
		sendError(
			res,
			new ApiError(503, "service_unavailable", `Not ready: ${failing.join(", ")} unreachable`, { details: { failing } }),
		);
	});
	const metricsGuard: RequestHandler[] =
		metricsAccess.token === undefined ? [] : [requireBearerToken(metricsAccess.token, metricsAccess.throttle, "metrics")];
	router.get("/metrics", ...metricsGuard, async (_req, res) => {
		res.type(metrics.registry.contentType).send(await metrics.registry.metrics());
	});
	return router;
}
