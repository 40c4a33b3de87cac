// test/gateway/keys/key-console-fields.test.ts
// Keys' description, per-key quota overrides, last_used_ip and recent client addresses, on SQLite and on PostgreSQL with two instances.

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GUILD_A, startTestGateway, type TestGateway } from "../harness";
import { createTestSchema, type TestSchema } from "../platform/db/test-schema";
import { deletePrefix, redisUrl, requireRedis, uniquePrefix } from "../platform/redis/redis-fixtures";

const keyPath = (id: string) => `/guilds/${GUILD_A}/keys/${id}`;

describe.each(["sqlite", "postgres"] as const)("key description, quotas and addresses on %s", (backend) => {
	let first: TestGateway;
	/** A second instance on the same stores (PostgreSQL and Redis); the same one on SQLite. */
	let second: TestGateway;
	let schema: TestSchema | undefined;
	let prefix: string | undefined;

	beforeAll(async () => {
		if (backend === "postgres") {
			await requireRedis();
			schema = await createTestSchema("keyfields");
			prefix = uniquePrefix("keyfields");
			// Trusting one proxy hop lets the test speak for different client addresses with X-Forwarded-For.
			const env = { DATABASE_URL: schema.url, REDIS_URL: redisUrl(prefix), TRUST_PROXY: "1" };
			first = await startTestGateway(env);
			second = await startTestGateway(env);
		} else {
			first = second = await startTestGateway({ TRUST_PROXY: "1" });
		}
	});
	afterAll(async () => {
		await first.stop();
		if (second !== first) await second.stop();
		await schema?.drop();
		if (prefix !== undefined) await deletePrefix(prefix);
	});

	const status = (gateway: TestGateway, key: string, from = "203.0.113.7") =>
		gateway.api(`/moderation/${GUILD_A}/ban-status/1?no_cache=true`, { headers: { "x-api-key": key, "x-forwarded-for": from } });

	it("a description is kept at creation, changed or cleared by PATCH, and refused past 256 characters", async () => {
		const { id } = await first.createKey(GUILD_A, { name: "bot", description: "  Discord bot on the VPS  " });
		const listed = await second.admin("GET", `/guilds/${GUILD_A}/keys`);
		expect(listed.body.data.keys.find((key: { id: string }) => key.id === id)).toMatchObject({ description: "Discord bot on the VPS", rate_limits: null, last_used_ip: null });
		const changed = await first.admin("PATCH", keyPath(id), { description: "x".repeat(256) });
		expect(changed.body.data.api_key.description).toHaveLength(256);
		const tooLong = await first.admin("PATCH", keyPath(id), { description: "x".repeat(257) });
		expect(tooLong).toMatchObject({ status: 400, body: { error: "bad_request", message: "description must be at most 256 characters, or null" } });
		expect((await first.admin("PATCH", keyPath(id), { description: null })).body.data.api_key.description).toBeNull();
		await first.admin("POST", `${keyPath(id)}/revoke`);
	});

	it("a key with moderation=2 gets 429 on its third request, counted across instances, and null restores the default", async () => {
		const { key, id } = await first.createKey();
		const patched = await first.admin("PATCH", keyPath(id), { rate_limits: { moderation: 2 } });
		expect(patched.body.data.api_key.rate_limits).toEqual({ moderation: 2 });
		const one = await status(first, key);
		expect(one.status).toBe(200);
		expect(one.headers.get("ratelimit-policy")).toBe('"moderation";q=2;w=60');
		expect(one.headers.get("ratelimit")).toMatch(/^"moderation";r=1;t=\d+$/);
		expect((await status(second, key)).status).toBe(200);
		const third = await status(first, key);
		expect(third).toMatchObject({ status: 429, body: { error: "rate_limited", message: "Rate limit exceeded" } });
		expect(Number(third.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
		// Another category keeps its default.
		const list = await first.api(`/moderation/${GUILD_A}/roblox/bans/active`, { headers: { "x-api-key": key } });
		expect(list.headers.get("ratelimit-policy")).toBe('"lists";q=100;w=60');

		expect((await first.admin("PATCH", keyPath(id), { rate_limits: null })).body.data.api_key.rate_limits).toBeNull();
		const afterReset = await status(second, key);
		expect(afterReset.status).toBe(200);
		expect(afterReset.headers.get("ratelimit-policy")).toBe('"moderation";q=300;w=60');
		await first.admin("POST", `${keyPath(id)}/revoke`);
	});

	it("an override above the default lets the key past the default", async () => {
		const { key, id } = await first.createKey();
		await first.admin("PATCH", keyPath(id), { rate_limits: { lists: 150 } });
		const listPath = `/moderation/${GUILD_A}/roblox/bans/active`;
		let last = 0;
		for (let request = 0; request < 102; request++) last = (await first.api(listPath, { headers: { "x-api-key": key } })).status;
		expect(last).toBe(200);
		await first.admin("POST", `${keyPath(id)}/revoke`);
	});

	it("rate_limits refuses unknown categories and quotas that are not whole positive numbers", async () => {
		const { id } = await first.createKey();
		for (const rate_limits of [{ bans: 5 }, { moderation: 0 }, { writes: 1.5 }, { lists: "10" }, [1]]) {
			const refused = await first.admin("PATCH", keyPath(id), { rate_limits });
			expect(refused.status, JSON.stringify(rate_limits)).toBe(400);
			expect(refused.body.error).toBe("bad_request");
		}
		await first.admin("POST", `${keyPath(id)}/revoke`);
	});

	it("last_used_ip and the usage route's recent addresses show where the key was used from, with counts", async () => {
		const { key, id } = await first.createKey();
		await status(first, key, "198.51.100.20");
		await status(second, key, "198.51.100.20");
		await status(first, key, "2001:db8::5");
		const record = (await first.admin("GET", `/guilds/${GUILD_A}/keys`)).body.data.keys.find((entry: { id: string }) => entry.id === id);
		expect(record.last_used_ip).toBe("2001:db8::5");
		// The usage route flushes this instance's pending uses first; the other instance's come with its flush.
		if (second !== first) await second.keys.usage.flush();
		const usage = await first.admin("GET", `${keyPath(id)}/usage?granularity=minute&window=3600`);
		expect(usage.status).toBe(200);
		const addresses = usage.body.data.recent_addresses as { address: string; count: number; last_seen_at: number }[];
		expect(addresses.map(({ address, count }) => ({ address, count })).sort((a, b) => a.address.localeCompare(b.address))).toEqual([
			{ address: "198.51.100.20", count: 2 },
			{ address: "2001:db8::5", count: 1 },
		]);
		expect(addresses[0].last_seen_at).toBeGreaterThan(Date.now() / 1000 - 60);
		const stored = (await second.admin("GET", `/guilds/${GUILD_A}/keys`)).body.data.keys.find((entry: { id: string }) => entry.id === id);
		expect(stored.last_used_ip).toBe("2001:db8::5");
		await first.admin("POST", `${keyPath(id)}/revoke`);
	});
});
