// test/gateway/changes/cross-instance-invalidation.test.ts
// Three gateway processes on one Redis: revoke, disable, roll, ban and unban through one reach the others' next request.

import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startGatewayProcess, type GatewayProcess } from "../gateway-process";
import { ADMIN_TOKEN, GUILD_A, banBody } from "../harness";
import { deletePrefix, redisUrl, requireRedis, uniquePrefix } from "../platform/redis/redis-fixtures";

type Instance = GatewayProcess & { name: string };

let prefix: string;
let dataDir: string;
let instances: Instance[] = [];

async function startInstance(name: string, env: Record<string, string>): Promise<Instance> {
	return { name, ...(await startGatewayProcess(env)) };
}

beforeAll(async () => {
	await requireRedis();
	prefix = uniquePrefix("invalidation");
	dataDir = await mkdtemp(path.join(os.tmpdir(), "gateway-scale-out-"));
	const env = {
		HOST: "127.0.0.1",
		PORT: "0",
		DATA_DIR: dataDir,
		ADMIN_TOKEN,
		REDIS_URL: redisUrl(prefix),
		// Quotas and the auth-failure throttle out of the way: this suite measures invalidation, not refusals.
		RATE_LIMITS: "moderation=1000000,lists=1000000,writes=1000000",
		AUTH_FAILURES_PER_MINUTE: "1000000",
	};
	// The first creates the SQLite files; the others then open them side by side.
	instances = [await startInstance("a", env)];
	instances.push(...(await Promise.all([startInstance("b", env), startInstance("c", env)])));
}, 90_000);

afterAll(async () => {
	await Promise.all(instances.map((instance) => instance.stop()));
	await rm(dataDir, { recursive: true, force: true });
	await deletePrefix(prefix);
});

async function call(instance: Instance, method: string, pathname: string, headers: Record<string, string>, body?: unknown) {
	const response = await fetch(instance.url + pathname, {
		method,
		headers: { ...headers, ...(body === undefined ? {} : { "content-type": "application/json" }) },
		body: body === undefined ? undefined : JSON.stringify(body),
	});
	const text = await response.text();
	return { status: response.status, body: text === "" ? undefined : JSON.parse(text) };
}

const admin = (instance: Instance, method: string, pathname: string, body?: unknown) =>
	call(instance, method, `/admin/v1/guilds/${GUILD_A}${pathname}`, { authorization: `Bearer ${ADMIN_TOKEN}` }, body);

const banStatus = (instance: Instance, key: string, userId: string) =>
	call(instance, "GET", `/api/v1/moderation/${GUILD_A}/ban-status/${userId}`, { "x-api-key": key });

async function createKey(name: string): Promise<{ key: string; id: string }> {
	const created = await admin(instances[0], "POST", "/keys", { name });
	expect(created.status).toBe(201);
	return { key: created.body.data.key, id: created.body.data.api_key.id };
}

async function deleteKey(id: string): Promise<void> {
	await admin(instances[0], "POST", `/keys/${id}/revoke`);
	await admin(instances[0], "DELETE", `/keys/${id}`);
}

interface Sample {
	instance: string;
	startedAt: number;
	/** The request still saw the state from before the change. */
	stale: boolean;
}

/**
 * Keeps `perInstance` requests in flight at each instance, makes the change once the load runs, and
 * keeps going a while after the change is answered. Times are `performance.now()` of this process.
 */
async function measureAround(
	targets: Instance[],
	request: (instance: Instance) => Promise<boolean>,
	change: () => Promise<void>,
): Promise<{ samples: Sample[]; changeSentAt: number; changeAnsweredAt: number }> {
	const samples: Sample[] = [];
	let running = true;
	const worker = async (instance: Instance) => {
		while (running) {
			const startedAt = performance.now();
			samples.push({ instance: instance.name, startedAt, stale: await request(instance) });
		}
	};
	const workers = targets.flatMap((instance) => [0, 1, 2, 3].map(() => worker(instance)));
	await new Promise((resolve) => setTimeout(resolve, 300));
	const changeSentAt = performance.now();
	await change();
	const changeAnsweredAt = performance.now();
	await new Promise((resolve) => setTimeout(resolve, 300));
	running = false;
	await Promise.all(workers);
	return { samples, changeSentAt, changeAnsweredAt };
}

/** What the measurement says, printed for the README's bound. */
function summarize(what: string, result: Awaited<ReturnType<typeof measureAround>>) {
	const { samples, changeSentAt, changeAnsweredAt } = result;
	const afterAnswer = samples.filter((sample) => sample.startedAt > changeAnsweredAt);
	const staleAfterAnswer = afterAnswer.filter((sample) => sample.stale);
	const staleStarts = samples.filter((sample) => sample.stale).map((sample) => sample.startedAt);
	const lastStaleStart = Math.max(...staleStarts);
	console.log(
		`${what}: ${samples.length} requests; change answered ${(changeAnsweredAt - changeSentAt).toFixed(2)} ms after it was sent; ` +
			`${afterAnswer.length} requests started after the answer, ${staleAfterAnswer.length} of them stale; ` +
			`last stale request started ${(lastStaleStart - changeAnsweredAt).toFixed(2)} ms relative to the answer`,
	);
	return { afterAnswer: afterAnswer.length, staleAfterAnswer: staleAfterAnswer.length };
}

describe("changes across three gateway processes", () => {
	it("a key revoked through one instance is refused by the very next request at the others, under load", async () => {
		const { key, id } = await createKey("revoked under load");
		const [a, b, c] = instances;
		for (const instance of [b, c]) expect((await banStatus(instance, key, "261")).status).toBe(200);

		const result = await measureAround(
			[b, c],
			async (instance) => (await banStatus(instance, key, "261")).status === 200,
			async () => {
				expect((await admin(a, "POST", `/keys/${id}/revoke`)).status).toBe(200);
			},
		);
		const { afterAnswer, staleAfterAnswer } = summarize("revoke", result);

		expect(afterAnswer).toBeGreaterThan(0);
		expect(staleAfterAnswer).toBe(0);
		await admin(a, "DELETE", `/keys/${id}`);
	});

	it("a ban through one instance is seen by the very next cached read at the others, under load", async () => {
		const { key, id } = await createKey("ban under load");
		const [a, b, c] = instances;
		const userId = "7001";
		// Cached "not banned" at b and c.
		for (const instance of [b, c]) expect((await banStatus(instance, key, userId)).body.data.banned).toBe(false);

		const result = await measureAround(
			[b, c],
			async (instance) => (await banStatus(instance, key, userId)).body.data.banned === false,
			async () => {
				const banned = await call(a, "POST", `/api/v1/moderation/${GUILD_A}/roblox/ban`, { "x-api-key": key }, banBody(userId));
				expect(banned.status).toBe(201);
			},
		);
		const { afterAnswer, staleAfterAnswer } = summarize("ban", result);

		expect(afterAnswer).toBeGreaterThan(0);
		expect(staleAfterAnswer).toBe(0);
		await deleteKey(id);
	});

	it("disable and enable through one instance apply at the next request everywhere", async () => {
		const { key, id } = await createKey("toggled");
		const [a, b, c] = instances;
		for (const instance of instances) expect((await banStatus(instance, key, "261")).status).toBe(200);

		await admin(a, "POST", `/keys/${id}/disable`);
		const whileDisabled = [await banStatus(b, key, "261"), await banStatus(c, key, "261")];
		await admin(b, "POST", `/keys/${id}/enable`);
		const afterEnable = [await banStatus(a, key, "261"), await banStatus(c, key, "261")];

		expect(whileDisabled.map((response) => [response.status, response.body.error])).toEqual([
			[401, "key_disabled"],
			[401, "key_disabled"],
		]);
		expect(afterEnable.map((response) => response.status)).toEqual([200, 200]);
		await deleteKey(id);
	});

	it("a roll through one instance retires the old secret at the next request everywhere", async () => {
		const { key, id } = await createKey("rolled");
		const [a, b, c] = instances;
		for (const instance of instances) expect((await banStatus(instance, key, "261")).status).toBe(200);

		const rolled = await admin(c, "POST", `/keys/${id}/roll`, { expire_previous_in_seconds: 0 });
		const oldSecret = [await banStatus(a, key, "261"), await banStatus(b, key, "261")];
		const newSecret = [await banStatus(a, rolled.body.data.key, "261"), await banStatus(b, rolled.body.data.key, "261")];

		expect(oldSecret.map((response) => response.status)).toEqual([401, 401]);
		expect(newSecret.map((response) => response.status)).toEqual([200, 200]);
		await deleteKey(id);
	});

	it("an unban through one instance is seen by the next cached read everywhere", async () => {
		const { key, id } = await createKey("unban");
		const [a, b, c] = instances;
		const userId = "7002";
		await call(a, "POST", `/api/v1/moderation/${GUILD_A}/roblox/ban`, { "x-api-key": key }, banBody(userId));
		// Cached "banned" at every instance.
		for (const instance of instances) expect((await banStatus(instance, key, userId)).body.data.banned).toBe(true);

		const unbanned = await call(b, "POST", `/api/v1/moderation/${GUILD_A}/roblox/unban`, { "x-api-key": key }, {
			roblox_id: userId,
			moderator_roblox_id: "1",
		});
		const reads = [await banStatus(a, key, userId), await banStatus(c, key, userId)];

		expect(unbanned.status).toBe(200);
		expect(reads.map((response) => response.body.data.banned)).toEqual([false, false]);
		await deleteKey(id);
	});
});
