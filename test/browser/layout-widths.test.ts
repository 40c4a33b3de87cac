// test/browser/layout-widths.test.ts
// Every dashboard page and /docs at eight widths with real-length data (32-character key names, full key prefixes, 500-character reasons, the longest Roblox names, members with Discord's longest names and ids, 64-character JobIds): nothing sticks out of its card or widens the page.

import { mkdir, mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { chromium, type Browser, type BrowserContext, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFakeDiscord, type FakeDiscord } from "../fakes/discord";
import { startFakeRoblox, type FakeRoblox } from "../fakes/roblox-users";
import { banBody, type TestGateway } from "../gateway/harness";
import { ARTIFACTS, CHROMIUM, CHROMIUM_FLAGS, requireChromiumAndDashboard, signInWithToken } from "./chromium";
import { signInWithDiscord } from "./discord-sign-in";
import { LAYOUT_CHECK, type LayoutReport } from "./layout-check";
import { addRealLengthMembers, LIVE_JOB_IDS, makeServersLive, startGatewayWithFakes, OWNER_ID } from "./members-data";

const GUILD = "577215664901532860";
/** Discord allows 100 characters in a server's name. */
const GUILD_NAME = "The Euler-Mascheroni Constant Roleplay Community and Main Game Servers of the Lobby, Europe and Asia";
const WIDTHS = [320, 375, 768, 1024, 1101, 1280, 1440, 1920] as const;
/** Roblox's longest username and display name: 20 characters each. */
const LONGEST = { id: 1_234_567_890, name: "Abcdefghij_klmnopqrs", displayName: "Wwwwwwwwwwwwwwwwwwww" };
const REASON = `${"Exploiting repeatedly across several servers after warnings; ".repeat(7)}${"x".repeat(60)}`.slice(0, 500);

describe("every page at every width with real-length data", { timeout: 180_000 }, () => {
	let roblox: FakeRoblox;
	let discord: FakeDiscord;
	let gateway: TestGateway;
	let context: BrowserContext;
	let browser: Browser;
	let profile: string;
	let memberIds: string[];
	let key: string;

	beforeAll(async () => {
		requireChromiumAndDashboard();
		await mkdir(ARTIFACTS, { recursive: true });
		roblox = await startFakeRoblox();
		roblox.add(LONGEST);
		discord = await startFakeDiscord();
		gateway = await startGatewayWithFakes(roblox, discord);
		memberIds = await addRealLengthMembers(gateway, discord, { id: GUILD, name: GUILD_NAME, icon: null, owner: true, permissions: "0" });
		for (const name of ["W".repeat(32), "Main Game servers of the lobby 01", "m".repeat(32)]) {
			key = (await gateway.createKey(GUILD, { name: name.slice(0, 32), description: "D".repeat(256) })).key;
		}
		for (const robloxId of [LONGEST.id, 9_007_199_254_740_991]) {
			await gateway.api(`/moderation/${GUILD}/roblox/ban`, { method: "POST", headers: { "x-api-key": key }, body: banBody(robloxId, { reason: REASON, place_id: 9_007_199_254_740_990 }) });
		}
		expect((await gateway.admin("POST", `/guilds/${GUILD}/webhooks`, { url: `http://127.0.0.1:9/${"hook/".repeat(60)}`, events: ["ban.created", "ban.lifted", "mute.created", "mute.lifted", "key.created"], format: "standard" })).status).toBe(201);
		expect((await gateway.admin("POST", `/guilds/${GUILD}/experiences`, { universe_id: "9007199254740991", api_key: "k".repeat(200), exclude_alt_accounts: true })).status).toBe(201);
		profile = await mkdtemp(path.join(os.tmpdir(), "layout-chromium-"));
		context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, headless: true, args: CHROMIUM_FLAGS, viewport: { width: 1280, height: 900 }, locale: "en-US" });
		await context.route("https://tr.rbxcdn.com/**", (route) => route.fulfill({ status: 200, contentType: "image/png", body: Buffer.alloc(0) }));
		browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_FLAGS });
	});

	afterAll(async () => {
		await context?.close();
		await browser?.close();
		await gateway?.stop();
		await roblox?.close();
		await discord?.close();
		if (profile !== undefined) await rm(profile, { recursive: true, force: true });
	});

	async function check(page: Page, where: string): Promise<void> {
		const report = (await page.evaluate(LAYOUT_CHECK)) as LayoutReport;
		expect(report.tooWide, where).toEqual([]);
		expect(report.outsideCard, where).toEqual([]);
		expect(report.offScreenButtons, where).toEqual([]);
		expect(report.scrollWidth, where).toBeLessThanOrEqual(report.viewport);
	}

	const tab = (page: Page, name: string) => page.getByRole("navigation", { name: "Server pages" }).getByRole("link", { name, exact: true }).click();

	for (const width of WIDTHS) {
		it(`at ${width} px: sign-in, keys with activity, moderation, webhooks, experiences, servers with a command's dialog, /docs, the guild picker and members`, async () => {
			const page = await context.newPage();
			const errors: string[] = [];
			page.on("pageerror", (error) => errors.push(error.message));
			page.on("console", (message) => {
				if (message.type() === "error") errors.push(message.text());
			});
			await page.setViewportSize({ width, height: 900 });
			await page.goto(`${gateway.url}/dashboard/`);
			const form = page.getByRole("region", { name: "Sign in" });
			await form.waitFor();
			await check(page, `sign-in at ${width}`);
			await signInWithToken(page, GUILD);
			await page.locator("#key-rows tr").nth(2).waitFor();
			await page.locator("#key-rows tr").first().getByRole("button", { name: "Activity" }).click();
			await page.locator("#activity-title").filter({ hasText: "W".repeat(32) }).waitFor();
			await check(page, `keys at ${width}`);

			await tab(page, "Moderation");
			await page.getByLabel("Roblox username or user ID").fill(LONGEST.name);
			await page.getByRole("button", { name: "Look up", exact: true }).click();
			await page.locator("#history-list li").first().waitFor();
			await page.locator('#active-rows tr .person-names').first().waitFor();
			await check(page, `moderation at ${width}`);
			await page.getByLabel("Reason", { exact: true }).fill(REASON);
			await page.getByRole("button", { name: "Ban player" }).click();
			await page.getByRole("dialog").waitFor();
			await check(page, `ban confirmation at ${width}`);
			await page.keyboard.press("Escape");

			await tab(page, "Webhooks");
			await page.locator("#webhook-rows tr").first().waitFor();
			await check(page, `webhooks at ${width}`);
			await tab(page, "Roblox experiences");
			await page.locator("#experience-rows tr").first().waitFor();
			await check(page, `experiences at ${width}`);
			await makeServersLive(gateway, GUILD, key);
			await tab(page, "Servers");
			await page.locator(`#server-rows tr[data-job-id="${LIVE_JOB_IDS[0]}"]`).waitFor();
			await page.locator("#server-rows tr").nth(1).waitFor();
			await check(page, `servers at ${width}`);
			await page.screenshot({ path: path.join(ARTIFACTS, `layout-servers-${width}.png`), fullPage: true });
			await page.locator(`#server-rows tr[data-job-id="${LIVE_JOB_IDS[0]}"]`).getByRole("button", { name: "Kick player" }).click();
			const kick = page.getByRole("dialog", { name: `Kick a player from server ${LIVE_JOB_IDS[0]}` });
			await kick.getByRole("button", { name: "Kick", exact: true }).click();
			await page.locator("#command-user-error").filter({ hasText: "A Roblox user ID is a positive number." }).waitFor();
			await check(page, `kick dialog at ${width}`);
			await page.screenshot({ path: path.join(ARTIFACTS, `layout-kick-dialog-${width}.png`) });
			await page.keyboard.press("Escape");

			await page.goto(`${gateway.url}/docs`);
			await page.locator("main h1").waitFor();
			const docs = (await page.evaluate(LAYOUT_CHECK)) as LayoutReport;
			expect(docs.scrollWidth, `/docs at ${width}`).toBeLessThanOrEqual(docs.viewport);
			expect(docs.tooWide, `/docs at ${width}`).toEqual([]);
			expect(errors).toEqual([]);
			await page.close();

			const owner = await signInWithDiscord(browser, `${gateway.url}/dashboard/`, discord, OWNER_ID);
			await owner.page.setViewportSize({ width, height: 900 });
			await check(owner.page, `guild picker at ${width}`);
			await owner.page.getByRole("button", { name: /Euler-Mascheroni/ }).click();
			await tab(owner.page, "Members");
			await owner.page.locator(`#member-rows tr[data-member-id="${memberIds.at(-1)}"]`).waitFor();
			// Every member holds every permission, and the longest display name is listed in full.
			expect(await owner.page.locator("#member-rows input[type=checkbox]:not(:checked)").count()).toBe(0);
			expect(await owner.page.locator("#member-rows").textContent()).toContain("W".repeat(32));
			await check(owner.page, `members at ${width}`);
			await owner.page.screenshot({ path: path.join(ARTIFACTS, `layout-members-${width}.png`), fullPage: true });
			await owner.context.close();
			expect(owner.errors).toEqual([]);
		});
	}
});
