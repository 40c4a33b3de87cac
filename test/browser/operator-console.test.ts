// test/browser/operator-console.test.ts
// Operators signed in with Discord, in real Chromium: a view-only member may look players up but not ban; the owner's keys, members, webhooks and experiences at every width and in both themes.

import { mkdir } from "node:fs/promises";
import path from "node:path";
import { chromium, type Browser, type BrowserContext, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFakeDiscord, type FakeDiscord } from "../fakes/discord";
import { banBody, startTestGateway, type TestGateway } from "../gateway/harness";
import { FakeOpenCloud } from "../gateway/outbound/fake-open-cloud";
import { eventually } from "../gateway/outbound/webhook-receiver";
import { signInWithDiscord, type SignedInOperator } from "./discord-sign-in";
import { LAYOUT_CHECK, type LayoutReport } from "./layout-check";
import { ARTIFACTS, CHROMIUM, CHROMIUM_FLAGS, requireChromiumAndDashboard } from "./chromium";

const GUILD = "161803398874989484";
const GUILD_NAME = "Golden Ratio Games";
const OWNER = "920000000000000001";
const VIEWER = "920000000000000002";
const MODERATOR = "920000000000000003";
const WIDTHS = [320, 375, 768, 1024, 1101, 1280, 1440, 1920] as const;
/** A webhook URL as long as real ones get, to show it breaks inside its card rather than widening it. */
const WEBHOOK_URL = "http://127.0.0.1:9/hooks/technified/moderation-log-for-the-golden-ratio-main-game-servers";
/** Two linked experiences: one whose Open Cloud key may write bans (mirrored), one whose key may not (failing, with Roblox's words). */
const MIRRORED_UNIVERSE = "271828";
const FAILING_UNIVERSE = "314159";
const GOOD_CLOUD_KEY = "opencloud-dashboard-key-0123456789";
const WEAK_CLOUD_KEY = "opencloud-readonly-key-9876543210";

describe("operators' permissions and the signed-in pages at every width, in Chromium", { timeout: 120_000 }, () => {
	let discord: FakeDiscord;
	let gateway: TestGateway;
	let browser: Browser;
	let openCloud: FakeOpenCloud;
	let apiKey: string;
	const contexts: BrowserContext[] = [];

	beforeAll(async () => {
		requireChromiumAndDashboard();
		await mkdir(ARTIFACTS, { recursive: true });
		discord = await startFakeDiscord();
		const guild = (owner: boolean) => [{ id: GUILD, name: GUILD_NAME, icon: null, owner, permissions: "0" }];
		discord.addUser({ id: OWNER, username: "opal", global_name: "Opal Owner", guilds: guild(true) });
		discord.addUser({ id: VIEWER, username: "vic", global_name: "Vic Viewer", guilds: guild(false) });
		discord.addUser({ id: MODERATOR, username: "mona", global_name: "Mona Moderator", guilds: guild(false) });
		openCloud = new FakeOpenCloud();
		openCloud.known.add(GOOD_CLOUD_KEY).add(WEAK_CLOUD_KEY);
		openCloud.permitted.add(GOOD_CLOUD_KEY);
		gateway = await startTestGateway(
			{
				DISCORD_CLIENT_ID: discord.clientId,
				DISCORD_CLIENT_SECRET: discord.clientSecret,
				DISCORD_API_URL: discord.apiUrl,
				OPEN_CLOUD_URL: await openCloud.listen(),
				OUTBOUND_ALLOW_LOOPBACK: "true",
			},
			{ outbound: { retryDelaysMs: [100, 100, 100], pollMs: 50 } },
		);
		browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_FLAGS });
		apiKey = (await gateway.createKey(GUILD, { name: "Main Game", description: "Game servers of the main place" })).key;
		for (const [discordUserId, permissions] of [
			[VIEWER, ["view"]],
			[MODERATOR, ["view", "moderate"]],
		] as const) {
			expect((await gateway.admin("POST", `/guilds/${GUILD}/members`, { discord_user_id: discordUserId, permissions })).status).toBe(201);
		}
		for (const [universe, key] of [
			[MIRRORED_UNIVERSE, GOOD_CLOUD_KEY],
			[FAILING_UNIVERSE, WEAK_CLOUD_KEY],
		]) {
			expect((await gateway.admin("POST", `/guilds/${GUILD}/experiences`, { universe_id: universe, api_key: key, exclude_alt_accounts: universe === FAILING_UNIVERSE })).status).toBe(201);
		}
		// A player with a ban in the history (lifted) and one active ban, so the lookup has something to show.
		const ban = (robloxId: number, extra = {}) =>
			gateway.api(`/moderation/${GUILD}/roblox/ban`, { method: "POST", headers: { "x-api-key": apiKey }, body: banBody(robloxId, extra) });
		expect((await ban(5150, { reason: "Spamming the chat", duration: "1d" })).status).toBe(201);
		expect((await gateway.api(`/moderation/${GUILD}/roblox/unban`, { method: "POST", headers: { "x-api-key": apiKey }, body: { roblox_id: 5150, reason: "Appeal accepted" } })).status).toBe(200);
		expect((await ban(6160, { reason: "Exploiting: fly hacks" })).status).toBe(201);
		// The bans reach Roblox through the one key that may write them; the other link turns failing.
		const mirrorStates = async () => {
			const { experiences } = (await gateway.admin("GET", `/guilds/${GUILD}/experiences`)).body.data as { experiences: { universe_id: string; status: string; last_mirrored_at: number | null }[] };
			return experiences.map((link) => `${link.universe_id} ${link.status} ${link.last_mirrored_at === null ? "never" : "mirrored"}`).sort().join("; ");
		};
		await eventually(async () => (await mirrorStates()) === `${MIRRORED_UNIVERSE} ok mirrored; ${FAILING_UNIVERSE} failing never`, 15_000, "the mirror to Roblox");
		expect((await gateway.admin("POST", `/guilds/${GUILD}/webhooks`, { url: WEBHOOK_URL, events: ["ban.created", "ban.lifted", "key.created"], format: "standard" })).status).toBe(201);
	});

	afterAll(async () => {
		for (const context of contexts) await context.close();
		await browser?.close();
		await gateway?.stop();
		await openCloud?.close();
		await discord?.close();
	});

	async function openGuild(userId: string): Promise<SignedInOperator> {
		const operator = await signInWithDiscord(browser, `${gateway.url}/dashboard/`, discord, userId);
		contexts.push(operator.context);
		await operator.page.getByRole("button", { name: new RegExp(GUILD_NAME) }).click();
		await operator.page.getByRole("heading", { name: "API Keys" }).waitFor();
		return operator;
	}

	async function lookUp(page: Page, robloxId: string): Promise<void> {
		await page.getByRole("link", { name: "Moderation" }).click();
		const lookup = page.getByRole("search", { name: "Look up a player" });
		await lookup.getByLabel("Roblox username or user ID").fill(robloxId);
		await lookup.getByRole("button", { name: "Look up", exact: true }).click();
		await page.getByRole("heading", { name: `Player ${robloxId}` }).waitFor();
	}

	const banStatus = async (robloxId: number): Promise<{ data: { banned: boolean } }> =>
		(await gateway.api(`/moderation/${GUILD}/ban-status/${robloxId}`, { headers: { "x-api-key": apiKey } })).body;

	it("a view-only operator looks a player up, and the page offers no ban: the buttons are disabled and say why", async () => {
		const viewer = await openGuild(VIEWER);
		const { page } = viewer;
		await lookUp(page, "5150");
		// Reading is allowed: the history shows the lifted ban with its reason.
		const history = page.locator("#history-list li");
		await expect.poll(() => history.count()).toBeGreaterThan(0);
		expect(await page.locator("#history-list").textContent()).toContain("Spamming the chat");

		expect(await page.getByLabel("Reason", { exact: true }).isDisabled()).toBe(true);
		expect(await page.getByLabel("Reason (optional)").isDisabled()).toBe(true);
		for (const name of ["Ban player", "Mute player", "Unban", "Unmute"]) {
			const button = page.getByRole("button", { name, exact: true });
			expect(await button.isDisabled(), name).toBe(true);
			// The reason is read out with the button, not only shown beside it.
			expect(await button.getAttribute("aria-describedby")).toBe("actions-note");
		}
		const note = page.locator("#actions-note");
		expect(await note.isVisible()).toBe(true);
		expect(await note.textContent()).toBe("Banning, muting and lifting need the moderate permission in this server. Ask someone who manages its members.");
		// The active list is for viewers too.
		await page.locator('#active-rows tr[data-user="6160"]').waitFor();
		expect((await banStatus(5150)).data.banned).toBe(false);
		await page.screenshot({ path: path.join(ARTIFACTS, "moderation-view-only-1200.png"), fullPage: true });
		expect(viewer.errors).toEqual([]);
	});

	it("a ban sent after the moderate permission was taken away is refused by the API, said in words, and nothing is banned", async () => {
		const moderator = await openGuild(MODERATOR);
		const { page } = moderator;
		await lookUp(page, "5150");
		const historyBefore = await page.locator("#history-list li").count();
		const banButton = page.getByRole("button", { name: "Ban player", exact: true });
		expect(await banButton.isDisabled()).toBe(false);
		expect(await page.locator("#actions-note").isVisible()).toBe(false);

		// The owner narrows Mona to view while her page is open: the page still offers Ban, the gateway decides.
		expect((await gateway.admin("PATCH", `/guilds/${GUILD}/members/${MODERATOR}`, { permissions: ["view"] })).status).toBe(200);
		await page.getByLabel("Reason", { exact: true }).fill("Spamming again");
		const refused = page.waitForResponse((answer) => answer.url().endsWith("/moderation/ban") && answer.request().method() === "POST");
		await banButton.click();
		await page.getByRole("dialog", { name: "Ban Player 5150?" }).getByRole("button", { name: "Ban player" }).click();
		const answer = await refused;
		expect(answer.status()).toBe(403);
		expect(((await answer.json()) as { error: string }).error).toBe("permission_denied");
		// The confirmation stays open and says why.
		const error = page.locator("#confirm-error");
		await expect.poll(() => error.textContent()).toBe("Refused: You lack the moderate permission in this guild. Ask someone who manages this server's members.");
		expect(await error.isVisible()).toBe(true);
		expect((await banStatus(5150)).data.banned).toBe(false);
		// No new entry was written: the history the API serves is as long as before.
		const history = await gateway.admin("GET", `/guilds/${GUILD}/moderation/history/5150`);
		expect(history.body.data.entries).toHaveLength(historyBefore);
		// A 403 in the console is the browser reporting the refused request, which is what this test makes.
		expect(moderator.errors.filter((message) => !message.includes("403"))).toEqual([]);
	});

	/** The owner's API Keys tab, with the key listed; the members (Vic and Mona), a webhook and a linked experience are a tab away. */
	async function ownersKeysTab(width: number, scheme: "light" | "dark"): Promise<SignedInOperator> {
		const owner = await openGuild(OWNER);
		await owner.page.emulateMedia({ colorScheme: scheme });
		await owner.page.setViewportSize({ width, height: 900 });
		await owner.page.locator("#key-rows tr").first().waitFor();
		return owner;
	}

	/** Opens one of the guild's tabs and waits for what it lists. */
	async function openTab(page: Page, name: string, ready: string): Promise<void> {
		await page.getByRole("navigation", { name: "Server pages" }).getByRole("link", { name, exact: true }).click();
		await page.locator(ready).first().waitFor();
	}

	/** Nothing wider than the page, every action on screen. */
	async function fits(page: Page, where: string, buttons: readonly string[], width: number): Promise<void> {
		const report = (await page.evaluate(LAYOUT_CHECK)) as LayoutReport;
		expect(report.tooWide, `${where} at ${width}`).toEqual([]);
		expect(report.outsideCard, `${where} at ${width}`).toEqual([]);
		expect(report.offScreenButtons, where).toEqual([]);
		expect(report.scrollWidth, where).toBeLessThanOrEqual(report.viewport);
		for (const name of buttons) {
			const box = (await page.getByRole("button", { name, exact: true }).first().boundingBox())!;
			expect(box.x, name).toBeGreaterThanOrEqual(0);
			expect(box.x + box.width, name).toBeLessThanOrEqual(width);
		}
	}

	const labelOf = (page: Page, selector: string) => page.evaluate(`getComputedStyle(document.querySelector(${JSON.stringify(selector)}), '::before').content`);

	for (const width of WIDTHS) {
		it(`at ${width} px the owner's keys, members, webhooks and experiences fit, every action on screen, cells labelled on cards`, async () => {
			const { page, errors } = await ownersKeysTab(width, "light");
			await fits(page, "keys tab", [], width);
			const cards = width <= 1100;
			const expected = (label: string) => (cards ? `"${label}"` : "none");
			expect(await labelOf(page, "#key-rows td.creator-cell")).toBe(expected("Created by"));
			expect(await page.locator("#key-rows td.creator-cell").first().textContent()).toBe("Admin token");
			await openTab(page, "Webhooks", "#webhook-rows tr");
			await fits(page, "webhooks tab", ["Send test", "Deliveries", "Delete", "Add webhook"], width);
			expect(await labelOf(page, "#webhook-rows td.url-cell")).toBe(expected("URL"));
			expect(await labelOf(page, "#webhook-rows td:nth-child(2)")).toBe(expected("Events"));
			await openTab(page, "Roblox experiences", `#experience-rows tr[data-universe="${FAILING_UNIVERSE}"]`);
			await fits(page, "experiences tab", ["Unlink", "Link experience"], width);
			expect(await labelOf(page, "#experience-rows td:nth-child(4)")).toBe(expected("Status"));
			const failing = page.locator(`#experience-rows tr[data-universe="${FAILING_UNIVERSE}"] td.status-cell`);
			expect(await failing.locator(".status").textContent()).toBe("failing");
			expect(await failing.locator(".status-detail").textContent()).not.toBe("");
			// Its key may not publish either: servers poll, and the line says why.
			expect(await failing.locator(".push-detail").textContent()).toMatch(/^Push: off, servers poll\. Open Cloud refused to publish/);
			expect(await labelOf(page, "#experience-rows td:nth-child(5)")).toBe(expected("Last mirrored"));
			await openTab(page, "Members", `#member-rows tr[data-member-id="${MODERATOR}"]`);
			await fits(page, "members tab", ["Add member"], width);
			expect(await labelOf(page, "#member-rows td:nth-child(2)")).toBe(expected("Permissions"));
			expect(await labelOf(page, "#member-rows td:nth-child(3)")).toBe(expected("Added by"));
			expect(errors).toEqual([]);
		});
	}

	it("a guild with no webhooks, experiences or members says so instead of showing bare headers", async () => {
		// The viewer's rights are not enough for these sections; a second guild of the owner's has none of them.
		const emptyGuild = "161803398874989485";
		discord.setGuilds(OWNER, [
			{ id: GUILD, name: GUILD_NAME, icon: null, owner: true, permissions: "0" },
			{ id: emptyGuild, name: "Empty Server", icon: null, owner: true, permissions: "0" },
		]);
		const owner = await signInWithDiscord(browser, `${gateway.url}/dashboard/`, discord, OWNER);
		contexts.push(owner.context);
		await owner.page.getByRole("button", { name: /Empty Server/ }).click();
		await owner.page.getByRole("heading", { name: "API Keys" }).waitFor();
		await openTab(owner.page, "Webhooks", "#no-webhooks");
		expect(await owner.page.locator("#no-webhooks").textContent()).toBe("No webhooks yet. Add one below to hear of bans, mutes and key changes.");
		await openTab(owner.page, "Roblox experiences", "#no-experiences");
		expect(await owner.page.locator("#no-experiences").textContent()).toBe("No experiences linked yet. Link one below to mirror bans into Roblox.");
		await openTab(owner.page, "Members", "#no-members");
		for (const table of ["#webhook-rows", "#experience-rows"]) {
			expect(await owner.page.locator(table).evaluate((body) => body.closest("table")?.hidden), table).toBe(true);
		}
		expect(owner.errors).toEqual([]);
	});

	for (const scheme of ["light", "dark"] as const) {
		for (const width of [375, 1280]) {
			it(`screenshots of the members, webhooks and experiences sections at ${width} px, ${scheme}`, async () => {
				const { page, errors } = await ownersKeysTab(width, scheme);
				const background = await page.evaluate("getComputedStyle(document.documentElement).backgroundColor");
				expect(background).toBe(scheme === "dark" ? "rgb(20, 22, 31)" : "rgb(244, 245, 249)");
				await openTab(page, "Members", `#member-rows tr[data-member-id="${MODERATOR}"]`);
				await page.locator("#members-view").screenshot({ path: path.join(ARTIFACTS, `members-${width}-${scheme}.png`) });
				await openTab(page, "Webhooks", "#webhook-rows tr");
				await page.locator("#webhooks-panel").screenshot({ path: path.join(ARTIFACTS, `webhooks-${width}-${scheme}.png`) });
				await openTab(page, "Roblox experiences", "#experience-rows tr");
				await page.locator("#experiences-panel").screenshot({ path: path.join(ARTIFACTS, `experiences-${width}-${scheme}.png`) });
				expect(errors).toEqual([]);
			});
		}
	}
});
