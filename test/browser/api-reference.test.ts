// test/browser/api-reference.test.ts
// The API reference at /docs as a person sees it in Chromium: styled, nothing refused by the CSP, a link for every operation.

import { chromium, type Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildOpenApiDocument } from "../../gateway/api-docs/openapi-document";
import { ALL_ROUTES } from "../../gateway/routes";
import { startTestGateway, type TestGateway } from "../gateway/harness";
import { CHROMIUM, requireChromium } from "./chromium";


describe("the API reference in a browser", () => {
	let gateway: TestGateway;
	let browser: Browser;
	beforeAll(async () => {
		requireChromium();
		gateway = await startTestGateway();
		browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ["--no-sandbox", "--disable-gpu"] });
	});
	afterAll(async () => {
		await browser?.close();
		await gateway?.stop();
	});

	it("renders styled under the CSP with nothing refused, and links every operation", async () => {
		const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
		const complaints: string[] = [];
		page.on("console", (message) => {
			if (message.type() === "error" && !message.text().includes("404")) complaints.push(message.text());
		});
		page.on("pageerror", (error) => complaints.push(error.message));
		await page.goto(`${gateway.url}/docs`);
		// The stylesheet applied: the index sits beside the reference, in a grid.
		expect(await page.evaluate("getComputedStyle(document.body).display")).toBe("grid");
		const operations = Object.values(buildOpenApiDocument(ALL_ROUTES).paths as Record<string, object>).flatMap((methods) => Object.keys(methods));
		await expect(page.locator("nav a").count()).resolves.toBe(operations.length);
		await page.locator("nav a", { hasText: "/roblox/ban" }).first().click();
		await expect(page.locator(".operation:target h3").textContent()).resolves.toContain("/api/v1/moderation/{guildId}/roblox/ban");
		expect(complaints).toEqual([]);
		await page.close();
	});
});
