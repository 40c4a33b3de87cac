// test/browser/names-journey.test.ts
// Moderators by name in real Chromium against a real gateway and the fake Roblox: look up builderman, see the face, ban with confirmation, find the name in the list and the CSV; and the same with Roblox down.

import { mkdir, mkdtemp, readFile, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { chromium, type BrowserContext, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { headshotUrl, startFakeRoblox, type FakeRoblox } from "../fakes/roblox-users";
import { banBody, startTestGateway, type TestGateway } from "../gateway/harness";
import { ARTIFACTS, CHROMIUM, CHROMIUM_FLAGS, requireChromiumAndDashboard, signInWithToken } from "./chromium";

const GUILD = "112358132134558914";
/** A 1×1 PNG: what the headshot host serves here (Chromium reaches no real host). */
const PIXEL = Buffer.from("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==", "base64");

describe("Moderators by name in Chromium", { timeout: 120_000 }, () => {
	let roblox: FakeRoblox;
	let gateway: TestGateway;
	let context: BrowserContext;
	let profile: string;
	let apiKey: string;

	beforeAll(async () => {
		requireChromiumAndDashboard();
		await mkdir(ARTIFACTS, { recursive: true });
		roblox = await startFakeRoblox();
		roblox.add({ id: 156, name: "builderman", displayName: "Builder Man", previousNames: ["builderdude"] }, { id: 1, name: "Roblox", displayName: "Roblox" });
		gateway = await startTestGateway({ ROBLOX_USERS_URL: roblox.url, ROBLOX_THUMBNAILS_URL: roblox.url, OUTBOUND_ALLOW_LOOPBACK: "true" });
		apiKey = (await gateway.createKey(GUILD, { name: "Main Game" })).key;
		// A ban made in game by builderman as moderator: the list names him in its By column.
		const inGame = await gateway.api(`/moderation/${GUILD}/roblox/ban`, { method: "POST", headers: { "x-api-key": apiKey }, body: banBody(1, { reason: "Test account", moderator_roblox_id: "156" }) });
		expect(inGame.status).toBe(201);
		profile = await mkdtemp(path.join(os.tmpdir(), "names-chromium-"));
		context = await chromium.launchPersistentContext(profile, {
			executablePath: CHROMIUM,
			headless: true,
			args: CHROMIUM_FLAGS,
			viewport: { width: 1280, height: 900 },
			locale: "en-US",
			acceptDownloads: true,
		});
		await context.route("https://tr.rbxcdn.com/**", (route) => route.fulfill({ status: 200, contentType: "image/png", body: PIXEL }));
	});

	afterAll(async () => {
		await context?.close();
		await gateway?.stop();
		await roblox?.close();
		if (profile !== undefined) await rm(profile, { recursive: true, force: true });
	});

	async function moderationPage(): Promise<{ page: Page; errors: string[] }> {
		const page = await context.newPage();
		const errors: string[] = [];
		page.on("pageerror", (error) => errors.push(error.message));
		page.on("console", (message) => {
			if (message.type() === "error") errors.push(message.text());
		});
		await page.goto(`${gateway.url}/dashboard/#moderation`);
		await signInWithToken(page, GUILD);
		await page.getByRole("heading", { name: "Moderation", level: 1 }).waitFor();
		return { page, errors };
	}

	async function lookUp(page: Page, typed: string): Promise<void> {
		const lookup = page.getByRole("search", { name: "Look up a player" });
		await lookup.getByLabel("Roblox username or user ID").fill(typed);
		await lookup.getByRole("button", { name: "Look up", exact: true }).click();
	}

	const banStatus = async (robloxId: number) =>
		(await gateway.api(`/moderation/${GUILD}/ban-status/${robloxId}`, { headers: { "x-api-key": apiKey } })).body.data as { banned: boolean };

	it("looks up builderman, shows the face and names, bans for a day after confirming, and lists and exports the name", async () => {
		const { page, errors } = await moderationPage();
		await lookUp(page, "nobody_here");
		await page.getByText("No Roblox user is called nobody_here.").waitFor();

		await lookUp(page, "builderdude");
		await page.getByText("builderdude is a former name: this player is now known as @builderman.").waitFor();
		await lookUp(page, "builderman");
		const title = page.locator("#user-title");
		await expect.poll(() => title.textContent()).toBe("Builder Man@builderman 156");
		expect(await page.locator("#lookup-note").isVisible()).toBe(false);
		const avatar = title.locator("img.avatar");
		expect(await avatar.getAttribute("src")).toBe(headshotUrl(156));
		await expect.poll(() => avatar.evaluate((image) => (image as unknown as { complete: boolean; naturalWidth: number }).naturalWidth > 0)).toBe(true);

		await page.getByLabel("Reason", { exact: true }).fill("Exploiting: fly hacks in the lobby");
		await page.getByLabel("Duration").selectOption("1d");
		await page.getByRole("button", { name: "Ban player" }).click();
		const confirm = page.getByRole("dialog", { name: "Ban @builderman (Builder Man)?" });
		await confirm.waitFor();
		expect(await confirm.locator("img.avatar").getAttribute("src")).toBe(headshotUrl(156));
		expect(await confirm.textContent()).toContain("Reason: Exploiting: fly hacks in the lobby. Length: 1 day.");
		await confirm.getByRole("button", { name: "Cancel" }).click();
		await confirm.waitFor({ state: "hidden" });
		expect(await banStatus(156)).toEqual({ banned: false });
		await page.getByRole("button", { name: "Ban player" }).click();
		await confirm.getByRole("button", { name: "Ban player" }).click();
		await expect.poll(() => page.locator('.status-box[data-kind="ban"] .status').textContent()).toBe("Banned");
		const status = (await gateway.api(`/moderation/${GUILD}/ban-status/156`, { headers: { "x-api-key": apiKey } })).body.data;
		expect(status).toMatchObject({ banned: true, ban_info: { reason: "Exploiting: fly hacks in the lobby", is_permanent: false } });
		expect(status.ban_info.expires_at - status.ban_info.created_at).toBe(86_400);

		const row = page.locator('#active-rows tr[data-user="156"]');
		await row.waitFor();
		expect(await row.locator(".person").textContent()).toBe("Builder Man@builderman 156");
		expect(await page.locator("#active-summary").textContent()).toBe("Showing 2 active bans on this page.");
		const inGame = page.locator('#active-rows tr[data-user="1"]');
		expect(await inGame.locator(".person").textContent()).toBe("Roblox@Roblox 1");
		expect(await inGame.locator('td[data-label="By"]').textContent()).toBe("Roblox moderator @builderman (156)");
		expect(await page.locator("#active-names-note").isVisible()).toBe(false);

		const [download] = await Promise.all([page.waitForEvent("download"), page.getByRole("button", { name: "Export CSV" }).click()]);
		const lines = (await readFile((await download.path())!, "utf8")).trimEnd().split("\r\n");
		expect(lines[0]).toBe("roblox_id,name,display_name,reason,by,created_at,expires_at,is_permanent,place_id");
		expect(lines.find((line) => line.startsWith("156,"))).toMatch(/^156,builderman,Builder Man,Exploiting: fly hacks in the lobby,admin_token,/);
		expect(lines.find((line) => line.startsWith("1,"))).toMatch(/^1,Roblox,Roblox,Test account,156,/);

		for (const scheme of ["light", "dark"] as const) {
			for (const width of [375, 1280]) {
				await page.emulateMedia({ colorScheme: scheme });
				await page.setViewportSize({ width, height: 900 });
				await page.screenshot({ path: path.join(ARTIFACTS, `names-moderation-${width}-${scheme}.png`), fullPage: true });
			}
		}
		expect(errors).toEqual([]);
		await page.close();
	});

	it("with Roblox down shows ids alone with a quiet note, and a ban by id still works", async () => {
		roblox.setMode("down");
		try {
			const { page, errors } = await moderationPage();
			await lookUp(page, "builderdude2");
			await page.getByText("Roblox could not be asked who that is right now. Look the player up by user ID instead.").waitFor();

			await lookUp(page, "4243");
			await page.getByRole("heading", { name: "Player 4243" }).waitFor();
			expect(await page.locator("#user-names-note").isVisible()).toBe(true);
			await page.getByLabel("Reason", { exact: true }).fill("Alt account");
			await page.getByRole("button", { name: "Ban player" }).click();
			await page.getByRole("dialog", { name: "Ban Player 4243?" }).getByRole("button", { name: "Ban player" }).click();
			await expect.poll(() => page.locator('.status-box[data-kind="ban"] .status').textContent()).toBe("Banned");
			expect((await banStatus(4243)).banned).toBe(true);
			const row = page.locator('#active-rows tr[data-user="4243"]');
			await row.waitFor();
			expect(await row.locator(".person").textContent()).toBe("4243");
			expect(await page.locator("#active-names-note").isVisible()).toBe(true);
			expect(errors).toEqual([]);
			await page.close();
		} finally {
			roblox.setMode("up");
		}
	});
});
