// test/gateway/changes/redis-change-bus.test.ts
// RedisChangeBus on the shared Redis: delivery to other instances, catch-up of missed changes, outages, a lost Redis.

import { Redis } from "ioredis";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { Change } from "../../../gateway/changes/change-bus";
import { RedisChangeBus } from "../../../gateway/changes/redis-change-bus";
import { connectRedis, redisReady, redisTarget } from "../../../gateway/platform/redis/redis-connection";
import { REDIS_HOST, REDIS_PORT, deletePrefix, redisUrl, requireRedis, startRedisRelay, uniquePrefix, type RedisRelay } from "../platform/redis/redis-fixtures";

const revoked: Change = { kind: "key", keyId: "9a3c1f7e-key" };
const banned: Change = { kind: "ban", guildId: "123456789012345678", userId: "261" };

let prefix: string;
let relay: RedisRelay;
let admin: Redis;
const buses: RedisChangeBus[] = [];

beforeAll(async () => {
	await requireRedis();
	admin = new Redis({ host: REDIS_HOST, port: REDIS_PORT });
	relay = await startRedisRelay();
});
afterAll(async () => {
	await relay.close();
	await admin.quit();
});
beforeEach(async () => {
	prefix = uniquePrefix("change-bus");
	await relay.restore();
});
afterEach(async () => {
	await Promise.all(buses.splice(0).map((bus) => bus.close()));
	await deletePrefix(prefix);
});

/** A bus whose connections go straight to Redis, or through the relay the test can cut. */
async function openBus(through: { commands?: "relay"; subscription?: "relay" } = {}): Promise<{ bus: RedisChangeBus; heard: Change[] }> {
	const direct = redisTarget(redisUrl(prefix));
	const relayed = redisTarget(redisUrl(prefix, relay.port));
	const redis = connectRedis(through.commands === "relay" ? relayed : direct, "changes", () => {});
	const subscriber = connectRedis(through.subscription === "relay" ? relayed : direct, "change subscription", () => {});
	await Promise.all([redisReady(redis), redisReady(subscriber)]);
	const bus = await RedisChangeBus.open({ redis, subscriber, prefix, log: () => {} });
	buses.push(bus);
	const heard: Change[] = [];
	bus.subscribe((change) => heard.push(change));
	return { bus, heard };
}

async function until(condition: () => boolean | Promise<boolean>, what: string): Promise<void> {
	const deadline = Date.now() + 5_000;
	while (!(await condition())) {
		if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
		await new Promise((resolve) => setTimeout(resolve, 10));
	}
}

const subscribers = async () => {
	const [, count] = (await admin.pubsub("NUMSUB", `${prefix}:changes`)) as [string, number];
	return count;
};

describe("RedisChangeBus", () => {
	it("delivers a change to every other instance and not back to its publisher", async () => {
		const a = await openBus();
		const b = await openBus();
		const c = await openBus();
		await until(async () => (await subscribers()) === 3, "all three are subscribed");

		a.bus.publish(revoked);
		a.bus.publish(banned);
		await until(() => b.heard.length === 2 && c.heard.length === 2, "b and c heard both changes");

		expect(b.heard).toEqual([revoked, banned]);
		expect(c.heard).toEqual([revoked, banned]);
		expect(a.heard).toEqual([]);
	});

	it("catchUp applies a change whose message never arrived", async () => {
		const a = await openBus();
		const b = await openBus({ subscription: "relay" });
		await relay.cut();

		a.bus.publish(revoked);
		await until(async () => Number(await admin.get(`${prefix}:changes:generation`)) === 1, "the change is counted");
		await b.bus.catchUp();

		expect(b.heard).toEqual([revoked]);
	});

	it("a change made while Redis is unreachable is published once Redis is back", async () => {
		const a = await openBus({ commands: "relay" });
		const b = await openBus();
		await until(async () => (await subscribers()) === 2, "both are subscribed");
		await relay.cut();

		a.bus.publish(revoked);
		await new Promise((resolve) => setTimeout(resolve, 100));
		const heardDuringOutage = [...b.heard];
		await relay.restore();
		await until(() => b.heard.length === 1, "b heard the change");

		expect(heardDuringOutage).toEqual([]);
		expect(b.heard).toEqual([revoked]);
	});

	it("a Redis that lost its data is followed from its new first change", async () => {
		const a = await openBus();
		const b = await openBus({ subscription: "relay" });
		await until(async () => (await subscribers()) === 2, "both are subscribed");
		a.bus.publish(revoked);
		await until(() => b.heard.length === 1, "b heard the first change");
		await b.bus.catchUp();

		// As after a restart without persistence: the counter, era and log are gone.
		await deletePrefix(prefix);
		await relay.cut();
		a.bus.publish(banned);
		await until(async () => Number(await admin.get(`${prefix}:changes:generation`)) === 1, "the new era counted its first change");
		await b.bus.catchUp();

		expect(b.heard).toEqual([revoked, banned]);
	});
});
