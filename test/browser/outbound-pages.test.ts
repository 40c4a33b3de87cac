// test/browser/outbound-pages.test.ts
// The Webhooks and Experiences sections in real Chromium against a real gateway and a loopback receiver.

import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { chromium, type BrowserContext, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestGateway, type TestGateway } from "../gateway/harness";
import { WebhookReceiver } from "../gateway/outbound/webhook-receiver";
import { CHROMIUM, CHROMIUM_FLAGS, requireChromiumAndDashboard, signInWithToken } from "./chromium";

const GUILD = "314159265358979323";

describe("Webhooks and Experiences in Chromium", { timeout: 60_000 }, () => {
	let gateway: TestGateway;
	let receiver: WebhookReceiver;
	let context: BrowserContext;
	let profile: string;

	beforeAll(async () => {
		requireChromiumAndDashboard();
		receiver = new WebhookReceiver();
		await receiver.listen();
		gateway = await startTestGateway({ OUTBOUND_ALLOW_LOOPBACK: "true" }, { outbound: { pollMs: 50 } });
		profile = await mkdtemp(path.join(os.tmpdir(), "outbound-chromium-"));
		context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, headless: true, args: CHROMIUM_FLAGS, locale: "en-US" });
	});

	afterAll(async () => {
		await context?.close();
		await gateway?.stop();
		await receiver?.stop();
		if (profile !== undefined) await rm(profile, { recursive: true, force: true });
	});

	async function signedIn(): Promise<{ page: Page; errors: string[] }> {
		const page = await context.newPage();
		const errors: string[] = [];
		page.on("pageerror", (error) => errors.push(error.message));
		await page.goto(`${gateway.url}/dashboard/`);
		await signInWithToken(page, GUILD);
		await page.getByRole("navigation", { name: "Server pages" }).getByRole("link", { name: "Webhooks" }).click();
		await page.getByRole("heading", { name: "Webhooks" }).waitFor();
		return { page, errors };
	}

	it("adds a webhook, shows its secret once, test-sends it and lists the delivery with its attempt", async () => {
		const { page, errors } = await signedIn();
		const section = page.getByRole("region", { name: "Webhooks" });
		await section.getByLabel("URL").fill(receiver.url);
		await section.getByRole("button", { name: "Add webhook" }).click();
		const secret = await section.getByLabel("Signing secret").inputValue();
		expect(secret).toMatch(/^whsec_/);
		receiver.secret = secret;
		const row = section.locator("#webhook-rows tr", { hasText: receiver.url });
		expect(await row.textContent()).toContain("ban.created, ban.lifted");

		await row.getByRole("button", { name: "Send test" }).click();
		await expect.poll(() => receiver.delivered("webhook.test").length, { timeout: 10_000 }).toBe(1);
		expect(receiver.received[0].verified).toBe(true);
		await expect
			.poll(async () => {
				await section.getByRole("button", { name: "Refresh" }).click();
				return section.locator("#delivery-list > li").first().getAttribute("data-status");
			}, { timeout: 10_000 })
			.toBe("delivered");
		expect(await section.locator("#delivery-list > li").first().textContent()).toContain("webhook.test");

		await section.getByRole("button", { name: "Redeliver" }).click();
		await expect.poll(() => receiver.delivered("webhook.test").length, { timeout: 10_000 }).toBe(2);
		expect(new Set(receiver.received.map((one) => one.id)).size).toBe(1);
		expect(errors).toEqual([]);
	});

	it("shows a refused URL in words and links an experience, showing its key by prefix only", async () => {
		const { page, errors } = await signedIn();
		const webhooks = page.getByRole("region", { name: "Webhooks" });
		await webhooks.getByLabel("URL").fill("https://169.254.169.254/latest");
		await webhooks.getByRole("button", { name: "Add webhook" }).click();
		await webhooks.getByText(/^url is refused: 169\.254\.169\.254 is a linkLocal address/).waitFor();

		await page.getByRole("navigation", { name: "Server pages" }).getByRole("link", { name: "Roblox experiences" }).click();
		const experiences = page.getByRole("region", { name: "Roblox experiences" });
		const apiKey = "opencloud-dashboard-key-0123456789";
		await experiences.getByLabel("Universe ID").fill("271828");
		await experiences.getByLabel("Open Cloud API key").fill(apiKey);
		await experiences.getByRole("button", { name: "Link experience" }).click();
		const row = experiences.locator("#experience-rows tr", { hasText: "271828" });
		await row.waitFor();
		expect(await row.textContent()).toContain(`${apiKey.slice(0, 8)}…`);
		expect(await row.textContent()).toContain("never");
		expect(await page.content()).not.toContain(apiKey);
		expect(errors).toEqual([]);
	});
});
