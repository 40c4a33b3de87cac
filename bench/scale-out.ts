// bench/scale-out.ts
// Scale-out bench: Redis rate limits against memory ones, and two gateway instances against one, in one run.

import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { Redis } from "ioredis";
import { deletePrefix } from "../test/gateway/platform/redis/redis-fixtures";
import { BenchTargets, best, measure, row, type Measurement } from "./harness";

const GUILD = "123456789012345678";
const CONNECTIONS = 32;

export interface ScaleOutBenchOptions {
	/** Seconds per measured run (default BENCH_SECONDS or 5). */
	seconds?: number;
	/** Interleaved rounds; the best of each case is kept (default BENCH_ROUNDS or 2). */
	rounds?: number;
	/** The Redis to use, without a prefix (default BENCH_REDIS_URL or redis://127.0.0.1:6379). */
	redisUrl?: string;
}

/**
 * Prints, from one run: (m) one gateway with memory rate limits, (r) the same with Redis rate limits and
 * invalidation, (2r) two such gateways sharing Redis and a data directory with the load split over both;
 * then r/m and 2r/r. Everything runs on this machine, so 2r/r says what a second instance costs or
 * gains when it competes for the same cores, not what it gains on a second machine. About a minute.
 */
export async function scaleOutBench(options: ScaleOutBenchOptions = {}): Promise<void> {
	const seconds = options.seconds ?? Number(process.env.BENCH_SECONDS ?? 5);
	const rounds = options.rounds ?? Number(process.env.BENCH_ROUNDS ?? 2);
	const server = options.redisUrl ?? process.env.BENCH_REDIS_URL ?? "redis://127.0.0.1:6379";
	const prefix = `bench-${randomBytes(6).toString("hex")}`;
	await requireRedis(server);
	const dataDir = await mkdtemp(path.join(os.tmpdir(), "bench-scale-out-"));
	const targets = new BenchTargets();
	try {
		const redisUrl = `${server}${server.includes("?") ? "&" : "?"}prefix=${prefix}`;
		const store = await targets.start("data-store");
		const memory = await targets.start("gateway", store.url, store.token, GUILD);
		// One after the other: the first creates the shared SQLite files.
		const first = await targets.start("gateway-redis", store.url, store.token, GUILD, redisUrl, dataDir);
		const second = await targets.start("gateway-redis", store.url, store.token, GUILD, redisUrl, dataDir);
		const path = `/api/v1/moderation/${GUILD}/ban-status/261`;
		const on = (target: Record<string, string>, connections: number, duration: number) =>
			measure(target.url + path, { "x-api-key": target.key }, connections, duration);

		const cases: Record<string, (duration: number) => Promise<Measurement>> = {
			"(m) 1 gateway, memory limits": (duration) => on(memory, CONNECTIONS, duration),
			"(r) 1 gateway, Redis limits": (duration) => on(first, CONNECTIONS, duration),
			"(2r) 2 gateways, Redis, load split": async (duration) => {
				const [a, b] = await Promise.all([on(first, CONNECTIONS / 2, duration), on(second, CONNECTIONS / 2, duration)]);
				return { rps: a.rps + b.rps, p50: Math.max(a.p50, b.p50), p99: Math.max(a.p99, b.p99), errors: a.errors + b.errors };
			},
		};
		// A short unmeasured pass first, so the JIT and connection pools warm up outside the rounds.
		for (const run of Object.values(cases)) await run(2);
		const runs: Record<string, Measurement[]> = {};
		// Interleaved rounds, so a slow moment of the machine does not land on one case only.
		for (let round = 0; round < rounds; round++) {
			for (const [name, run] of Object.entries(cases)) (runs[name] ??= []).push(await run(seconds));
		}
		const [m, r, twoR] = Object.values(runs).map(best);
		console.log(`\nScale-out, cached ban-status (${CONNECTIONS} connections in all, ${seconds} s per run, best of ${rounds} interleaved rounds)`);
		for (const [name, measured] of Object.entries(runs)) console.log(row(name, best(measured)));
		console.log(`\n  r/m  = ${(r.rps / m.rps).toFixed(2)}   (Redis limiter and per-request change check vs memory)`);
		console.log(`  2r/r = ${(twoR.rps / r.rps).toFixed(2)}   (two instances vs one, same ${os.availableParallelism()} cores)`);
	} finally {
		await targets.stop();
		await rm(dataDir, { recursive: true, force: true });
		await deletePrefix(prefix, server);
	}
}

async function requireRedis(url: string): Promise<void> {
	const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
	try {
		await redis.connect();
		await redis.ping();
	} catch {
		throw new Error("The scale-out bench needs Redis (BENCH_REDIS_URL, default redis://127.0.0.1:6379) and could not reach it");
	} finally {
		redis.disconnect();
	}
}

// `npx tsx bench/scale-out.ts` runs it alone.
if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) await scaleOutBench();
