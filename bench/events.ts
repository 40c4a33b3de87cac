// bench/events.ts
// Events bench: delivery from one instance to streams on another, 10,000 open streams, and the hot path beside them.

import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import http from "node:http";
import os from "node:os";
import { createInterface } from "node:readline";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { deletePrefix } from "../test/gateway/platform/redis/redis-fixtures";
import { BenchTargets, best, measure, row, type Measurement } from "./harness";

const GUILD = "123456789012345678";
const STREAMS = Number(process.env.BENCH_STREAMS ?? 10_000);
const DELIVERY_STREAMS = 20;
const DELIVERY_BANS = 100;

/** One open event stream, as a game server or bot holds it: it notes when each ban of a user arrives. */
interface OpenStream {
	arrivals: Map<string, number>;
	close(): void;
}

function openStream(url: string, key: string): Promise<OpenStream> {
	return new Promise((resolve, reject) => {
		const arrivals = new Map<string, number>();
		const request = http.get(
			`${url}/api/v1/moderation/${GUILD}/events`,
			{ headers: { "x-api-key": key, accept: "text/event-stream" }, agent: false },
			(response) => {
				if (response.statusCode !== 200) return reject(new Error(`stream refused: ${response.statusCode}`));
				response.setEncoding("utf8");
				response.on("data", (chunk: string) => {
					const at = performance.now();
					for (const match of chunk.matchAll(/"roblox_id":"(\d+)"/g)) if (!arrivals.has(match[1])) arrivals.set(match[1], at);
				});
				response.on("error", () => undefined);
				resolve({ arrivals, close: () => request.destroy() });
			},
		);
		request.on("error", reject);
	});
}

export async function openStreams(url: string, key: string, count: number): Promise<OpenStream[]> {
	const streams: OpenStream[] = [];
	// A few hundred at a time: the listen backlog of the gateway is finite.
	for (let opened = 0; opened < count; opened += 200) {
		streams.push(...(await Promise.all(Array.from({ length: Math.min(200, count - opened) }, () => openStream(url, key)))));
	}
	return streams;
}

async function ban(url: string, key: string, robloxId: number): Promise<number> {
	const response = await fetch(`${url}/api/v1/moderation/${GUILD}/roblox/ban`, {
		method: "POST",
		headers: { "x-api-key": key, "content-type": "application/json" },
		body: JSON.stringify({ roblox_id: robloxId, reason: "bench", moderator_roblox_id: 1 }),
	});
	await response.arrayBuffer();
	if (response.status !== 201) throw new Error(`ban answered ${response.status}`);
	return performance.now();
}

/** Waits until every stream has the user's ban; resolves with the latest arrival (or rejects after `ms`). */
async function allArrived(streams: OpenStream[], robloxId: number, ms = 10_000): Promise<number> {
	const deadline = performance.now() + ms;
	const id = String(robloxId);
	while (performance.now() < deadline) {
		if (streams.every((stream) => stream.arrivals.has(id))) return Math.max(...streams.map((stream) => stream.arrivals.get(id)!));
		await new Promise((resolve) => setTimeout(resolve, 2));
	}
	throw new Error(`ban of ${id} did not reach every stream within ${ms} ms`);
}

/**
 * STREAMS streams held by a process of their own (`bench/stream-holder.ts`): held in the bench's own
 * process, their sockets and objects would slow the load generator measuring the hot path beside them.
 */
async function holdStreams(url: string, key: string, count: number) {
	const child = spawn(process.execPath, ["--import", "tsx", "bench/stream-holder.ts", url, key, String(count)], {
		stdio: ["ignore", "pipe", "inherit"],
	});
	const lines = createInterface({ input: child.stdout! })[Symbol.asyncIterator]();
	const next = async () => JSON.parse(((await lines.next()).value as string | undefined) ?? "{}") as { open?: number; all?: string; at?: number };
	if ((await next()).open !== count) throw new Error("the stream holder could not open its streams");
	return {
		/** Wall-clock ms at which the last of the streams had the user's ban. */
		async allHave(robloxId: number): Promise<number> {
			const line = await next();
			if (line.all !== String(robloxId) || line.at === undefined) throw new Error(`stream holder said ${JSON.stringify(line)}`);
			return line.at;
		},
		stop: () => new Promise((resolve) => child.once("exit", resolve).kill("SIGTERM")),
	};
}

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];

async function residentBytes(url: string): Promise<number> {
	const text = await (await fetch(`${url}/metrics`)).text();
	return Number(/^process_resident_memory_bytes (\d+)/m.exec(text)?.[1]);
}

/**
 * Prints, from one run: delivery latency of a ban through instance 1 to streams on instance 2 (p50,
 * p99), memory per stream and fan-out time with STREAMS open on instance 2, and instance 2's uncached
 * ban-status with those streams open against without them, beside a bare proxy.
 */
export async function eventsBench(): Promise<void> {
	const server = process.env.BENCH_REDIS_URL ?? "redis://127.0.0.1:6379";
	const prefix = `bench-${randomBytes(6).toString("hex")}`;
	const dataDir = await mkdtemp(path.join(os.tmpdir(), "bench-events-"));
	const targets = new BenchTargets();
	try {
		const redisUrl = `${server}${server.includes("?") ? "&" : "?"}prefix=${prefix}`;
		const store = await targets.start("data-store");
		const proxy = await targets.start("bare-proxy", store.url, store.token, GUILD);
		const first = await targets.start("gateway-redis", store.url, store.token, GUILD, redisUrl, dataDir);
		const second = await targets.start("gateway-redis", store.url, store.token, GUILD, redisUrl, dataDir);

		// Delivery: each ban's arrival on each of 20 streams, measured from the ban's answer.
		const listeners = await openStreams(second.url, second.key, DELIVERY_STREAMS);
		const delays: number[] = [];
		for (let i = 1; i <= DELIVERY_BANS; i++) {
			const answered = await ban(first.url, first.key, i);
			await allArrived(listeners, i);
			for (const stream of listeners) delays.push(stream.arrivals.get(String(i))! - answered);
		}
		for (const stream of listeners) stream.close();
		delays.sort((a, b) => a - b);

		// Capacity: STREAMS open on one instance, one ban fanned out to all of them.
		const path = `/api/v1/moderation/${GUILD}/ban-status/261?no_cache=true`;
		const hotPath = (target: Record<string, string>, seconds: number) => measure(target.url + path, { "x-api-key": target.key }, 32, seconds);
		const bare = (seconds: number) => measure(proxy.url + path, {}, 32, seconds);
		await hotPath(second, 2);
		const without: Measurement[] = [];
		const bareRuns: Measurement[] = [];
		for (let round = 0; round < 2; round++) {
			without.push(await hotPath(second, 5));
			bareRuns.push(await bare(5));
		}
		const before = await residentBytes(second.url);
		const holder = await holdStreams(second.url, second.key, STREAMS);
		await new Promise((resolve) => setTimeout(resolve, 1_000));
		const after = await residentBytes(second.url);
		const arrival = holder.allHave(10_000_001);
		await ban(first.url, first.key, 10_000_001);
		const fanOutAnswered = Date.now();
		const fanOut = (await arrival) - fanOutAnswered;
		const withStreams: Measurement[] = [];
		for (let round = 0; round < 2; round++) withStreams.push(await hotPath(second, 5));
		await holder.stop();

		const [c, cStreams, b] = [best(without), best(withStreams), best(bareRuns)];
		console.log(`\nEvents (instance 1 bans, instance 2 streams, Redis between them)`);
		console.log(`  delivery, ${DELIVERY_BANS} bans x ${DELIVERY_STREAMS} streams: p50 ${percentile(delays, 50).toFixed(1)} ms   p99 ${percentile(delays, 99).toFixed(1)} ms   (goal p99 < 1000 ms)`);
		console.log(`  ${STREAMS} open streams: ${((after - before) / STREAMS / 1024).toFixed(1)} KiB each   (goal < 20 KiB)`);
		console.log(`  fan-out of one ban to all ${STREAMS}: ${fanOut.toFixed(0)} ms   (goal < 1000 ms)`);
		console.log(row("(b) bare http-proxy-middleware", b));
		console.log(row("(c) instance 2, no_cache=true", c));
		console.log(row(`(c+s) the same, ${STREAMS} streams open`, cStreams));
		console.log(`  c/b = ${(c.rps / b.rps).toFixed(2)}   (c+s)/b = ${(cStreams.rps / b.rps).toFixed(2)}   (goal >= 0.90)`);
	} finally {
		await targets.stop();
		await rm(dataDir, { recursive: true, force: true });
		await deletePrefix(prefix, server);
	}
}

// `npx tsx bench/events.ts` runs it alone.
if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) await eventsBench();
