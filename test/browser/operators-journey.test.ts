// test/browser/operators-journey.test.ts
// Two operators in real Chromium against a real gateway and a fake Discord: the owner signs in with Discord, grants a member create_keys, the member creates a key, the owner sees it with its creator.

import { mkdir } from "node:fs/promises";
import path from "node:path";
import { chromium, type Browser, type BrowserContext, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFakeDiscord, type FakeDiscord } from "../fakes/discord";
import { startTestGateway, type TestGateway } from "../gateway/harness";
import { signInWithDiscord } from "./discord-sign-in";
import { ARTIFACTS, CHROMIUM, CHROMIUM_FLAGS, requireChromiumAndDashboard } from "./chromium";

const GUILD = "246813579024681357";
const OWNER = "910000000000000001";
const CREATOR = "910000000000000002";

describe("operators in the dashboard, in Chromium", { timeout: 90_000 }, () => {
	let discord: FakeDiscord;
	let gateway: TestGateway;
	let browser: Browser;
	const contexts: BrowserContext[] = [];

	beforeAll(async () => {
		requireChromiumAndDashboard();
		await mkdir(ARTIFACTS, { recursive: true });
		discord = await startFakeDiscord();
		// No icon: the page draws initials, so nothing is fetched from Discord's CDN (no network here).
		discord.addUser({ id: OWNER, username: "owner", global_name: "Olive Owner", guilds: [{ id: GUILD, name: "Journey Server", icon: null, owner: true, permissions: "0" }] });
		discord.addUser({ id: CREATOR, username: "cora", global_name: "Cora Creator", guilds: [{ id: GUILD, name: "Journey Server", icon: null, owner: false, permissions: "0" }] });
		gateway = await startTestGateway({ DISCORD_CLIENT_ID: discord.clientId, DISCORD_CLIENT_SECRET: discord.clientSecret, DISCORD_API_URL: discord.apiUrl });
		browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_FLAGS });
	});
	afterAll(async () => {
		for (const context of contexts) await context.close();
		await browser?.close();
		await gateway?.stop();
		await discord?.close();
	});

	async function signIn(userId: string): Promise<{ page: Page; errors: string[] }> {
		const operator = await signInWithDiscord(browser, `${gateway.url}/dashboard/`, discord, userId);
		contexts.push(operator.context);
		return operator;
	}

	async function pickGuild(page: Page): Promise<void> {
		await page.getByRole("button", { name: /Journey Server/ }).click();
		await page.getByRole("heading", { name: "API Keys" }).waitFor();
	}

	it("sign in with Discord → pick the guild → a create_keys member creates a key → the owner sees it with its creator", async () => {
		const owner = await signIn(OWNER);
		expect(await owner.page.locator("#picker-who").textContent()).toBe("Signed in with Discord as Olive Owner. Pick a server to manage.");
		await owner.page.screenshot({ path: path.join(ARTIFACTS, "operators-guild-picker.png") });
		await pickGuild(owner.page);
		expect(await owner.page.locator("#session-guild-name").textContent()).toBe("Journey Server");

		// The owner grants Cora create_keys only, on the Members page.
		await owner.page.getByRole("navigation", { name: "Server pages" }).getByRole("link", { name: "Members" }).click();
		const membersSection = owner.page.getByRole("region", { name: "Members" });
		await membersSection.getByLabel("Discord user ID").fill(CREATOR);
		await membersSection.getByLabel("View keys and moderation").uncheck();
		await membersSection.getByLabel("Create keys (and manage their own)").check();
		await membersSection.getByRole("button", { name: "Add member" }).click();
		const memberRow = owner.page.locator(`tr[data-member-id="${CREATOR}"]`);
		await memberRow.waitFor();
		expect(await memberRow.locator("td").nth(2).textContent()).toBe("Olive Owner");

		const cora = await signIn(CREATOR);
		await pickGuild(cora.page);
		// Without manage_members there is no Members page.
		expect(await cora.page.getByRole("region", { name: "Members" }).isVisible()).toBe(false);
		expect(await cora.page.getByRole("navigation", { name: "Server pages" }).getByRole("link", { name: "Members" }).isVisible()).toBe(false);
		await cora.page.getByRole("button", { name: "Create API Key" }).click();
		const createDialog = cora.page.getByRole("dialog", { name: "Create API Key" });
		await createDialog.getByLabel("Name").fill("Cora's Game");
		await createDialog.getByRole("button", { name: "Create key" }).click();
		const secretDialog = cora.page.getByRole("dialog", { name: "Copy your new API key" });
		const key = await secretDialog.getByLabel("API key").inputValue();
		expect(key).toMatch(new RegExp(`^technified_${GUILD}_`));
		await secretDialog.getByRole("button", { name: "Done, close" }).click();
		const coraRow = cora.page.locator("#key-rows tr", { hasText: "Cora's Game" });
		expect(await coraRow.locator(".creator-cell").textContent()).toBe("Cora Creator");
		expect((await gateway.api(`/moderation/${GUILD}/ban-status/261`, { headers: { "x-api-key": key } })).status).toBe(200);
		// Her key's usage is hers to see; the audit trail (administer_keys) is not, and the panel says so without an error.
		await coraRow.getByRole("button", { name: "Activity" }).click();
		const activity = cora.page.getByRole("region", { name: /^Activity of Cora's Game/ });
		await activity.getByText("The audit trail is for those who administer this server's keys.").waitFor();
		expect(await activity.locator("#activity-error").textContent()).toBe("");

		// The owner goes back to the keys, comes back to the server and sees Cora's key with its creator.
		await owner.page.getByRole("navigation", { name: "Server pages" }).getByRole("link", { name: "API Keys" }).click();
		await owner.page.getByRole("button", { name: "Switch server" }).click();
		await pickGuild(owner.page);
		const ownersRow = owner.page.locator("#key-rows tr", { hasText: "Cora's Game" });
		await ownersRow.waitFor();
		expect(await ownersRow.locator(".creator-cell").textContent()).toBe("Cora Creator");
		await owner.page.screenshot({ path: path.join(ARTIFACTS, "operators-owner-sees-creator.png"), fullPage: true });

		// The Moderation tab works with the owner's session too: the ban made with Cora's key is listed.
		const ban = await gateway.api(`/moderation/${GUILD}/roblox/ban`, {
			method: "POST",
			headers: { "x-api-key": key },
			body: { roblox_id: 261, reason: "Exploiting", moderator_roblox_id: "1" },
		});
		expect(ban.status).toBe(201);
		await owner.page.getByRole("link", { name: "Moderation" }).click();
		await owner.page.locator("#active-rows tr", { hasText: "261" }).waitFor();
		await owner.page.getByRole("link", { name: "API Keys" }).click();

		// Signing out ends the session at the gateway: the cookie no longer opens the API.
		await owner.page.getByRole("button", { name: "Sign out" }).click();
		await owner.page.getByRole("region", { name: "Sign in" }).waitFor();
		const cookies = await owner.page.context().cookies(gateway.url);
		expect(cookies.find((cookie) => cookie.name === "technified_session")).toBeUndefined();
		expect([...owner.errors, ...cora.errors]).toEqual([]);
	});
});
