// test/browser/dashboard.test.ts
// The API Keys page in real Chromium against a real gateway: sign-in, a key's whole life, the 3-key limit, a wrong token.

import { mkdir, mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { chromium, type BrowserContext, type Locator, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ADMIN_TOKEN, startTestGateway, type TestGateway } from "../gateway/harness";
import { ARTIFACTS, CHROMIUM, CHROMIUM_FLAGS, requireChromiumAndDashboard, signInWithToken } from "./chromium";

const JOURNEY_GUILD = "135792468013579246";
const LIMIT_GUILD = "246801357924680135";
const ROLL_GUILD = "975318642097531864";

/** What one tab did that the operator must never be exposed to: page errors (CSP refusals included) and request URLs. */
interface TabRecord {
	page: Page;
	errors: string[];
	urls: string[];
}

describe("API Keys dashboard in Chromium", { timeout: 60_000 }, () => {
	let gateway: TestGateway;
	let context: BrowserContext;
	let profile: string;

	beforeAll(async () => {
		requireChromiumAndDashboard();
		await mkdir(ARTIFACTS, { recursive: true });
		gateway = await startTestGateway();
		profile = await mkdtemp(path.join(os.tmpdir(), "dashboard-chromium-"));
		context = await chromium.launchPersistentContext(profile, {
			executablePath: CHROMIUM,
			headless: true,
			args: CHROMIUM_FLAGS,
			viewport: { width: 1200, height: 820 },
			locale: "en-US",
		});
		await context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: gateway.url });
	});

	afterAll(async () => {
		await context?.close();
		await gateway?.stop();
		if (profile !== undefined) await rm(profile, { recursive: true, force: true });
	});

	/** A fresh tab (its own sessionStorage) on the dashboard, recording errors and every URL it asks for. */
	async function openTab(): Promise<TabRecord> {
		const page = await context.newPage();
		const tab: TabRecord = { page, errors: [], urls: [] };
		page.on("pageerror", (error) => tab.errors.push(error.message));
		page.on("console", (message) => {
			if (message.type() === "error") tab.errors.push(message.text());
		});
		page.on("request", (request) => tab.urls.push(request.url()));
		await page.goto(`${gateway.url}/dashboard/`);
		return tab;
	}

	async function signIn(page: Page, token: string, guildId: string): Promise<void> {
		await signInWithToken(page, guildId, token);
	}

	const keyRow = (page: Page, text: string): Locator => page.locator("#key-rows tr", { hasText: text });
	const focusedId = (page: Page) => page.evaluate("document.activeElement && document.activeElement.id");
	const clipboard = (page: Page) => page.evaluate("navigator.clipboard.readText()");
	const storageText = (page: Page): Promise<string> =>
		page.evaluate("JSON.stringify({ session: { ...sessionStorage }, local: { ...localStorage } })");
	const banStatus = (key: string, guildId: string) =>
		gateway.api(`/moderation/${guildId}/ban-status/261`, { headers: { "x-api-key": key } });

	it("signs in, creates a key shown once, uses it, revokes it in the page so the API refuses it, then deletes it", async () => {
		const tab = await openTab();
		const { page } = tab;
		await signIn(page, ADMIN_TOKEN, JOURNEY_GUILD);
		await page.getByRole("heading", { name: "API Keys" }).waitFor();
		expect(await page.locator("#key-count").textContent()).toBe("0 of 3 keys");
		expect(await page.getByText("No API keys yet").isVisible()).toBe(true);

		await page.getByRole("button", { name: "Create API Key" }).click();
		const createDialog = page.getByRole("dialog", { name: "Create API Key" });
		await createDialog.waitFor();
		expect(await focusedId(page)).toBe("create-name");
		await createDialog.getByLabel("Name").fill("Main Game");
		await createDialog.getByText("Advanced").click();
		await createDialog.getByLabel("Allowed CIDRs").waitFor();
		await page.screenshot({ path: path.join(ARTIFACTS, "dashboard-create-dialog.png") });
		await createDialog.getByRole("button", { name: "Create key" }).click();

		const secretDialog = page.getByRole("dialog", { name: "Copy your new API key" });
		await secretDialog.waitFor();
		expect(await secretDialog.textContent()).toContain("This is the only time the full key is shown.");
		const key = await secretDialog.getByLabel("API key").inputValue();
		expect(key).toMatch(new RegExp(`^technified_${JOURNEY_GUILD}_[0-9A-Za-z]{38}$`));
		await secretDialog.getByRole("button", { name: "Copy key" }).click();
		await secretDialog.getByText("Copied to the clipboard.").waitFor();
		expect(await clipboard(page)).toBe(key);

		const allowed = await banStatus(key, JOURNEY_GUILD);
		expect(allowed.status).toBe(200);
		expect(allowed.body.data).toEqual({ banned: false });

		await secretDialog.getByRole("button", { name: "Done, close" }).click();
		await secretDialog.waitFor({ state: "hidden" });
		// Gone for good: not in the page, not in storage.
		expect(await page.content()).not.toContain(key);
		expect(await storageText(page)).not.toContain(key);
		const row = keyRow(page, "Main Game");
		expect(await row.evaluate((tr) => tr.contains(tr.ownerDocument.activeElement))).toBe(true);
		expect(await page.locator("#key-count").textContent()).toBe("1 of 3 keys");
		const prefix = (await row.locator("code.prefix").textContent())!.replace(/…$/, "");
		expect(key.startsWith(prefix)).toBe(true);
		expect(prefix.length).toBeLessThan(key.length);

		// The list's copy icon gives the prefix only.
		await row.getByRole("button", { name: `Copy prefix ${prefix}` }).click();
		await expect.poll(() => clipboard(page)).toBe(prefix);

		// Reopening the guild shows the use just made, relative, with the exact time on hover.
		await page.getByRole("button", { name: "Open" }).click();
		// The Last used cell holds the time and, below it, the address the key was used from.
		await expect.poll(() => row.locator("td").nth(3).locator("time").textContent()).toBe("just now");
		expect(await row.locator("td").nth(3).locator(".last-ip").textContent()).toBe("from 127.0.0.1");
		expect(await row.locator("td").nth(3).locator("time").getAttribute("title")).toMatch(/\d{4}/);
		expect(await row.locator(".status").textContent()).toBe("Active");

		await row.getByRole("button", { name: "Activity" }).click();
		const activity = page.getByRole("region", { name: /^Activity of Main Game/ });
		await activity.getByText("1 request in the last 24 hours").waitFor();
		expect(await activity.locator(".usage-bar").count()).toBe(24);
		expect(await activity.locator(".audit-item").allTextContents()).toEqual([expect.stringMatching(/^Created.*Main Game.*by the admin token/)]);
		await page.screenshot({ path: path.join(ARTIFACTS, "dashboard-key-list.png"), fullPage: true });

		await row.getByRole("button", { name: "Revoke" }).click();
		const confirm = page.getByRole("dialog", { name: /^Revoke key/ });
		await confirm.waitFor();
		expect(await focusedId(page)).toBe("confirm-cancel");
		await confirm.getByRole("button", { name: "Revoke key" }).click();
		await confirm.waitFor({ state: "hidden" });
		await expect.poll(() => row.locator(".status").textContent()).toBe("Revoked");
		expect(await page.locator("#key-count").textContent()).toBe("0 of 3 keys");
		await activity.locator(".audit-item", { hasText: "Revoked" }).waitFor();

		const refused = await banStatus(key, JOURNEY_GUILD);
		expect(refused.status).toBe(401);
		expect(refused.body).toMatchObject({ message: "Invalid API key for this guild", error: "key_revoked" });

		await row.getByRole("button", { name: "Delete" }).click();
		await page.getByRole("dialog", { name: /^Delete key/ }).getByRole("button", { name: "Delete key" }).click();
		await row.waitFor({ state: "detached" });
		expect(await page.getByText("No API keys yet").isVisible()).toBe(true);
		expect((await gateway.admin("GET", `/guilds/${JOURNEY_GUILD}/keys`)).body.data.keys).toEqual([]);

		// The token lives in this tab's sessionStorage only; no URL ever carried it or the key.
		expect(JSON.parse(await storageText(page))).toMatchObject({ session: { "technified.adminToken": ADMIN_TOKEN }, local: {} });
		expect(tab.urls.filter((url) => url.includes(ADMIN_TOKEN) || url.includes(key))).toEqual([]);
		expect(tab.errors).toEqual([]);
		await page.close();
	});

	it("at 3 keys disables Create with the reason, and revoking one in the page frees the slot", async () => {
		const ids: string[] = [];
		for (const name of ["Main Game", "Staging", "Discord bot"]) ids.push((await gateway.createKey(LIMIT_GUILD, { name })).id);
		const tab = await openTab();
		const { page } = tab;
		await signIn(page, ADMIN_TOKEN, LIMIT_GUILD);
		await keyRow(page, "Discord bot").waitFor();

		const create = page.getByRole("button", { name: "Create API Key" });
		expect(await page.locator("#key-count").textContent()).toBe("3 of 3 keys");
		expect(await create.isDisabled()).toBe(true);
		expect(await page.locator("#create-key-reason").textContent()).toBe("Limit of 3 keys reached: revoke one to free a slot.");
		await page.screenshot({ path: path.join(ARTIFACTS, "dashboard-key-limit.png"), fullPage: true });

		await keyRow(page, "Staging").getByRole("button", { name: "Revoke" }).click();
		await page.getByRole("dialog", { name: /^Revoke key/ }).getByRole("button", { name: "Revoke key" }).click();
		await expect.poll(() => create.isEnabled()).toBe(true);
		expect(await page.locator("#key-count").textContent()).toBe("2 of 3 keys");
		expect(await page.locator("#create-key-reason").textContent()).toBe("");

		// An API refusal is shown in words beside the field that caused it.
		await create.click();
		const dialog = page.getByRole("dialog", { name: "Create API Key" });
		await dialog.getByText("Advanced").click();
		await dialog.getByLabel("Allowed CIDRs").fill("10.0.0.999/8");
		await dialog.getByRole("button", { name: "Create key" }).click();
		await expect.poll(() => page.locator("#create-cidrs-error").textContent()).toContain('allowed_cidrs has invalid CIDRs: "10.0.0.999/8"');
		expect(await dialog.getByLabel("Allowed CIDRs").getAttribute("aria-invalid")).toBe("true");
		expect(await focusedId(page)).toBe("create-cidrs");
		await dialog.getByRole("button", { name: "Cancel" }).click();
		expect(await focusedId(page)).toBe("create-key");
		expect((await gateway.admin("GET", `/guilds/${LIMIT_GUILD}/keys`)).body.data.keys).toHaveLength(3);
		expect(tab.errors.filter((error) => !error.includes("400 (Bad Request)"))).toEqual([]);
		await page.close();
	});

	it("disables and enables a key with progress shown, and rolls it with an overlap", async () => {
		const old = await gateway.createKey(ROLL_GUILD, { name: "Main Game" });
		const tab = await openTab();
		const { page } = tab;
		await signIn(page, ADMIN_TOKEN, ROLL_GUILD);
		const row = keyRow(page, "Main Game");

		// Hold the request so the in-between state can be seen, as on a slow link.
		let release = () => {};
		const held = new Promise<void>((resolve) => (release = resolve));
		await page.route("**/disable", async (route) => {
			await held;
			await route.continue();
		});
		await row.getByRole("button", { name: "Disable" }).click();
		const busy = row.getByRole("button", { name: "Disabling…" });
		await busy.waitFor();
		expect(await busy.isDisabled()).toBe(true);
		expect(await busy.getAttribute("aria-busy")).toBe("true");
		release();
		await expect.poll(() => row.locator(".status").textContent()).toBe("Disabled");
		// The clicked button was replaced; focus lands on its counterpart in the same row.
		expect(await row.getByRole("button", { name: "Enable" }).evaluate((button) => button === button.ownerDocument.activeElement)).toBe(true);
		expect((await banStatus(old.key, ROLL_GUILD)).body.error).toBe("key_disabled");

		await row.getByRole("button", { name: "Enable" }).click();
		await expect.poll(() => row.locator(".status").textContent()).toBe("Active");

		await row.getByRole("button", { name: "Roll" }).click();
		const rollDialog = page.getByRole("dialog", { name: /^Roll key/ });
		await rollDialog.getByLabel("In 1 hour").check();
		await rollDialog.getByRole("button", { name: "Roll key" }).click();
		const secretDialog = page.getByRole("dialog", { name: "Copy your rolled API key" });
		const fresh = await secretDialog.getByLabel("API key").inputValue();
		expect(fresh).not.toBe(old.key);
		await secretDialog.getByRole("button", { name: "Done, close" }).click();
		// During the overlap both secrets work; the list shows the new prefix.
		expect((await banStatus(old.key, ROLL_GUILD)).status).toBe(200);
		expect((await banStatus(fresh, ROLL_GUILD)).status).toBe(200);
		await expect.poll(async () => fresh.startsWith((await row.locator("code.prefix").textContent())!.replace(/…$/, ""))).toBe(true);

		await row.getByRole("button", { name: "Activity" }).click();
		const rolled = page.locator(".audit-item", { hasText: "Rolled" });
		await rolled.waitFor();
		expect(await rolled.textContent()).toContain("previous key kept 1 hour");
		expect(await page.locator(".audit-item .audit-event").allTextContents()).toEqual(["Rolled", "Enabled", "Disabled", "Created"]);
		expect(tab.errors).toEqual([]);
		await page.close();
	});

	it("refuses a wrong admin token in words and keeps nothing of it", async () => {
		const tab = await openTab();
		const { page } = tab;
		const wrong = "not-the-admin-token-0123456789";
		await signIn(page, wrong, JOURNEY_GUILD);
		await expect
			.poll(() => page.locator("#admin-token-error").textContent())
			.toBe("The gateway refused this token: Invalid admin token.");
		expect(await page.getByLabel("Admin token").getAttribute("aria-invalid")).toBe("true");
		expect(await focusedId(page)).toBe("admin-token");
		expect(await page.locator("#keys-view").isHidden()).toBe(true);
		expect(await storageText(page)).not.toContain(wrong);
		expect(tab.urls.filter((url) => url.includes(wrong))).toEqual([]);
		await page.close();
	});
});
