// test/gateway/health/health.test.ts
// Unauthenticated probes: liveness, readiness and Prometheus metrics.

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GUILD_A, GUILD_B, startTestGateway, type TestGateway } from "../harness";

describe("health and metrics", () => {
	let gateway: TestGateway;
	beforeAll(async () => {
		gateway = await startTestGateway();
	});
	afterAll(() => gateway.stop());

	it("answers /healthz and /readyz without a key", async () => {
		const health = await fetch(`${gateway.url}/healthz`);
		expect(health.status).toBe(200);
		expect(await health.json()).toMatchObject({ status: "success", code: 200 });
		const ready = await fetch(`${gateway.url}/readyz`);
		expect(ready.status).toBe(200);
		expect(await ready.json()).toMatchObject({ status: "success", data: { ready: true } });
	});

	it("counts responses by route pattern, never by raw ids or keys", async () => {
		const { key } = await gateway.createKey();
		await gateway.api(`/moderation/${GUILD_A}/ban-status/987654`, { headers: { "x-api-key": key } });
		const metrics = await fetch(`${gateway.url}/metrics`);
		expect(metrics.status).toBe(200);
		expect(metrics.headers.get("content-type")).toContain("text/plain");
		const text = await metrics.text();
		expect(text).toContain(
			'technified_http_request_duration_seconds_count{route="/api/v1/moderation/:guildId/ban-status/:identifier",status="200"} 1',
		);
		expect(text).not.toContain("987654");
		expect(text).not.toContain(key);
	});

	it("labels the dashboard's moderation routes by their pattern, not by each guild's id", async () => {
		for (const guild of [GUILD_A, GUILD_B]) {
			expect((await gateway.admin("GET", `/guilds/${guild}/moderation/status/5550123`)).status).toBe(200);
		}
		const text = await (await fetch(`${gateway.url}/metrics`)).text();
		expect(text).toContain(
			'technified_http_request_duration_seconds_count{route="/admin/v1/guilds/:guildId/moderation/status/:identifier",status="200"} 2',
		);
		expect(text).not.toContain(GUILD_B);
		expect(text).not.toContain("5550123");
	});
});
