// test/gateway/auth/access-rules.test.ts
// Address rules (IPv4, IPv6, IPv4-mapped, forwarded headers) and per-key quotas with their headers.

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GUILD_A, GUILD_B, banBody, startTestGateway, type TestGateway } from "../harness";

const banStatusPath = `/moderation/${GUILD_A}/ban-status/261`;

describe("allowed_cidrs without TRUST_PROXY", () => {
	let gateway: TestGateway;
	beforeAll(async () => {
		gateway = await startTestGateway();
	});
	afterAll(() => gateway.stop());

	it("admits the caller's own address and refuses one outside the list", async () => {
		const local = await gateway.createKey(GUILD_A, { allowed_cidrs: ["127.0.0.0/8"] });
		const remote = await gateway.createKey(GUILD_A, { allowed_cidrs: ["10.0.0.0/8", "2001:db8::/32"] });
		expect((await gateway.api(banStatusPath, { headers: { "x-api-key": local.key } })).status).toBe(200);
		const refused = await gateway.api(banStatusPath, { headers: { "x-api-key": remote.key } });
		expect(refused.status).toBe(403);
		expect(refused.body).toEqual({
			status: "error",
			code: 403,
			message: "IP address not allowed for this API key",
			error: "ip_not_allowed",
		});
	});

	it("ignores a spoofed X-Forwarded-For", async () => {
		const remote = await gateway.createKey(GUILD_B, { allowed_cidrs: ["10.0.0.0/8"] });
		const response = await gateway.api(`/moderation/${GUILD_B}/ban-status/261`, {
			headers: { "x-api-key": remote.key, "x-forwarded-for": "10.1.2.3" },
		});
		expect(response.status).toBe(403);
		expect(response.body.error).toBe("ip_not_allowed");
	});

	it("refuses an invalid CIDR at creation, naming it", async () => {
		const response = await gateway.admin("POST", `/guilds/${GUILD_B}/keys`, { allowed_cidrs: ["10.1/8"] });
		expect(response.status).toBe(400);
		expect(response.body.error).toBe("bad_request");
		expect(response.body.message).toContain("10.1/8");
	});
});

describe("allowed_cidrs behind a trusted proxy", () => {
	let gateway: TestGateway;
	let v4: string;
	let v6: string;
	beforeAll(async () => {
		gateway = await startTestGateway({ TRUST_PROXY: "loopback" });
		v4 = (await gateway.createKey(GUILD_A, { allowed_cidrs: ["203.0.113.0/24"] })).key;
		v6 = (await gateway.createKey(GUILD_A, { allowed_cidrs: ["2001:db8:1::/48"] })).key;
	});
	afterAll(() => gateway.stop());

	const from = (key: string, address: string) =>
		gateway.api(banStatusPath, { headers: { "x-api-key": key, "x-forwarded-for": address } });

	it.each([
		["an IPv4 address inside the range", "v4", "203.0.113.7", 200],
		["an IPv4 address outside the range", "v4", "198.51.100.7", 403],
		["an IPv4-mapped IPv6 address inside the IPv4 range", "v4", "::ffff:203.0.113.9", 200],
		["an IPv6 address inside the range", "v6", "2001:db8:1:ff::1", 200],
		["an IPv6 address outside the range", "v6", "2001:db8:2::1", 403],
	])("%s → %s", async (_name, which, address, status) => {
		const response = await from(which === "v4" ? v4 : v6, address);
		expect(response.status).toBe(status);
	});
});

describe("per-key quotas", () => {
	let gateway: TestGateway;
	beforeAll(async () => {
		gateway = await startTestGateway({ RATE_LIMITS: "moderation=3,writes=2" });
	});
	afterAll(() => gateway.stop());

	it("counts down in RateLimit headers, then answers 429 with Retry-After", async () => {
		const { key } = await gateway.createKey();
		const remaining: string[] = [];
		for (let i = 0; i < 3; i++) {
			const response = await gateway.api(banStatusPath, { headers: { "x-api-key": key } });
			expect(response.status).toBe(200);
			expect(response.headers.get("ratelimit-policy")).toBe('"moderation";q=3;w=60');
			remaining.push(response.headers.get("ratelimit")!.split(";")[1]);
		}
		expect(remaining).toEqual(["r=2", "r=1", "r=0"]);
		const limited = await gateway.api(banStatusPath, { headers: { "x-api-key": key } });
		expect(limited.status).toBe(429);
		expect(limited.body).toMatchObject({ status: "error", code: 429, message: "Rate limit exceeded", error: "rate_limited" });
		const retryAfter = Number(limited.headers.get("retry-after"));
		expect(retryAfter).toBeGreaterThanOrEqual(1);
		expect(retryAfter).toBeLessThanOrEqual(60);
		expect(limited.body.retry_after).toBe(retryAfter);
		expect(limited.headers.get("ratelimit")).toMatch(/^"moderation";r=0;t=\d+$/);
	});

	it("keeps categories apart and charges the batch one point per 10 ids", async () => {
		const { key } = await gateway.createKey(GUILD_B);
		const headers = { "x-api-key": key };
		const batch = await gateway.api(`/moderation/${GUILD_B}/ban-status/batch`, {
			method: "POST",
			headers,
			body: { identifiers: Array.from({ length: 21 }, (_, i) => i + 1) },
		});
		expect(batch.status).toBe(200);
		expect(batch.headers.get("ratelimit")).toMatch(/^"moderation";r=0;/);
		const write = await gateway.api(`/moderation/${GUILD_B}/roblox/ban`, { method: "POST", headers, body: banBody(9) });
		expect(write.status).toBe(201);
		expect(write.headers.get("ratelimit-policy")).toBe('"writes";q=2;w=60');
	});
});
