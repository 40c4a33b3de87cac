// test/gateway/platform/db/gateway-faults.test.ts
// Gateways over one PostgreSQL: shared keys and bans, and JSON 503s while the database is cut, silent or restarted.

import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { GUILD_A, banBody, startTestGateway, type TestGateway, type TestResponse } from "../../harness";
import { startTcpRelay, type TcpRelay } from "./tcp-relay";
import { createTestSchema, TEST_DATABASE_URL, type TestSchema } from "./test-schema";

let schema: TestSchema;
beforeAll(async () => {
	schema = await createTestSchema("gateway");
});
afterAll(async () => {
	await schema?.drop();
});

/** Expects the contract's JSON 503 for a database outage. */
function expectDatabaseUnavailable(response: TestResponse): void {
	expect(response.status).toBe(503);
	expect(response.body).toMatchObject({ status: "error", code: 503, error: "service_unavailable" });
	expect(response.body.message).toMatch(/database is unavailable/i);
}

const banStatus = (gateway: TestGateway, key: string, robloxId: number) =>
	gateway.api(`/moderation/${GUILD_A}/ban-status/${robloxId}?no_cache=true`, { headers: { "x-api-key": key } });

describe("several gateways on one DATABASE_URL", () => {
	let first: TestGateway;
	let second: TestGateway;
	beforeAll(async () => {
		first = await startTestGateway({ DATABASE_URL: schema.url });
		second = await startTestGateway({ DATABASE_URL: schema.url });
	});
	afterAll(async () => {
		await first?.stop();
		await second?.stop();
	});

	it("a key created on one instance authenticates on another, and a ban made there is seen here", async () => {
		const { key, id } = await first.createKey();
		const banned = await second.api(`/moderation/${GUILD_A}/roblox/ban`, {
			method: "POST",
			headers: { "x-api-key": key },
			body: banBody(4101),
		});
		expect(banned.status).toBe(201);
		const status = await banStatus(first, key, 4101);
		expect(status.body.data).toMatchObject({ banned: true, ban_info: { reason: "Exploiting" } });
		const listed = await second.admin("GET", `/guilds/${GUILD_A}/keys`);
		expect(listed.body.data.keys.map((record: { id: string }) => record.id)).toContain(id);
	});

	it("the 3-key limit holds across instances creating at once", async () => {
		const guild = "323456789012345678";
		const attempts = await Promise.all(
			Array.from({ length: 6 }, (_, i) => (i % 2 === 0 ? first : second).admin("POST", `/guilds/${guild}/keys`, {})),
		);
		expect(attempts.filter((response) => response.status === 201)).toHaveLength(3);
		expect(attempts.filter((response) => response.status === 409)).toHaveLength(3);
	});
});

describe("PostgreSQL faults", () => {
	let relay: TcpRelay;
	let gateway: TestGateway;
	/** Used once before the faults, so it is verified (and cached) by the gateway. */
	let usedKey: string;
	/** Created before the faults but never used: verifying it needs the database. */
	let unusedKey: string;
	const bannedBeforeFault = 4201;

	beforeAll(async () => {
		const target = new URL(TEST_DATABASE_URL);
		relay = await startTcpRelay({ host: target.hostname, port: Number(target.port || 5432) });
		gateway = await startTestGateway({ DATABASE_URL: schema.urlVia(relay.port) });
		usedKey = (await gateway.createKey()).key;
		unusedKey = (await gateway.createKey()).key;
		const banned = await gateway.api(`/moderation/${GUILD_A}/roblox/ban`, {
			method: "POST",
			headers: { "x-api-key": usedKey },
			body: banBody(bannedBeforeFault),
		});
		expect(banned.status).toBe(201);
	});
	afterEach(() => relay.set("open"));
	afterAll(async () => {
		await gateway?.stop();
		await relay?.close();
	});

	/** What must hold once the database is back: everything written before the fault, served again. */
	async function expectRecovered(): Promise<void> {
		expect((await fetch(`${gateway.url}/readyz`)).status).toBe(200);
		expect((await banStatus(gateway, usedKey, bannedBeforeFault)).body.data).toMatchObject({ banned: true });
		expect((await banStatus(gateway, unusedKey, bannedBeforeFault)).status).toBe(200);
		expect((await gateway.admin("GET", `/guilds/${GUILD_A}/keys`)).body.data.keys.length).toBeGreaterThanOrEqual(2);
	}

	it("connection cut: reads, writes, key checks and admin calls answer JSON 503, then recover without a restart", async () => {
		relay.set("cut");
		expectDatabaseUnavailable(await banStatus(gateway, usedKey, bannedBeforeFault));
		// A key the gateway has not verified yet cannot be checked: 503, never a misleading 401.
		expectDatabaseUnavailable(await banStatus(gateway, unusedKey, bannedBeforeFault));
		expectDatabaseUnavailable(
			await gateway.api(`/moderation/${GUILD_A}/roblox/ban`, {
				method: "POST",
				headers: { "x-api-key": usedKey },
				body: banBody(4202),
			}),
		);
		expectDatabaseUnavailable(await gateway.admin("POST", `/guilds/${GUILD_A}/keys`, {}));
		const ready = await fetch(`${gateway.url}/readyz`);
		expect(ready.status).toBe(503);

		relay.set("open");
		await expectRecovered();
		// The ban refused during the outage was not half-written.
		expect((await banStatus(gateway, usedKey, 4202)).body.data).toEqual({ banned: false });
	});

	it("database gone silent (no reset, no answer): JSON 503 within the query timeout, then recovery", async () => {
		relay.set("black-hole");
		const started = Date.now();
		expectDatabaseUnavailable(await banStatus(gateway, usedKey, bannedBeforeFault));
		// Before the gateway's 10 s upstream timeout would turn it into a 504.
		expect(Date.now() - started).toBeLessThan(9_000);
		expect((await fetch(`${gateway.url}/readyz`)).status).toBe(503);

		relay.set("open");
		await expectRecovered();
	});

	it("server restart (every connection terminated): never a 500, and the next requests succeed", async () => {
		await banStatus(gateway, usedKey, bannedBeforeFault);
		// Only this gateway's connections: the ones the relay opened, known by their client ports.
		const { rows } = await schema.admin.query(
			"SELECT count(pg_terminate_backend(pid))::int AS terminated FROM pg_stat_activity WHERE client_port = ANY($1::int[])",
			[relay.upstreamPorts()],
		);
		expect(rows[0].terminated).toBeGreaterThan(0);
		const answers = [];
		for (let i = 0; i < 3; i++) answers.push((await banStatus(gateway, usedKey, bannedBeforeFault)).status);
		expect(answers.every((status) => status === 200 || status === 503)).toBe(true);
		expect(answers.at(-1)).toBe(200);
		await expectRecovered();
	});

});
