// test/browser/discord-sign-in.ts
// Signs an operator in to the dashboard through its "Sign in with Discord" button and the fake Discord, in a browser context of their own.

import type { Browser, BrowserContext, Page } from "playwright-core";
import { expect } from "vitest";
import type { FakeDiscord } from "../fakes/discord";

export interface SignedInOperator {
	context: BrowserContext;
	page: Page;
	/** Page errors and console errors seen so far; a suite expects none. */
	errors: string[];
}

/** A context of its own (its own cookies), signed in to Discord as `userId`; resolves on the guild picker. */
export async function signInWithDiscord(browser: Browser, dashboardUrl: string, discord: FakeDiscord, userId: string): Promise<SignedInOperator> {
	const context = await browser.newContext({ viewport: { width: 1200, height: 900 }, locale: "en-US" });
	const page = await context.newPage();
	const errors: string[] = [];
	page.on("pageerror", (error) => errors.push(error.message));
	page.on("console", (message) => {
		if (message.type() === "error") errors.push(message.text());
	});
	await page.goto(dashboardUrl);
	const button = page.getByRole("link", { name: "Sign in with Discord" });
	await button.waitFor();
	discord.signInAs(userId);
	await button.click();
	await page.getByRole("heading", { name: "Choose a server" }).waitFor();
	// The fragment that said "signed in" is gone from the address bar.
	expect(page.url()).toBe(dashboardUrl);
	return { context, page, errors };
}
