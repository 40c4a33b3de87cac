// test/browser/accessibility.test.ts
// axe-core on every dashboard page (the Servers page with its list and a command's dialog) and /docs at 375 and 1,280 px, light and dark: no violation of any impact.
// The guild picker and the Members page need a Discord session (the admin token manages no members): the owner signs in through the fake Discord.
//
// axe-core (a devDependency) is evaluated through the DevTools protocol, so the pages' CSP
// (script-src 'self') stays as served.

import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { chromium, type Browser, type BrowserContext, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFakeDiscord, type FakeDiscord } from "../fakes/discord";
import { startFakeRoblox, type FakeRoblox } from "../fakes/roblox-users";
import { banBody, type TestGateway } from "../gateway/harness";
import { CHROMIUM, CHROMIUM_FLAGS, requireChromiumAndDashboard, signInWithToken } from "./chromium";
import { signInWithDiscord } from "./discord-sign-in";
import { addRealLengthMembers, makeServersLive, startGatewayWithFakes, OWNER_ID } from "./members-data";

const AXE = readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");

const GUILD = "141421356237309504";
const GUILD_NAME = "Square Root Studios";
const PIXEL = Buffer.from("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==", "base64");

interface Violation {
	id: string;
	impact: string | null;
	nodes: { target: string[] }[];
}

describe("axe-core on every page", { timeout: 180_000 }, () => {
	let roblox: FakeRoblox;
	let discord: FakeDiscord;
	let gateway: TestGateway;
	let context: BrowserContext;
	let browser: Browser;
	let memberIds: string[];
	let profile: string;
	let key: string;
	const counts: string[] = [];

	beforeAll(async () => {
		requireChromiumAndDashboard();
		roblox = await startFakeRoblox();
		roblox.add({ id: 156, name: "builderman", displayName: "Builder Man" });
		discord = await startFakeDiscord();
		gateway = await startGatewayWithFakes(roblox, discord);
		memberIds = await addRealLengthMembers(gateway, discord, { id: GUILD, name: GUILD_NAME, icon: null, owner: true, permissions: "0" });
		key = (await gateway.createKey(GUILD, { name: "Main Game" })).key;
		await gateway.api(`/moderation/${GUILD}/roblox/ban`, { method: "POST", headers: { "x-api-key": key }, body: banBody(156, { reason: "Exploiting" }) });
		await gateway.admin("POST", `/guilds/${GUILD}/webhooks`, { url: "http://127.0.0.1:9/hook", events: ["ban.created"], format: "standard" });
		await gateway.admin("POST", `/guilds/${GUILD}/experiences`, { universe_id: "271828", api_key: "k".repeat(40), exclude_alt_accounts: false });
		profile = await mkdtemp(path.join(os.tmpdir(), "axe-chromium-"));
		context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, headless: true, args: CHROMIUM_FLAGS, locale: "en-US" });
		await context.route("https://tr.rbxcdn.com/**", (route) => route.fulfill({ status: 200, contentType: "image/png", body: PIXEL }));
		browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_FLAGS });
	});

	afterAll(async () => {
		console.info(`axe counts:\n${counts.join("\n")}`);
		await context?.close();
		await browser?.close();
		await gateway?.stop();
		await roblox?.close();
		await discord?.close();
		if (profile !== undefined) await rm(profile, { recursive: true, force: true });
	});

	async function violations(page: Page, where: string): Promise<string[]> {
		await page.evaluate(AXE);
		const found = (await page.evaluate("axe.run(document, { resultTypes: ['violations'] }).then((results) => results.violations)")) as Violation[];
		counts.push(`${where}: ${found.length} violations${found.length === 0 ? "" : ` (${found.map((violation) => `${violation.id}/${violation.impact}`).join(", ")})`}`);
		return found.map((violation) => `${violation.impact} ${violation.id}: ${violation.nodes.map((node) => node.target.join(" ")).join(", ")}`);
	}

	const tab = (page: Page, name: string) => page.getByRole("navigation", { name: "Server pages" }).getByRole("link", { name, exact: true }).click();

	for (const scheme of ["light", "dark"] as const) {
		for (const width of [375, 1280]) {
			it(`finds nothing at ${width} px, ${scheme}`, async () => {
				const page = await context.newPage();
				await page.emulateMedia({ colorScheme: scheme });
				await page.setViewportSize({ width, height: 900 });
				const at = `${width} px ${scheme}`;
				const found: string[] = [];
				await page.goto(`${gateway.url}/dashboard/`);
				const form = page.getByRole("region", { name: "Sign in" });
				await form.waitFor();
				found.push(...(await violations(page, `sign-in ${at}`)));
				await signInWithToken(page, GUILD);
				await page.locator("#key-rows tr").first().getByRole("button", { name: "Activity" }).click();
				await page.locator("#activity-title").filter({ hasText: "Main Game" }).waitFor();
				found.push(...(await violations(page, `keys ${at}`)));
				await tab(page, "Moderation");
				await page.getByLabel("Roblox username or user ID").fill("builderman");
				await page.getByRole("button", { name: "Look up", exact: true }).click();
				await page.locator("#history-list li").first().waitFor();
				await page.locator("#active-rows tr .person-names").first().waitFor();
				found.push(...(await violations(page, `moderation ${at}`)));
				await page.getByLabel("Reason", { exact: true }).fill("Exploiting again");
				await page.getByRole("button", { name: "Ban player" }).click();
				await page.getByRole("dialog").waitFor();
				found.push(...(await violations(page, `ban confirmation ${at}`)));
				await page.keyboard.press("Escape");
				await tab(page, "Webhooks");
				await page.locator("#webhook-rows tr").first().waitFor();
				found.push(...(await violations(page, `webhooks ${at}`)));
				await tab(page, "Roblox experiences");
				await page.locator("#experience-rows tr").first().waitFor();
				found.push(...(await violations(page, `experiences ${at}`)));
				await makeServersLive(gateway, GUILD, key);
				await tab(page, "Servers");
				await page.locator("#server-rows tr").nth(1).waitFor();
				found.push(...(await violations(page, `servers ${at}`)));
				await page.locator("#server-rows tr").first().getByRole("button", { name: "Kick player" }).click();
				const kick = page.getByRole("dialog");
				await kick.getByRole("button", { name: "Kick", exact: true }).click();
				await page.locator("#command-user-error").filter({ hasText: "A Roblox user ID is a positive number." }).waitFor();
				found.push(...(await violations(page, `kick dialog ${at}`)));
				await page.keyboard.press("Escape");
				await page.goto(`${gateway.url}/docs`);
				await page.locator("main h1").waitFor();
				found.push(...(await violations(page, `/docs ${at}`)));
				await page.close();

				const owner = await signInWithDiscord(browser, `${gateway.url}/dashboard/`, discord, OWNER_ID);
				await owner.page.emulateMedia({ colorScheme: scheme });
				await owner.page.setViewportSize({ width, height: 900 });
				found.push(...(await violations(owner.page, `guild picker ${at}`)));
				await owner.page.getByRole("button", { name: new RegExp(GUILD_NAME) }).click();
				await tab(owner.page, "Members");
				await owner.page.locator(`#member-rows tr[data-member-id="${memberIds.at(-1)}"]`).waitFor();
				found.push(...(await violations(owner.page, `members ${at}`)));
				await owner.context.close();
				expect(found).toEqual([]);
				expect(owner.errors).toEqual([]);
			});
		}
	}
});
