// test/browser/moderation-console.test.ts
// The Moderation page and the keys page in real Chromium: the moderation journey, paging the active list, every width, both themes.

import { mkdir, mkdtemp, readFile, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { chromium, type BrowserContext, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { banBody, startTestGateway, type TestGateway } from "../gateway/harness";
import { LAYOUT_CHECK, type LayoutReport } from "./layout-check";
import { ARTIFACTS, CHROMIUM, CHROMIUM_FLAGS, requireChromiumAndDashboard, signInWithToken } from "./chromium";

const JOURNEY_GUILD = "314159265358979323";
const PAGING_GUILD = "271828182845904523";
/** From the narrowest phone to a wide screen, with both sides of the 1,100 px card breakpoint and the 1,101-1,440 px range where the key table once overflowed. */
const WIDTHS = [320, 375, 768, 1024, 1101, 1280, 1440, 1920] as const;

describe("Moderation page and every width in Chromium", { timeout: 120_000 }, () => {
	let gateway: TestGateway;
	let context: BrowserContext;
	let profile: string;
	let journeyKey: string;

	beforeAll(async () => {
		requireChromiumAndDashboard();
		await mkdir(ARTIFACTS, { recursive: true });
		gateway = await startTestGateway();
		profile = await mkdtemp(path.join(os.tmpdir(), "moderation-chromium-"));
		context = await chromium.launchPersistentContext(profile, {
			executablePath: CHROMIUM,
			headless: true,
			args: CHROMIUM_FLAGS,
			viewport: { width: 1280, height: 900 },
			locale: "en-US",
			acceptDownloads: true,
		});
		await context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: gateway.url });
		const journey = await gateway.createKey(JOURNEY_GUILD, { name: "Main Game", description: "Game servers of the main place, live since spring" });
		journeyKey = journey.key;
		await gateway.admin("PATCH", `/guilds/${JOURNEY_GUILD}/keys/${journey.id}`, { rate_limits: { moderation: 1000, lists: 250 } });
		// Active bans for the lists the layout checks and screenshots show, one with a long unbroken reason.
		for (const [robloxId, extra] of [
			[2001, { reason: "Exploiting: teleporting across the map and flinging other players out of bounds", duration: "7d" }],
			[2002, { reason: "Alt account of 2001", place_id: 4_483_381_587 }],
			[2003, { reason: "x".repeat(120) }],
		] as const) {
			await gateway.api(`/moderation/${JOURNEY_GUILD}/roblox/ban`, { method: "POST", headers: { "x-api-key": journeyKey }, body: banBody(robloxId, extra) });
		}
	});

	afterAll(async () => {
		await context?.close();
		await gateway?.stop();
		if (profile !== undefined) await rm(profile, { recursive: true, force: true });
	});

	async function signedIn(guildId: string, hash = ""): Promise<Page> {
		const page = await context.newPage();
		const errors: string[] = [];
		page.on("pageerror", (error) => errors.push(error.message));
		await page.goto(`${gateway.url}/dashboard/${hash}`);
		await signInWithToken(page, guildId);
		await page.getByRole("heading", { name: "API Keys" }).or(page.getByRole("heading", { name: "Moderation", level: 1 })).first().waitFor();
		page.on("close", () => expect(errors).toEqual([]));
		return page;
	}

	const apiBanStatus = (robloxId: number) =>
		gateway.api(`/moderation/${JOURNEY_GUILD}/ban-status/${robloxId}`, { headers: { "x-api-key": journeyKey } });

	it("looks a player up, bans for a day, the API answers banned, unbans, and the history shows both with the actor", async () => {
		const page = await signedIn(JOURNEY_GUILD);
		await page.getByRole("link", { name: "Moderation" }).click();
		const title = page.getByRole("heading", { name: "Moderation", level: 1 });
		await title.waitFor();
		expect(await page.title()).toBe("Moderation · Technified");
		expect(await page.getByRole("link", { name: "Moderation" }).getAttribute("aria-current")).toBe("page");

		const lookup = page.getByRole("search", { name: "Look up a player" });
		await lookup.getByLabel("Roblox username or user ID").fill("not a name");
		await lookup.getByRole("button", { name: "Look up", exact: true }).click();
		await page.getByText("Type a Roblox username (3 to 20 letters, digits and at most one underscore) or a user ID").waitFor();
		expect(await lookup.getByLabel("Roblox username or user ID").getAttribute("aria-invalid")).toBe("true");

		await lookup.getByLabel("Roblox username or user ID").fill("4242");
		await lookup.getByRole("button", { name: "Look up", exact: true }).click();
		await page.getByRole("heading", { name: "Player 4242" }).waitFor();
		expect(await page.evaluate("document.activeElement.id")).toBe("user-title");
		expect(await page.locator('.status-box[data-kind="ban"] .status').textContent()).toBe("Not banned");
		expect(await page.getByText("No bans or mutes, ever.").isVisible()).toBe(true);

		// A ban without a reason is refused in the page, before any request.
		await page.getByRole("button", { name: "Ban player" }).click();
		await page.getByText("Say why: the reason is kept in the history.").waitFor();
		await page.getByLabel("Reason", { exact: true }).fill("Fly hacks in the lobby");
		await page.getByLabel("Duration").selectOption("1d");
		await page.getByRole("button", { name: "Ban player" }).click();
		// The confirmation says who, why and how long; Escape changes nothing, the dialog's button bans.
		const confirm = page.getByRole("dialog", { name: "Ban Player 4242?" });
		expect(await confirm.textContent()).toContain("Reason: Fly hacks in the lobby. Length: 1 day. In every place.");
		await page.keyboard.press("Escape");
		await confirm.waitFor({ state: "hidden" });
		expect((await apiBanStatus(4242)).body.data).toEqual({ banned: false });
		await page.getByRole("button", { name: "Ban player" }).click();
		await confirm.getByRole("button", { name: "Ban player" }).click();
		await expect.poll(() => page.locator('.status-box[data-kind="ban"] .status').textContent()).toBe("Banned");
		const banBox = page.locator('.status-box[data-kind="ban"]');
		expect(await banBox.textContent()).toContain("the platform operator (admin token)");
		expect(await banBox.locator("dd").nth(3).textContent()).toBe("ends tomorrow");

		const banned = await apiBanStatus(4242);
		expect(banned.body.data).toMatchObject({ banned: true, ban_info: { reason: "Fly hacks in the lobby", banned_by: "admin_token", is_permanent: false } });
		expect(banned.body.data.ban_info.expires_at - banned.body.data.ban_info.created_at).toBe(86_400);
		// The active list on the same page shows the new ban.
		await page.locator('#active-rows tr[data-user="4242"]').waitFor();

		await page.getByLabel("Reason (optional)").fill("Appeal accepted");
		await page.getByRole("button", { name: "Unban" }).click();
		await page.getByRole("dialog", { name: "Unban Player 4242?" }).getByRole("button", { name: "Unban" }).click();
		await expect.poll(() => page.locator('.status-box[data-kind="ban"] .status').textContent()).toBe("Not banned");
		expect((await apiBanStatus(4242)).body.data).toEqual({ banned: false });

		const history = page.locator("#history-list li");
		await expect.poll(() => history.count()).toBe(1);
		const entry = history.first();
		expect(await entry.getAttribute("data-state")).toBe("lifted");
		const text = (await entry.textContent()) ?? "";
		expect(text).toContain("Fly hacks in the lobby");
		expect(text).toMatch(/By the platform operator \(admin token\)/);
		expect(text).toMatch(/Lifted just now by the platform operator \(admin token\) — “Appeal accepted”/);

		// Unbanning again says why nothing happened.
		await page.getByRole("button", { name: "Unban" }).click();
		const unbanAgain = page.getByRole("dialog", { name: "Unban Player 4242?" });
		await unbanAgain.getByRole("button", { name: "Unban" }).click();
		await unbanAgain.getByText("Player 4242 has no active ban to lift.").waitFor();
		await unbanAgain.getByRole("button", { name: "Cancel" }).click();

		// A mute for one place, then the history holds both, newest first.
		await page.getByLabel("Reason", { exact: true }).fill("Spam in chat");
		await page.getByLabel("Duration").selectOption("permanent");
		await page.getByLabel("Place ID (optional)").nth(1).fill("920587237");
		await page.getByRole("button", { name: "Mute player" }).click();
		await page.getByRole("dialog", { name: "Mute Player 4242?" }).getByRole("button", { name: "Mute player" }).click();
		await expect.poll(() => history.count()).toBe(2);
		expect(await history.first().locator(".kind-badge").textContent()).toBe("Mute");
		expect(await history.first().textContent()).toContain("permanent · place 920587237");
		expect(await history.nth(1).textContent()).toContain("for 1 day · every place");
		await page.screenshot({ path: path.join(ARTIFACTS, "moderation-journey.png"), fullPage: true });
		await page.close();
	});

	it("pages through the active bans, filters them and exports them as CSV", async () => {
		const key = (await gateway.createKey(PAGING_GUILD)).key;
		for (let user = 1; user <= 25; user++) {
			const extra = user % 5 === 0 ? { duration: "7d" } : user % 7 === 0 ? { place_id: 99 } : {};
			const answer = await gateway.api(`/moderation/${PAGING_GUILD}/roblox/ban`, {
				method: "POST",
				headers: { "x-api-key": key },
				body: banBody(1000 + user, { reason: user === 3 ? '=cmd "hi", then more' : `Wave ${user}`, ...extra }),
			});
			expect(answer.status).toBe(201);
		}
		const page = await signedIn(PAGING_GUILD, "#moderation");
		const rows = page.locator("#active-rows tr");
		await expect.poll(() => rows.count()).toBe(20);
		expect(await page.locator("#active-page").textContent()).toBe("Page 1");
		expect(await page.getByRole("button", { name: "Previous page" }).isDisabled()).toBe(true);
		const firstPage = await rows.evaluateAll((list) => list.map((row) => row.getAttribute("data-user")));
		expect(firstPage[0]).toBe("1001");

		await page.getByRole("button", { name: "Next page" }).click();
		await expect.poll(() => rows.count()).toBe(5);
		expect(await page.locator("#active-page").textContent()).toBe("Page 2");
		expect(await rows.evaluateAll((list) => list.map((row) => row.getAttribute("data-user")))).toEqual(["1021", "1022", "1023", "1024", "1025"]);
		expect(await page.getByRole("button", { name: "Next page" }).isDisabled()).toBe(true);
		expect(await page.evaluate("document.activeElement.textContent")).toBe("Previous page");

		await page.getByRole("button", { name: "Previous page" }).click();
		await expect.poll(() => rows.count()).toBe(20);
		expect(await rows.first().getAttribute("data-user")).toBe("1001");

		// Filters narrow the page on screen: temporary ones are users 5, 10, 15, 20 on page 1.
		await page.getByLabel("Length").selectOption("temporary");
		await expect.poll(() => rows.evaluateAll((list) => list.map((row) => row.getAttribute("data-user")))).toEqual(["1005", "1010", "1015", "1020"]);
		expect(await page.locator("#active-summary").textContent()).toBe("Showing 4 active bans on this page (16 hidden by the filters).");
		await page.getByLabel("Length").selectOption("any");
		await page.getByLabel("Place", { exact: true }).fill("99");
		await expect.poll(() => rows.evaluateAll((list) => list.map((row) => row.getAttribute("data-user")))).toEqual(["1007", "1014"]);

		// The export walks every page with the filters applied: place 99 has users 7, 14 and 21.
		const [download] = await Promise.all([page.waitForEvent("download"), page.getByRole("button", { name: "Export CSV" }).click()]);
		expect(download.suggestedFilename()).toBe(`bans-${PAGING_GUILD}.csv`);
		const csv = await readFile((await download.path())!, "utf8");
		const lines = csv.trimEnd().split("\r\n");
		expect(lines[0]).toBe("roblox_id,name,display_name,reason,by,created_at,expires_at,is_permanent,place_id");
		expect(lines.slice(1).map((line) => line.split(",")[0])).toEqual(["1007", "1014", "1021"]);
		await page.getByText("Exported 3 active bans").waitFor();

		await page.getByLabel("Place", { exact: true }).fill("");
		const [all] = await Promise.all([page.waitForEvent("download"), page.getByRole("button", { name: "Export CSV" }).click()]);
		const full = (await readFile((await all.path())!, "utf8")).trimEnd().split("\r\n");
		expect(full).toHaveLength(26);
		// A reason with quotes and a leading formula character is quoted and defused for spreadsheets.
		expect(full.find((line) => line.startsWith("1003,"))).toMatch(/^1003,,,"'=cmd ""hi"", then more",1,\d{4}-\d\d-\d\dT[\d:.]+Z,,true,$/);

		// A row's Look up opens that player.
		await page.locator('#active-rows tr[data-user="1002"]').getByRole("button", { name: "Look up user 1002" }).click();
		await page.getByRole("heading", { name: "Player 1002" }).waitFor();
		await page.close();
	});

	it("the keys page shows the key id, description and last address, and copying says so on screen", async () => {
		await gateway.api(`/moderation/${JOURNEY_GUILD}/ban-status/1`, { headers: { "x-api-key": journeyKey } });
		const page = await signedIn(JOURNEY_GUILD);
		const row = page.locator("#key-rows tr", { hasText: "Main Game" });
		await row.waitFor();
		expect(await row.locator(".description").textContent()).toBe("Game servers of the main place, live since spring");
		expect(await row.locator(".last-ip").textContent()).toBe("from 127.0.0.1");
		expect(await row.locator(".quota-detail").textContent()).toBe("quota: moderation 1000/min, lists 250/min");
		const id = (await row.getAttribute("data-key-id"))!;
		expect(await row.locator(".key-id code").textContent()).toBe(id);
		await row.getByRole("button", { name: `Copy key ID ${id}` }).click();
		await row.locator(".copied").waitFor();
		expect(await row.locator(".copied").textContent()).toBe("Copied");
		expect(await page.evaluate("navigator.clipboard.readText()")).toBe(id);
		// Edit: description and the key's own quotas, refused in the page when not a whole number.
		await row.getByRole("button", { name: /^Edit / }).click();
		const edit = page.getByRole("dialog", { name: /^Edit key/ });
		await edit.getByLabel("Description").fill("Main place servers");
		await edit.getByLabel("moderation per minute").fill("0");
		await edit.getByRole("button", { name: "Save changes" }).click();
		await edit.getByText("A whole number of requests from 1 to 100,000, or empty.").waitFor();
		await edit.getByLabel("moderation per minute").fill("900");
		await edit.getByLabel("lists per minute").fill("");
		await edit.getByLabel("events per minute").fill("8000");
		await edit.getByRole("button", { name: "Save changes" }).click();
		await edit.waitFor({ state: "hidden" });
		await expect.poll(() => row.locator(".description").textContent()).toBe("Main place servers");
		expect(await row.locator(".quota-detail").textContent()).toBe("quota: moderation 900/min, events 8000/min");
		expect(await page.evaluate("document.activeElement.dataset.action")).toBe("edit");
		const limited = await gateway.api(`/moderation/${JOURNEY_GUILD}/ban-status/1`, { headers: { "x-api-key": journeyKey } });
		expect(limited.headers.get("ratelimit-policy")).toBe('"moderation";q=900;w=60');
		const polled = await gateway.api(`/moderation/${JOURNEY_GUILD}/events?wait=0`, { headers: { "x-api-key": journeyKey } });
		expect(polled.headers.get("ratelimit-policy")).toBe('"events";q=8000;w=60');

		// The activity panel lists the addresses the key was used from.
		await row.getByRole("button", { name: "Activity" }).click();
		const address = page.locator("#address-list li").first();
		await address.waitFor();
		expect(await address.textContent()).toMatch(/^127\.0\.0\.1\d+ requests?, last just now$/);
		await page.close();
	});

	for (const width of WIDTHS) {
		it(`at ${width} px no element is wider than the viewport and every action is on screen, on both pages`, async () => {
			const page = await signedIn(JOURNEY_GUILD);
			await page.setViewportSize({ width, height: 900 });
			await page.locator("#key-rows tr").first().waitFor();
			const keys = (await page.evaluate(LAYOUT_CHECK)) as LayoutReport;
			expect(keys.tooWide, `keys page at ${width}`).toEqual([]);
			expect(keys.outsideCard, `keys page at ${width}`).toEqual([]);
			expect(keys.offScreenButtons).toEqual([]);
			expect(keys.scrollWidth).toBeLessThanOrEqual(keys.viewport);
			expect(keys.buttons).toBeGreaterThan(5);
			// On narrow screens the cards label every value with its column's name.
			const label = await page.evaluate("getComputedStyle(document.querySelector('#key-rows td.time-cell'), '::before').content");
			expect(label).toBe(width <= 1024 ? '"Created"' : "none");

			await page.getByRole("link", { name: "Moderation" }).click();
			await page.getByLabel("Roblox username or user ID").fill("4242");
			await page.getByRole("button", { name: "Look up", exact: true }).click();
			await page.locator("#history-list li").first().waitFor();
			await page.locator("#active-rows tr").first().waitFor();
			const moderation = (await page.evaluate(LAYOUT_CHECK)) as LayoutReport;
			expect(moderation.tooWide, `moderation page at ${width}`).toEqual([]);
			expect(moderation.outsideCard, `moderation page at ${width}`).toEqual([]);
			expect(moderation.offScreenButtons).toEqual([]);
			expect(moderation.scrollWidth).toBeLessThanOrEqual(moderation.viewport);
			for (const name of ["Ban player", "Mute player", "Unban", "Unmute", "Export CSV", "Next page"]) {
				const box = (await page.getByRole("button", { name, exact: true }).boundingBox())!;
				expect(box.x, name).toBeGreaterThanOrEqual(0);
				expect(box.x + box.width, name).toBeLessThanOrEqual(width);
			}
			await page.close();
		});
	}

	for (const scheme of ["light", "dark"] as const) {
		for (const width of [375, 1280]) {
			it(`screenshots of the keys and moderation pages at ${width} px, ${scheme}`, async () => {
				const page = await signedIn(JOURNEY_GUILD);
				await page.emulateMedia({ colorScheme: scheme });
				await page.setViewportSize({ width, height: 900 });
				await page.locator("#key-rows tr").first().waitFor();
				const background = await page.evaluate("getComputedStyle(document.documentElement).backgroundColor");
				expect(background).toBe(scheme === "dark" ? "rgb(20, 22, 31)" : "rgb(244, 245, 249)");
				await page.screenshot({ path: path.join(ARTIFACTS, `keys-${width}-${scheme}.png`), fullPage: true });
				await page.getByRole("link", { name: "Moderation" }).click();
				await page.getByLabel("Roblox username or user ID").fill("4242");
				await page.getByRole("button", { name: "Look up", exact: true }).click();
				await page.locator("#history-list li").first().waitFor();
				await page.locator("#active-rows tr").first().waitFor();
				await page.screenshot({ path: path.join(ARTIFACTS, `moderation-${width}-${scheme}.png`), fullPage: true });
				await page.close();
			});
		}
	}
});
