// bench/targets.ts
// Child-process entry for `npm run bench`: starts one measured server in a process of its own and prints its URL as JSON.

import http from "node:http";
import { mkdtemp } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import v8 from "node:v8";
import vm from "node:vm";
import type { AddressInfo } from "node:net";
import express from "express";
import pino from "pino";
import { createProxyMiddleware } from "http-proxy-middleware";
import { readConfig } from "../gateway/config";
import { GUILD_HEADER, INTERNAL_TOKEN_HEADER } from "../gateway/data-store/internal-headers";
import { startDataStore } from "../gateway/data-store/server";
import { startGateway } from "../gateway/gateway";
import { createLogger } from "../gateway/platform/logging/logger";
import { FakeOpenCloud } from "../test/gateway/outbound/fake-open-cloud";

const [mode, upstream, token, guild, ...rest] = process.argv.slice(2);
const report = (fields: Record<string, string>) => console.log(JSON.stringify(fields));

/**
 * A gateway as the bench runs it: loopback, a fixed admin token, request lines written where they cost
 * the serialising but no terminal (`logTo`); answers it with a fresh key of `guild`.
 */
async function startBenchGateway(env: Record<string, string>, options: { inlineDataStore?: boolean; logTo?: pino.DestinationStream } = {}) {
	const config = readConfig({ PORT: "0", HOST: "127.0.0.1", ADMIN_TOKEN: "bench-admin-token-0123456789", ...env });
	const logger = createLogger(config.log, options.logTo ?? pino.destination("/dev/null"));
	const gateway = await startGateway(config, { logger, inlineDataStore: options.inlineDataStore });
	const { key } = await gateway.keys.admin.create(guild, { name: "bench" }, { actor: { type: "admin_token" }, address: null });
	return { gateway, key };
}

if (mode === "data-store") {
	const dataDir = await mkdtemp(path.join(os.tmpdir(), "bench-store-"));
	const internalToken = "bench-internal-token-0123456789abcdef";
	const store = await startDataStore({ dataDir, internalToken });
	report({ url: store.url, token: internalToken });
} else if (mode === "bare-proxy") {
	// The floor the gateway is measured against: http-proxy-middleware with a keep-alive agent, no checks.
	const app = express();
	app.use(
		createProxyMiddleware({
			target: upstream,
			agent: new http.Agent({ keepAlive: true, maxSockets: 256 }),
			on: {
				proxyReq(proxyReq) {
					proxyReq.setHeader(INTERNAL_TOKEN_HEADER, token);
					proxyReq.setHeader(GUILD_HEADER, guild);
				},
				error(_err, _req, res) {
					(res as http.ServerResponse).writeHead(502).end();
				},
			},
		}),
	);
	const server = app.listen(0, "127.0.0.1", () => report({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` }));
} else if (mode === "node-proxy") {
	// What Node itself does: http.createServer piping to http.request over a keep-alive agent, no checks.
	const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });
	const target = new URL(upstream);
	const server = http.createServer((req, res) => {
		const headers = { ...req.headers, host: target.host, [INTERNAL_TOKEN_HEADER]: token, [GUILD_HEADER]: guild };
		const upstreamRequest = http.request(
			{ host: target.hostname, port: target.port, path: req.url, method: req.method, headers, agent },
			(answer) => {
				res.writeHead(answer.statusCode ?? 502, answer.headers);
				answer.pipe(res);
			},
		);
		upstreamRequest.on("error", () => res.writeHead(502).end());
		req.pipe(upstreamRequest);
	});
	server.listen(0, "127.0.0.1", () => report({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` }));
} else if (mode === "bare-answer") {
	// The ceiling of any Node answer: http.createServer writing the cached ban-status body, nothing else.
	const body = Buffer.from(JSON.stringify({ status: "success", code: 200, message: "User is not banned", data: { banned: false } }));
	const headers = { "content-type": "application/json; charset=utf-8", "content-length": body.length };
	const server = http.createServer((_req, res) => res.writeHead(200, headers).end(body));
	server.listen(0, "127.0.0.1", () => report({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` }));
} else if (mode === "gateway") {
	const { gateway, key } = await startBenchGateway({
		DATA_DIR: await mkdtemp(path.join(os.tmpdir(), "bench-gateway-")),
		DATA_STORE_URL: upstream,
		DATA_STORE_TOKEN: token,
		// Quotas raised so the bench measures the gateway's work, not its refusals.
		RATE_LIMITS: "moderation=1000000,lists=1000000,writes=1000000",
	});
	report({ url: gateway.url, key });
} else if (mode === "open-cloud") {
	// The fleet bench's Open Cloud, apart from the gateway and from the bench's clients, so neither's work
	// delays when a publish is seen to arrive. `upstream` is the key it knows, `token` the universe's players.
	const openCloud = new FakeOpenCloud();
	for (const keys of [openCloud.known, openCloud.permitted, openCloud.publishers]) keys.add(upstream);
	openCloud.players = Number(token);
	const url = await openCloud.listen();
	// The messages it accepted after the first `since`, on a port of its own.
	const published = http.createServer((req, res) => {
		const since = Number(new URL(req.url ?? "/", "http://bench").searchParams.get("since") ?? 0);
		res.setHeader("content-type", "application/json").end(JSON.stringify(openCloud.published.slice(since)));
	});
	published.listen(0, "127.0.0.1", () => report({ url, published: `http://127.0.0.1:${(published.address() as AddressInfo).port}` }));
} else if (mode === "gateway-fleet") {
	// The fleet bench's gateway: default quotas but `moderation`, raised to twice the 10 joins a second it
	// sends, so any refusal of a join check would be the events starving it; its Open Cloud is `rest[0]`.
	const [openCloudUrl] = rest;
	const { gateway, key } = await startBenchGateway({
		DATA_DIR: await mkdtemp(path.join(os.tmpdir(), "bench-fleet-")),
		DATA_STORE_URL: upstream,
		DATA_STORE_TOKEN: token,
		RATE_LIMITS: "moderation=1200",
		OPEN_CLOUD_URL: openCloudUrl,
		OUTBOUND_ALLOW_LOOPBACK: "true",
	});
	// This process's memory after a full collection, on a port of its own so asking costs the gateway nothing.
	v8.setFlagsFromString("--expose-gc");
	const collect = vm.runInNewContext("gc") as () => void;
	const memory = http.createServer((_req, res) => {
		collect();
		collect();
		const { rss, heapUsed } = process.memoryUsage();
		res.setHeader("content-type", "application/json").end(JSON.stringify({ rss, heapUsed }));
	});
	memory.listen(0, "127.0.0.1", () =>
		report({ url: gateway.url, key, memory: `http://127.0.0.1:${(memory.address() as AddressInfo).port}` }),
	);
} else if (mode === "gateway-embedded") {
	// `npm start` as shipped: the data store embedded, on a worker thread ("worker") or on the gateway's own loop ("inline").
	const { gateway, key } = await startBenchGateway(
		{ DATA_DIR: await mkdtemp(path.join(os.tmpdir(), "bench-embedded-")), RATE_LIMITS: "moderation=1000000,lists=1000000,writes=1000000" },
		{ inlineDataStore: upstream === "inline" },
	);
	report({ url: gateway.url, key });
} else if (mode === "gateway-redis") {
	const [redisUrl, sharedDataDir] = rest;
	// One of several instances: rate limits and invalidation in Redis, keys in a data directory they share.
	const { gateway, key } = await startBenchGateway(
		{
			DATA_DIR: sharedDataDir,
			DATA_STORE_URL: upstream,
			DATA_STORE_TOKEN: token,
			REDIS_URL: redisUrl,
			// Raised as for "gateway": every request still spends its quota in Redis, none is refused.
			RATE_LIMITS: "moderation=1000000,lists=1000000,writes=1000000",
			// The events bench holds 10,000 streams on one key, beside its load.
			EVENT_STREAMS_PER_KEY: "1000000",
			MAX_CONNECTIONS: "15000",
			LOG_LEVEL: "warn",
		},
		{ logTo: pino.destination(2) },
	);
	report({ url: gateway.url, key });
} else {
	throw new Error(`unknown bench target "${mode}"`);
}

// Exit cleanly on the parent's signal, so `--cpu-prof` can write its profile when profiling a target.
for (const signal of ["SIGINT", "SIGTERM"] as const) process.on(signal, () => process.exit(0));
