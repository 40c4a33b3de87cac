// test/gateway/auth/auth.test.ts
// Every authentication row of the contract's error table, against a real gateway over HTTP.

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GUILD_A, GUILD_B, banBody, startTestGateway, type TestGateway } from "../harness";

const DAY = 86_400_000;

describe("authentication", () => {
	let gateway: TestGateway;
	let now = Date.now();
	let key: string;

	beforeAll(async () => {
		gateway = await startTestGateway({}, { clock: () => now });
		key = (await gateway.createKey()).key;
	});
	afterAll(() => gateway.stop());

	const banStatus = (headers: Record<string, string>, guildId = GUILD_A) =>
		gateway.api(`/moderation/${guildId}/ban-status/261`, { headers });

	it.each([
		["X-API-Key", (k: string) => ({ "x-api-key": k })],
		["Authorization: ApiKey", (k: string) => ({ authorization: `ApiKey ${k}` })],
		["Authorization: Bearer", (k: string) => ({ authorization: `Bearer ${k}` })],
	])("accepts the key in %s", async (_name, header) => {
		const response = await banStatus(header(key));
		expect(response.status).toBe(200);
		expect(response.body).toMatchObject({ status: "success", code: 200, message: "User is not banned", data: { banned: false } });
	});

	it("answers 401 missing_api_key when no header carries a key", async () => {
		const response = await banStatus({});
		expect(response.status).toBe(401);
		expect(response.body).toEqual({ status: "error", code: 401, message: "Missing API key", error: "missing_api_key" });
	});

	it.each([
		["garbage", "not-a-key"],
		["a wrong prefix", key => key.replace("technified_", "technifyed_")],
		["one mistyped character", (k: string) => k.slice(0, -3) + (k.at(-3) === "a" ? "b" : "a") + k.slice(-2)],
		["a truncated key", (k: string) => k.slice(0, -1)],
	] as [string, string | ((k: string) => string)][])("answers 401 invalid_api_key for %s", async (_name, make) => {
		const candidate = typeof make === "string" ? make : make(key);
		const response = await banStatus({ "x-api-key": candidate });
		expect(response.status).toBe(401);
		expect(response.body).toEqual({
			status: "error",
			code: 401,
			message: "Invalid API key for this guild",
			error: "invalid_api_key",
		});
	});

	it("answers 403 guild_mismatch when the path names another guild", async () => {
		const response = await banStatus({ "x-api-key": key }, GUILD_B);
		expect(response.status).toBe(403);
		expect(response.body).toMatchObject({ message: "API key does not match target guild", error: "guild_mismatch" });
		expect(response.headers.get("ratelimit-policy")).toBe('"moderation";q=300;w=60');
		expect(response.headers.get("ratelimit")).toMatch(/^"moderation";r=\d+;t=\d+$/);
	});

	it("answers 403 insufficient_scope for a write with a read-only key", async () => {
		const readOnly = await gateway.createKey(GUILD_B, { scopes: ["moderation:read"] });
		const response = await gateway.api(`/moderation/${GUILD_B}/roblox/ban`, {
			method: "POST",
			headers: { "x-api-key": readOnly.key },
			body: banBody(5),
		});
		expect(response.status).toBe(403);
		expect(response.body).toMatchObject({ message: "API key lacks the required scope", error: "insufficient_scope" });
		expect((await banStatus({ "x-api-key": readOnly.key }, GUILD_B)).status).toBe(200);
	});

	describe("keys that are proven but not active", () => {
		const refused = async (k: string, error: string) => {
			const response = await banStatus({ "x-api-key": k });
			expect(response.status).toBe(401);
			expect(response.body).toEqual({ status: "error", code: 401, message: "Invalid API key for this guild", error });
		};

		it("refuses a revoked key on the very next request", async () => {
			const revoked = await gateway.createKey(GUILD_A, { name: "to revoke" });
			expect((await banStatus({ "x-api-key": revoked.key })).status).toBe(200);
			expect((await gateway.admin("POST", `/guilds/${GUILD_A}/keys/${revoked.id}/revoke`)).status).toBe(200);
			await refused(revoked.key, "key_revoked");
			// Revoking frees the slot for the next test's key.
			expect((await gateway.admin("DELETE", `/guilds/${GUILD_A}/keys/${revoked.id}`)).status).toBe(204);
			await refused(revoked.key, "invalid_api_key");
		});

		it("refuses a disabled key and accepts it again once enabled", async () => {
			const toggled = await gateway.createKey(GUILD_A, { name: "toggle" });
			await gateway.admin("POST", `/guilds/${GUILD_A}/keys/${toggled.id}/disable`);
			await refused(toggled.key, "key_disabled");
			await gateway.admin("POST", `/guilds/${GUILD_A}/keys/${toggled.id}/enable`);
			expect((await banStatus({ "x-api-key": toggled.key })).status).toBe(200);
			await gateway.admin("POST", `/guilds/${GUILD_A}/keys/${toggled.id}/revoke`);
			await gateway.admin("DELETE", `/guilds/${GUILD_A}/keys/${toggled.id}`);
		});

		it("refuses a key past its expires_at", async () => {
			const expiresAt = Math.floor(now / 1000) + 3600;
			const expiring = await gateway.createKey(GUILD_A, { name: "expiring", expires_at: expiresAt });
			expect((await banStatus({ "x-api-key": expiring.key })).status).toBe(200);
			now += 3600_000;
			await refused(expiring.key, "key_expired");
			await gateway.admin("POST", `/guilds/${GUILD_A}/keys/${expiring.id}/revoke`);
			await gateway.admin("DELETE", `/guilds/${GUILD_A}/keys/${expiring.id}`);
		});

		it("auto-expires a key unused and unchanged for 60 days, and reactivates it on enable", async () => {
			const idle = await gateway.createKey(GUILD_A, { name: "idle" });
			// Keep the suite's main key in use so only the idle one ages.
			now += 59 * DAY;
			expect((await banStatus({ "x-api-key": key })).status).toBe(200);
			now += 1 * DAY;
			expect((await banStatus({ "x-api-key": key })).status).toBe(200);
			await refused(idle.key, "key_auto_expired");
			const listed = await gateway.admin("GET", `/guilds/${GUILD_A}/keys`);
			expect(listed.body.data.keys.find((k: { id: string }) => k.id === idle.id).status).toBe("auto_expired");
			await gateway.admin("POST", `/guilds/${GUILD_A}/keys/${idle.id}/enable`);
			expect((await banStatus({ "x-api-key": idle.key })).status).toBe(200);
		});
	});
});

describe("failed-authentication throttling", () => {
	let gateway: TestGateway;
	beforeAll(async () => {
		gateway = await startTestGateway({ AUTH_FAILURES_PER_MINUTE: "3" });
	});
	afterAll(() => gateway.stop());

	it("throttles an address after too many failures, while its valid keys keep working", async () => {
		const { key } = await gateway.createKey();
		const path = `/moderation/${GUILD_A}/ban-status/261`;
		for (let i = 0; i < 3; i++) {
			expect((await gateway.api(path, { headers: { "x-api-key": `technified_${GUILD_A}_forged${i}` } })).status).toBe(401);
		}
		const throttled = await gateway.api(path, { headers: { "x-api-key": `technified_${GUILD_A}_forged` } });
		expect(throttled.status).toBe(429);
		expect(throttled.body).toMatchObject({ message: "Too many failed authentication attempts", error: "auth_throttled" });
		expect(Number(throttled.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
		expect(throttled.body.retry_after).toBeGreaterThanOrEqual(1);
		expect((await gateway.api(path, { headers: { "x-api-key": key } })).status).toBe(200);
	});
});
