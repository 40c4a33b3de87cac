// test/browser/import-page.test.ts
// The Import page in real Chromium: a CSV with a bad row picked and imported, its counts and refused line shown, the bans in force.

import { mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { chromium, type BrowserContext } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestGateway, type TestGateway } from "../gateway/harness";
import { CHROMIUM, CHROMIUM_FLAGS, requireChromiumAndDashboard, signInWithToken } from "./chromium";

const GUILD = "161803398874989484";

describe("Import page in Chromium", { timeout: 120_000 }, () => {
	let gateway: TestGateway;
	let context: BrowserContext;
	let profile: string;

	beforeAll(async () => {
		requireChromiumAndDashboard();
		gateway = await startTestGateway();
		profile = await mkdtemp(path.join(os.tmpdir(), "import-chromium-"));
		context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, headless: true, args: CHROMIUM_FLAGS, viewport: { width: 1280, height: 900 } });
	});

	afterAll(async () => {
		await context?.close();
		await gateway?.stop();
		if (profile !== undefined) await rm(profile, { recursive: true, force: true });
	});

	it("imports a picked CSV: progress to done, the counts, the refused line by number, and the player banned", async () => {
		const page = await context.newPage();
		const errors: string[] = [];
		page.on("pageerror", (error) => errors.push(error.message));
		await page.goto(`${gateway.url}/dashboard/`);
		await signInWithToken(page, GUILD);
		await page.getByRole("heading", { name: "API Keys" }).waitFor();

		await page.getByRole("link", { name: "Import" }).click();
		await page.getByRole("heading", { name: "Import", level: 1 }).waitFor();
		expect(await page.title()).toBe("Import · Technified");

		const file = path.join(profile, "bans.csv");
		await writeFile(file, "roblox_id,kind,reason,by\n4001,ban,Exploiting,261\n4002,mute,Spam,261\nnot-an-id,ban,Typo,261\n");
		await page.getByLabel("File", { exact: true }).setInputFiles(file);
		await page.getByRole("button", { name: "Import" }).click();

		const progress = page.getByRole("status").filter({ hasText: /Done|Failed/ });
		await progress.waitFor();
		expect(await progress.textContent()).toBe("Done: 3 read.");
		const counts = await page.locator(".import-counts").innerText();
		expect(counts.replace(/\s+/g, " ")).toBe("Imported 2 Skipped (already here) 0 Refused 1");
		const refused = page.getByRole("table", { name: "Refused lines" });
		expect((await refused.innerText()).replace(/\s+/g, " ")).toMatch(/Line Reason 4 roblox_id must be a positive integer below 2\^53$/i);

		const status = await gateway.admin("GET", `/guilds/${GUILD}/moderation/status/4001`);
		expect(status.body.data).toMatchObject({ banned: true, ban_info: { reason: "Exploiting" } });

		// The hosted API needs a key that looks like one before anything is sent.
		await page.getByLabel("The hosted Technified API").check();
		await page.getByLabel("Hosted API key").fill("not-a-key");
		await page.getByRole("button", { name: "Import" }).click();
		await expect.poll(() => page.locator("#import-api-key-error").textContent()).toBe("A hosted API key starts with technified_.");
		expect(errors).toEqual([]);
	});
});
