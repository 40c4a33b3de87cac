// test/browser/chromium.ts
// What every browser suite needs: the built dashboard, Debian's Chromium and its flags, and the token sign-in.

import { existsSync } from "node:fs";
import path from "node:path";
import type { Page } from "playwright-core";
import { DASHBOARD_BUILD_DIR } from "../../gateway/dashboard/dashboard-router";
import { ADMIN_TOKEN } from "../gateway/harness";

/** Debian's chromium, installed by npm test's first step (tools/test-services.ts); playwright-core never downloads a browser. */
export const CHROMIUM = "/usr/bin/chromium";
/** Without the background-networking flags Chromium keeps dialling out, and this machine refuses every attempt. */
export const CHROMIUM_FLAGS = [
	"--headless",
	"--no-sandbox",
	"--disable-gpu",
	"--disable-quic",
	"--no-first-run",
	"--disable-background-networking",
	"--disable-component-update",
	"--disable-sync",
];
/** Screenshots, kept for people to look at (git-ignored). */
export const ARTIFACTS = path.resolve("test-artifacts");

/** Fails the suite at once, saying what to run, when the dashboard is not built or Chromium is missing. */
export function requireChromiumAndDashboard(): void {
	if (!existsSync(path.join(DASHBOARD_BUILD_DIR, "index.html"))) {
		throw new Error("The dashboard is not built: run `npm run build` (npm test does) before this suite.");
	}
	requireChromium();
}

export function requireChromium(): void {
	if (!existsSync(CHROMIUM)) throw new Error("Chromium is missing: apt-get install -y chromium (npm test does so when run as root).");
}

/** Signs in on the dashboard's page with the admin token and a guild id, as an operator types them. */
export async function signInWithToken(page: Page, guildId: string, token: string = ADMIN_TOKEN): Promise<void> {
	const form = page.getByRole("region", { name: "Sign in" });
	await form.getByLabel("Admin token").fill(token);
	await form.getByLabel("Guild ID").fill(guildId);
	await form.getByRole("button", { name: "Sign in" }).click();
}
