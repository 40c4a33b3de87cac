// test/browser/dashboard-serving.test.ts
// How the gateway serves /dashboard: security headers, cacheable hashed assets, and a clear 503 before a build.

import { mkdtemp, rm } from "node:fs/promises";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import express from "express";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DASHBOARD_CSP, dashboardRouter } from "../../gateway/dashboard/dashboard-router";
import { errorHandler } from "../../gateway/platform/http/envelope";
import { GUILD_A, startTestGateway, type TestGateway } from "../gateway/harness";

describe("dashboard serving", () => {
	let gateway: TestGateway;
	beforeAll(async () => {
		gateway = await startTestGateway();
	});
	afterAll(() => gateway.stop());

	it("serves the page under a CSP with no inline script, no framing and no referrer", async () => {
		const response = await fetch(`${gateway.url}/dashboard/`);
		expect(response.status).toBe(200);
		expect(response.headers.get("content-type")).toMatch(/^text\/html/);
		expect(response.headers.get("content-security-policy")).toBe(DASHBOARD_CSP);
		expect(DASHBOARD_CSP).toContain("script-src 'self';");
		expect(DASHBOARD_CSP).toContain("frame-ancestors 'none'");
		expect(response.headers.get("x-frame-options")).toBe("DENY");
		expect(response.headers.get("x-content-type-options")).toBe("nosniff");
		expect(response.headers.get("referrer-policy")).toBe("no-referrer");
		expect(response.headers.get("cache-control")).toBe("no-cache");
		const html = await response.text();
		// Every script is a file: the CSP would refuse an inline one anyway.
		expect(html.match(/<script\b(?![^>]*\bsrc=)[^>]*>/g)).toBeNull();
		const bare = await fetch(`${gateway.url}/dashboard`, { redirect: "manual" });
		expect(bare.status).toBe(301);
		expect(bare.headers.get("location")).toBe("/dashboard/");

		const script = /<script[^>]*\bsrc="([^"]+)"/.exec(html)?.[1];
		expect(script).toMatch(/^\/dashboard\/assets\/.+\.js$/);
		const asset = await fetch(`${gateway.url}${script}`);
		expect(asset.status).toBe(200);
		expect(asset.headers.get("content-type")).toMatch(/javascript/);
		expect(asset.headers.get("cache-control")).toBe("public, max-age=31536000, immutable");
	});

	it("leaves API answers uncached and unknown dashboard paths to the JSON 404", async () => {
		const keys = await gateway.admin("GET", `/guilds/${GUILD_A}/keys`);
		expect(keys.headers.get("cache-control")).toBe("no-store");
		const missing = await fetch(`${gateway.url}/dashboard/no-such-file.js`);
		expect(missing.status).toBe(404);
		expect(await missing.json()).toMatchObject({ status: "error", code: 404, error: "not_found" });
	});

	it("answers 503 in JSON saying to run npm run build when the page is not built", async () => {
		const emptyBuild = await mkdtemp(path.join(os.tmpdir(), "dashboard-unbuilt-"));
		const app = express().use("/dashboard", dashboardRouter({ root: emptyBuild })).use(errorHandler(() => {}));
		const server = app.listen(0, "127.0.0.1");
		await new Promise((resolve) => server.once("listening", resolve));
		try {
			const response = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/dashboard/`);
			expect(response.status).toBe(503);
			expect(response.headers.get("content-security-policy")).toBe(DASHBOARD_CSP);
			expect(await response.json()).toEqual({
				status: "error",
				code: 503,
				message: "The dashboard is not built: run `npm run build`",
				error: "service_unavailable",
			});
		} finally {
			await new Promise((resolve) => server.close(resolve));
			await rm(emptyBuild, { recursive: true, force: true });
		}
	});
});
