// test/gateway/platform/http/hot-routes.test.ts
// The routes matched before Express answer every path variant as Express matched them before.

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GUILD_A, startTestGateway, type TestGateway } from "../../harness";

describe("hot routes", () => {
	let gateway: TestGateway;
	let key: string;
	beforeAll(async () => {
		gateway = await startTestGateway();
		key = (await gateway.createKey()).key;
	});
	afterAll(() => gateway.stop());

	const call = (path: string, method = "GET") =>
		fetch(`${gateway.url}/api/v1/moderation/${GUILD_A}${path}`, { method, headers: { "x-api-key": key } });

	it("takes a trailing slash and a percent-escaped id as the same request", async () => {
		const plain = await (await call("/ban-status/261")).json();
		expect(plain).toMatchObject({ status: "success", message: "User is not banned" });
		expect(await (await call("/ban-status/261/")).json()).toEqual(plain);
		expect(await (await call("/ban-status/%32%36%31")).json()).toEqual(plain);
	});

	it("does not match a percent-escaped route name, nor another method: the contract's 404", async () => {
		for (const [path, method] of [["/ban-st%61tus/261", "GET"], ["/ban-status/261", "PUT"], ["/Ban-Status/261", "GET"]]) {
			const response = await call(path, method);
			expect(response.status).toBe(404);
			expect(await response.json()).toEqual({ status: "error", code: 404, message: "Route not found", error: "not_found" });
		}
	});

	it("answers HEAD as GET, headers without a body", async () => {
		const response = await call("/mute-status/261", "HEAD");
		expect(response.status).toBe(200);
		expect(response.headers.get("cache-control")).toMatch(/^private, max-age=\d+$/);
		expect(response.headers.get("ratelimit")).toMatch(/^"moderation";r=\d+;t=\d+$/);
		expect(await response.text()).toBe("");
	});
});
