// test/gateway/rate-limits/redis-rate-limits.test.ts
// Two gateways on one Redis share quotas and the auth-failure throttle; a Redis outage falls back without a 5xx.

import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { Redis } from "ioredis";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { GUILD_A, startTestGateway, type TestGateway } from "../harness";
import { REDIS_HOST, REDIS_PORT, deletePrefix, redisUrl, requireRedis, startRedisRelay, uniquePrefix, type RedisRelay } from "../platform/redis/redis-fixtures";

const QUOTA = 12;

let prefix: string;
let dataDir: string;
let redis: Redis;
const running: TestGateway[] = [];

beforeAll(async () => {
	await requireRedis();
	redis = new Redis({ host: REDIS_HOST, port: REDIS_PORT });
});
afterAll(() => redis.quit());

afterEach(async () => {
	await Promise.all(running.splice(0).map((gateway) => gateway.stop({ keepData: true })));
	await rm(dataDir, { recursive: true, force: true });
	await deletePrefix(prefix);
});

/**
 * Two gateways sharing one SQLite data directory (so both know the same keys) and one Redis prefix;
 * without DATABASE_URL that is how two instances on one machine share keys.
 */
async function twoGateways(url: (prefix: string) => string, env: Record<string, string> = {}): Promise<[TestGateway, TestGateway]> {
	prefix = uniquePrefix("rate-limits");
	dataDir = await mkdtemp(path.join(os.tmpdir(), "gateway-redis-"));
	const settings = { REDIS_URL: url(prefix), RATE_LIMITS: `moderation=${QUOTA},lists=100,writes=50`, ...env };
	const a = await startTestGateway(settings, { dataDir });
	running.push(a);
	const b = await startTestGateway(settings, { dataDir });
	running.push(b);
	return [a, b];
}

const muteStatus = (gateway: TestGateway, key: string) =>
	gateway.api(`/moderation/${GUILD_A}/mute-status/261`, { headers: { "x-api-key": key } });

describe("Redis rate limits across instances", () => {
	it("a key's quota is shared exactly by two instances", async () => {
		const [a, b] = await twoGateways((p) => redisUrl(p));
		const { key } = await a.createKey();

		const remaining: string[] = [];
		for (let i = 0; i < QUOTA; i++) {
			const response = await muteStatus(i % 2 === 0 ? a : b, key);
			expect(response.status).toBe(200);
			remaining.push(response.headers.get("ratelimit")!);
		}
		const refusedAtA = await muteStatus(a, key);
		const refusedAtB = await muteStatus(b, key);

		expect(remaining).toEqual(Array.from({ length: QUOTA }, (_, i) => expect.stringContaining(`"moderation";r=${QUOTA - 1 - i};`)));
		for (const refused of [refusedAtA, refusedAtB]) {
			expect(refused.status).toBe(429);
			expect(refused.body.error).toBe("rate_limited");
			expect(Number(refused.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
		}
	});

	it("failed authentications from one address are counted across instances", async () => {
		const [a, b] = await twoGateways((p) => redisUrl(p), { AUTH_FAILURES_PER_MINUTE: "4" });
		const wrong = { "x-api-key": `technified_${GUILD_A}_notarealsecret` };

		const failures = [];
		for (const gateway of [a, b, a, b]) failures.push((await gateway.api(`/moderation/${GUILD_A}/ban-status/1`, { headers: wrong })).status);
		const next = await b.api(`/moderation/${GUILD_A}/ban-status/1`, { headers: wrong });

		expect(failures).toEqual([401, 401, 401, 401]);
		expect(next.status).toBe(429);
		expect(next.body.error).toBe("auth_throttled");
	});

	describe("Redis unreachable during load", () => {
		let relay: RedisRelay;
		beforeAll(async () => {
			relay = await startRedisRelay();
		});
		afterAll(() => relay.close());

		it("answers no 5xx, limits each instance on its own, then shares limits again", async () => {
			const [a, b] = await twoGateways((p) => redisUrl(p, relay.port));
			const load = await a.createKey(GUILD_A, { name: "load" });
			const outage = await a.createKey(GUILD_A, { name: "outage" });
			const rejoin = await a.createKey(GUILD_A, { name: "rejoin" });
			const background = startLoad([a, b], load.key);

			// Outage: every connection to Redis is dropped and new ones are refused.
			await relay.cut();
			const outageA = await statuses(a, outage.key, QUOTA + 1);
			const outageB = await statuses(b, outage.key, QUOTA + 1);

			// Redis is back: each instance counts in Redis again once it has reconnected.
			await relay.restore();
			const counterKey = `${prefix}:quota:moderation:${rejoin.id}`;
			await countedInRedis(a, rejoin.key, counterKey);
			await countedInRedis(b, rejoin.key, counterKey);
			const spent = Number(await redis.get(counterKey));
			const sharedAgain = [];
			for (let i = spent; i < QUOTA; i++) sharedAgain.push((await muteStatus(i % 2 === 0 ? a : b, rejoin.key)).status);
			const afterQuota = [(await muteStatus(a, rejoin.key)).status, (await muteStatus(b, rejoin.key)).status];
			const loadStatuses = await background.stop();

			// Each instance allowed the whole quota on its own, then refused: limits held, per instance.
			expect(outageA).toEqual([...Array(QUOTA).fill(200), 429]);
			expect(outageB).toEqual([...Array(QUOTA).fill(200), 429]);
			expect(sharedAgain.every((status) => status === 200)).toBe(true);
			expect(afterQuota).toEqual([429, 429]);
			expect(loadStatuses.size).toBeGreaterThan(0);
			expect([...loadStatuses.keys()].filter((status) => status >= 500)).toEqual([]);
		});

		it("a Redis that stops answering delays requests briefly, then not at all, and causes no 5xx", async () => {
			const [a, b] = await twoGateways((p) => redisUrl(p, relay.port));
			const { key, id } = await a.createKey();

			relay.freeze();
			const during: { status: number; ms: number }[] = [];
			const frozenAt = performance.now();
			while (performance.now() - frozenAt < 3_000) {
				const startedAt = performance.now();
				const { status } = await muteStatus(a, key);
				during.push({ status, ms: performance.now() - startedAt });
			}
			relay.thaw();
			const counterKey = `${prefix}:quota:moderation:${id}`;
			await countedInRedis(a, key, counterKey);
			await countedInRedis(b, key, counterKey);

			// At most the command timeout for each of the request's Redis steps, until the watchdog
			// (every second) drops the silent connection; from then on, no wait at all.
			expect(during.filter(({ status }) => status >= 500)).toEqual([]);
			expect(Math.max(...during.map(({ ms }) => ms))).toBeLessThan(1_000);
			expect(Math.max(...during.slice(-5).map(({ ms }) => ms))).toBeLessThan(100);
		});
	});
});

async function statuses(gateway: TestGateway, key: string, count: number): Promise<number[]> {
	const result = [];
	for (let i = 0; i < count; i++) result.push((await muteStatus(gateway, key)).status);
	return result;
}

/** Sends requests until one is seen in Redis's counter: the instance has rejoined Redis. */
async function countedInRedis(gateway: TestGateway, key: string, counterKey: string): Promise<void> {
	const deadline = Date.now() + 10_000;
	while (Date.now() < deadline) {
		const before = Number((await redis.get(counterKey)) ?? 0);
		await muteStatus(gateway, key);
		if (Number((await redis.get(counterKey)) ?? 0) === before + 1) return;
		await new Promise((resolve) => setTimeout(resolve, 100));
	}
	throw new Error(`gateway ${gateway.url} did not rejoin Redis within 10 s`);
}

/** Four requests at a time, spread over the gateways, until stopped; returns how often each status came. */
function startLoad(gateways: TestGateway[], key: string): { stop(): Promise<Map<number, number>> } {
	const seen = new Map<number, number>();
	let running = true;
	const worker = async (index: number) => {
		for (let i = index; running; i++) {
			const { status } = await muteStatus(gateways[i % gateways.length], key);
			seen.set(status, (seen.get(status) ?? 0) + 1);
		}
	};
	const workers = [0, 1, 2, 3].map(worker);
	return {
		async stop() {
			running = false;
			await Promise.all(workers);
			return seen;
		},
	};
}
