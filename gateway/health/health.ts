// gateway/health/health.ts
// Liveness, readiness (every store and the data store named when failing) and Prometheus metrics.

import type { RequestHandler } from "express";
import { collectDefaultMetrics, Histogram, Registry } from "prom-client";
import { z } from "zod";
import { sendError, sendSuccess, ApiError } from "../platform/http/envelope";
import { routeOf } from "../platform/logging/request-log";
import { defineRoute, type Route } from "../platform/http/route";

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

export interface HealthRouteParts {
	readiness: readonly ReadinessCheck[];
	metrics: GatewayMetrics;
}

const health = (fields: Omit<Route<HealthRouteParts>, "tag">): Route<HealthRouteParts> => defineRoute({ tag: "Health", ...fields });

/** Unauthenticated probes, and `/metrics`: open unless METRICS_TOKEN is set, then it needs that Bearer token. */
export const HEALTH_ROUTES: readonly Route<HealthRouteParts>[] = [
	health({
		method: "get",
		path: "/healthz",
		summary: "The process is up",
		guard: { caller: "anyone" },
		answers: [{ status: 200, description: "OK", data: z.object({ status: z.literal("up") }), example: { message: "OK", data: { status: "up" } } }],
		handle: () => [(_req, res) => sendSuccess(res, 200, "OK", { status: "up" })],
	}),
	health({
		method: "get",
		path: "/readyz",
		summary: "Every store and the data store are reachable",
		description: "503 names the failing parts in `message` and `details.failing`.",
		guard: { caller: "anyone" },
		answers: [{ status: 200, description: "Ready", data: z.object({ ready: z.literal(true) }), example: { message: "Ready", data: { ready: true } } }],
		errors: [503],
		handle: ({ readiness }) => [
			async (_req, res) => {
				const results = await Promise.allSettled(readiness.map(withTimeout));
				const failing = readiness.filter((_check, i) => results[i].status === "rejected").map((check) => check.name);
				if (failing.length === 0) return sendSuccess(res, 200, "Ready", { ready: true });
				sendError(res, new ApiError(503, "service_unavailable", `Not ready: ${failing.join(", ")} unreachable`, { details: { failing } }));
			},
		],
	}),
	health({
		method: "get",
		path: "/metrics",
		summary: "Prometheus metrics",
		description:
			"The Prometheus text format: response counts and durations by route pattern and status, and the process's own metrics. " +
			"Open unless METRICS_TOKEN is set; then it needs `Authorization: Bearer <METRICS_TOKEN>`.",
		guard: { caller: "metrics" },
		answers: [
			{
				status: 200,
				description: "Metrics in the Prometheus text format",
				data: { text: "text/plain", schema: z.string().meta({ example: 'technified_http_request_duration_seconds_count{route="/healthz",status="200"} 1\n' }) },
			},
		],
		handle: ({ metrics }) => [
			async (_req, res) => {
				res.type(metrics.registry.contentType).send(await metrics.registry.metrics());
			},
		],
	}),
];
