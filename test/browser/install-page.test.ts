// test/browser/install-page.test.ts
// The "Install in your game" page in real Chromium against a real gateway: the model downloaded as a file, configured for
// PUBLIC_URL and the guild; the steps naming the Secret and its domain; when a key was last used; and what to set without PUBLIC_URL.

import { readFile, mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { chromium, type BrowserContext, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readModel } from "../../gateway/roblox-model/rbxmx";
import { startTestGateway, type TestGateway } from "../gateway/harness";
import { CHROMIUM, CHROMIUM_FLAGS, requireChromiumAndDashboard, signInWithToken } from "./chromium";
import { LAYOUT_CHECK, type LayoutReport } from "./layout-check";

const GUILD = "271828182845904523";

describe("Install in your game, in Chromium", { timeout: 60_000 }, () => {
	let context: BrowserContext;
	let profile: string;
	const gateways: TestGateway[] = [];

	beforeAll(async () => {
		requireChromiumAndDashboard();
		profile = await mkdtemp(path.join(os.tmpdir(), "install-chromium-"));
		context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, headless: true, args: CHROMIUM_FLAGS, locale: "en-US", acceptDownloads: true });
	});

	afterAll(async () => {
		await context?.close();
		for (const gateway of gateways) await gateway.stop();
		if (profile !== undefined) await rm(profile, { recursive: true, force: true });
	});

	async function installPage(gateway: TestGateway): Promise<{ page: Page; errors: string[] }> {
		const page = await context.newPage();
		const errors: string[] = [];
		page.on("pageerror", (error) => errors.push(error.message));
		await page.goto(`${gateway.url}/dashboard/`);
		await signInWithToken(page, GUILD);
		await page.getByRole("navigation", { name: "Server pages" }).getByRole("link", { name: "Install in your game" }).click();
		await page.getByRole("heading", { name: "Install in your game" }).waitFor();
		return { page, errors };
	}

	it("downloads the model configured for PUBLIC_URL and the guild, gives the steps, and says when a key was last used", async () => {
		const gateway = await startTestGateway({ PUBLIC_URL: "https://bans.example.com" });
		gateways.push(gateway);
		const { key } = await gateway.createKey(GUILD, { name: "Main Game" });
		const { page, errors } = await installPage(gateway);
		const view = page.locator("#install-view");
		await expect.poll(() => view.locator("#install-last-used").textContent()).toBe("No game server has used a key of this guild yet.");
		expect(await page.title()).toBe("Install in your game · Technified");

		const [download] = await Promise.all([page.waitForEvent("download"), view.getByRole("link", { name: "Download Technified.rbxmx" }).click()]);
		expect(download.suggestedFilename()).toBe("Technified.rbxmx");
		const model = await readFile(await download.path(), "utf8");
		const config = readModel(model).find((instance) => instance.name === "Config");
		expect(config?.source).toContain('baseUrl = "https://bans.example.com/api/v1",');
		expect(config?.source).toContain(`guildId = "${GUILD}",`);
		expect(model).not.toContain(key);

		const steps = await view.locator("#install-steps li").allTextContents();
		expect(steps).toEqual([
			"In Roblox Studio, drag Technified.rbxmx into ServerScriptService.",
			"Turn on Game Settings > Security > Allow HTTP Requests.",
			"Create an API key on the API Keys page, then in Creator Dashboard (your experience > Secrets > Create Secret) create a Secret named technified_api_key holding the key, bound to the domain bans.example.com. For Play in Studio, add the same Secret under Game Settings > Security.",
			"Press Play: banned players are kicked as they join. The model talks to https://bans.example.com/api/v1.",
		]);

		// A game server asks about a player; opening the page again reads the keys again.
		expect((await fetch(`${gateway.url}/api/v1/moderation/${GUILD}/ban-status/261`, { headers: { "X-API-Key": key } })).status).toBe(200);
		await page.getByRole("navigation", { name: "Server pages" }).getByRole("link", { name: "API Keys" }).click();
		await page.getByRole("navigation", { name: "Server pages" }).getByRole("link", { name: "Install in your game" }).click();
		await expect.poll(() => view.locator("#install-last-used").textContent()).toBe("A game server used a key of this guild just now.");

		await page.setViewportSize({ width: 360, height: 740 });
		const layout = (await page.evaluate(LAYOUT_CHECK)) as LayoutReport;
		expect(layout.tooWide).toEqual([]);
		expect(layout.offScreenButtons).toEqual([]);
		expect(errors).toEqual([]);
	});

	it("without PUBLIC_URL, says what to set instead of offering a model that cannot reach the gateway", async () => {
		const gateway = await startTestGateway();
		gateways.push(gateway);
		const { page, errors } = await installPage(gateway);
		const view = page.locator("#install-view");
		await view.locator("#install-error").waitFor();
		expect(await view.locator("#install-error").textContent()).toContain("Set PUBLIC_URL (for example PUBLIC_URL=https://bans.example.com)");
		expect(await view.getByRole("link", { name: "Download Technified.rbxmx" }).count()).toBe(0);
		expect(errors).toEqual([]);
	});
});
