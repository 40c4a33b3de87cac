// test/gateway/servers/servers-instances.test.ts
// Two gateway instances sharing PostgreSQL and Redis: presence seen on either is listed on both, a command sent through one reaches its server's held poll on the other within 2 s; on PostgreSQL alone; and presence while Redis is gone.

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GUILD_A, startTestGateway, type TestGateway } from "../harness";
import { createTestSchema, type TestSchema } from "../platform/db/test-schema";
import { deletePrefix, redisUrl, requireRedis, startRedisRelay, uniquePrefix, type RedisRelay } from "../platform/redis/redis-fixtures";

describe("live servers across two instances on PostgreSQL and Redis", () => {
	let schema: TestSchema;
	let prefix: string;
	let first: TestGateway;
	let second: TestGateway;
	let key: string;
	/** Both instances' clocks stand this far ahead of the wall clock (ms). */
	let ahead = 0;
	const clock = () => Date.now() + ahead;

	const poll = (gateway: TestGateway, query: string) => gateway.api(`/moderation/${GUILD_A}/events?${query}`, { headers: { "x-api-key": key } });
	const held = (gateway: TestGateway, query: string) =>
		fetch(`${gateway.url}/api/v1/moderation/${GUILD_A}/events?${query}`, { headers: { "x-api-key": key } }).then(async (response) => (await response.json()) as any);
	const listed = async (gateway: TestGateway) =>
		((await gateway.admin("GET", `/guilds/${GUILD_A}/servers`)).body.data.servers as { job_id: string; follows: string }[]).map((server) => `${server.job_id}:${server.follows}`).sort();

	beforeAll(async () => {
		await requireRedis();
		schema = await createTestSchema("servers");
		prefix = uniquePrefix("servers");
		const env = { DATABASE_URL: schema.url, REDIS_URL: redisUrl(prefix) };
		first = await startTestGateway(env, { clock });
		second = await startTestGateway(env, { clock });
		key = (await first.createKey(GUILD_A)).key;
	});
	afterAll(async () => {
		await second?.stop();
		await first?.stop();
		await schema?.drop();
		await deletePrefix(prefix);
	});

	it("lists on each instance the servers seen on the other, and forgets them together after 90 s", async () => {
		await poll(first, "wait=0&job_id=job-x&place_id=1&players=10");
		const beat = await second.api(`/moderation/${GUILD_A}/servers/heartbeat`, { method: "POST", headers: { "x-api-key": key }, body: { job_id: "job-p", place_id: 1, players: 3 } });
		expect(beat.status).toBe(200);
		await expect.poll(() => listed(second)).toEqual(["job-p:push", "job-x:poll"]);
		expect(await listed(first)).toEqual(["job-p:push", "job-x:poll"]);
		ahead += 91_000;
		expect(await listed(first)).toEqual([]);
		expect(await listed(second)).toEqual([]);
	});

	it("sends a command through one instance to its server's held poll on the other within 2 s, and a broadcast to every identified server", async () => {
		const head = (await poll(second, "wait=0&job_id=job-x")).body.data.next as number;
		await poll(first, "wait=0&job_id=job-y");
		await expect.poll(() => listed(first)).toEqual(["job-x:poll", "job-y:poll"]);
		const forX = held(second, `after=${head}&wait=20&job_id=job-x`);
		const forY = held(second, `after=${head}&wait=3&job_id=job-y`);
		await new Promise((resolve) => setTimeout(resolve, 300));

		const sent = await first.admin("POST", `/guilds/${GUILD_A}/servers/commands`, { kind: "shutdown", job_id: "job-x", reason: "Update" });
		const sentAt = Date.now();
		expect(sent.status).toBe(202);
		const shutdown = sent.body.data.command;
		expect((await forX).data.events).toMatchObject([{ event: "command", command: { id: shutdown.id, kind: "shutdown", reason: "Update" } }]);
		expect(Date.now() - sentAt).toBeLessThan(2_000);
		expect((await forY).data.events).toEqual([]);

		const onSecond = held(second, `after=${head + 1}&wait=20&job_id=job-y`);
		const onFirst = held(first, `after=${head + 1}&wait=20&job_id=job-x`);
		await new Promise((resolve) => setTimeout(resolve, 300));
		const broadcast = await second.admin("POST", `/guilds/${GUILD_A}/servers/commands`, { kind: "message", job_id: null, text: "Hello, everyone" });
		const broadcastAt = Date.now();
		expect([...broadcast.body.data.command.targets].sort()).toEqual(["job-x", "job-y"]);
		for (const answered of await Promise.all([onSecond, onFirst])) expect(answered.data.events).toMatchObject([{ event: "command", command: { text: "Hello, everyone", job_id: null } }]);
		expect(Date.now() - broadcastAt).toBeLessThan(2_000);

		// Acked through one instance, followed through the other.
		const ack = await second.api(`/roblox/servers/job-x/commands/${shutdown.id}/ack`, { method: "POST", headers: { "x-api-key": key }, body: { guildId: GUILD_A, success: true, result: "Shut down" } });
		expect(ack.status).toBe(200);
		expect((await first.admin("GET", `/guilds/${GUILD_A}/servers/commands/${shutdown.id}`)).body.data.command.acks).toEqual([
			{ job_id: "job-x", outcome: "done", result: "Shut down", acked_at: expect.any(Number) },
		]);
	});
});

describe("live servers while Redis is unreachable", () => {
	let prefix: string;
	let relay: RedisRelay;
	let gateway: TestGateway;
	let key: string;

	beforeAll(async () => {
		await requireRedis();
		prefix = uniquePrefix("servers-outage");
		relay = await startRedisRelay();
		gateway = await startTestGateway({ REDIS_URL: redisUrl(prefix, relay.port) });
		key = (await gateway.createKey(GUILD_A)).key;
	});
	afterAll(async () => {
		await gateway?.stop();
		await relay?.close();
		await deletePrefix(prefix);
	});

	it("still answers polls; a heartbeat and the list say 503 until Redis is back", async () => {
		await relay.cut();
		const polled = await gateway.api(`/moderation/${GUILD_A}/events?wait=0&job_id=job-z`, { headers: { "x-api-key": key } });
		expect(polled.status).toBe(200);
		const beat = await gateway.api(`/moderation/${GUILD_A}/servers/heartbeat`, { method: "POST", headers: { "x-api-key": key }, body: { job_id: "job-z", place_id: 1, players: 1 } });
		expect(beat.status).toBe(503);
		expect(beat.body.error).toBe("service_unavailable");
		expect((await gateway.admin("GET", `/guilds/${GUILD_A}/servers`)).status).toBe(503);

		await relay.restore();
		await expect
			.poll(async () => (await gateway.api(`/moderation/${GUILD_A}/servers/heartbeat`, { method: "POST", headers: { "x-api-key": key }, body: { job_id: "job-z", place_id: 1, players: 1 } })).status, { timeout: 5_000 })
			.toBe(200);
		expect((await gateway.admin("GET", `/guilds/${GUILD_A}/servers`)).body.data.servers).toMatchObject([{ job_id: "job-z", follows: "push" }]);
	});
});

describe("live servers across two instances on PostgreSQL alone", () => {
	let schema: TestSchema;
	let first: TestGateway;
	let second: TestGateway;
	let key: string;

	beforeAll(async () => {
		schema = await createTestSchema("servers_pg");
		first = await startTestGateway({ DATABASE_URL: schema.url });
		second = await startTestGateway({ DATABASE_URL: schema.url });
		key = (await first.createKey(GUILD_A)).key;
	});
	afterAll(async () => {
		await second?.stop();
		await first?.stop();
		await schema?.drop();
	});

	it("keeps presence in the shared table, and a command wakes the other instance's held poll through LISTEN/NOTIFY", async () => {
		const head = (await second.api(`/moderation/${GUILD_A}/events?wait=0&job_id=job-q`, { headers: { "x-api-key": key } })).body.data.next as number;
		await expect.poll(async () => (await first.admin("GET", `/guilds/${GUILD_A}/servers`)).body.data.servers.map((server: { job_id: string }) => server.job_id)).toEqual(["job-q"]);
		const waiting = fetch(`${second.url}/api/v1/moderation/${GUILD_A}/events?after=${head}&wait=20&job_id=job-q`, { headers: { "x-api-key": key } });
		await new Promise((resolve) => setTimeout(resolve, 300));
		const sent = await first.admin("POST", `/guilds/${GUILD_A}/servers/commands`, { kind: "message", job_id: "job-q", text: "Hello" });
		const sentAt = Date.now();
		expect(sent.status).toBe(202);
		// Well inside the hub's 5 s safety read: only the notification can have woken it this soon.
		expect(((await (await waiting).json()) as any).data.events).toMatchObject([{ event: "command", command: { text: "Hello" } }]);
		expect(Date.now() - sentAt).toBeLessThan(2_000);
	});
});
