// test/browser/servers-page.test.ts
// The Servers page in real Chromium against a real gateway: two game servers made live by their own requests (one
// long-polling, one on an event stream), the counts and filters, the kick, message and shutdown dialogs, each command
// reaching its server's held poll or stream and acknowledged as the server would, a server gone by the time a command is
// sent, and an operator who may view but not command the servers.

import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { chromium, type Browser, type BrowserContext, type Locator, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFakeDiscord, type FakeDiscord } from "../fakes/discord";
import { startTestGateway, type TestGateway } from "../gateway/harness";
import { signIn } from "../gateway/operators/operator-client";
import { CHROMIUM, CHROMIUM_FLAGS, requireChromiumAndDashboard, signInWithToken } from "./chromium";
import { signInWithDiscord } from "./discord-sign-in";

const GUILD = "161803398874989484";
const OWNER = "920000000000000001";
const VIEWER = "920000000000000002";
/** Roblox JobIds are GUIDs. */
const JOB_POLL = "5d2a8c4e-1b7f-4e0a-9c3d-2f6b8a1e7c90";
const JOB_STREAM = "c0ffee00-4b1d-4e2a-8f3c-7a9b0d1e2f3a";
const PLACE_POLL = 920587237;
const PLACE_STREAM = 606849621;

interface CommandEvent {
	event: string;
	command?: { id: string; kind: string; job_id: string | null; user_id?: string; text?: string; reason?: string };
}

/** A game server as the model runs one: it says which it is on every request and hears its commands there. */
interface GameServer {
	events: CommandEvent[];
	stop(): Promise<void>;
}

describe("the Servers page, in Chromium", { timeout: 120_000 }, () => {
	let discord: FakeDiscord;
	let gateway: TestGateway;
	let browser: Browser;
	let context: BrowserContext;
	let page: Page;
	let key: string;
	/** How far the gateway's clock is ahead of the wall clock (ms): a server unseen for 90 s is gone. */
	let ahead = 0;
	const errors: string[] = [];
	let polling: GameServer;
	let streaming: GameServer;

	const presence = (jobId: string, placeId: number, players: number) => `job_id=${jobId}&place_id=${placeId}&universe_id=1818&players=${players}`;

	/** One held poll after another (25 s each), as a polling server follows events. */
	function pollingServer(jobId: string, placeId: number, players: number): GameServer {
		const events: CommandEvent[] = [];
		const controller = new AbortController();
		const loop = (async () => {
			let after = "";
			while (!controller.signal.aborted) {
				const response = await fetch(`${gateway.url}/api/v1/moderation/${GUILD}/events?wait=25&${presence(jobId, placeId, players)}${after}`, {
					headers: { "x-api-key": key },
					signal: controller.signal,
				}).catch(() => undefined);
				if (response === undefined) return;
				const body = (await response.json()) as { data: { events: CommandEvent[]; next: number } };
				events.push(...body.data.events);
				after = `&after=${body.data.next}`;
			}
		})();
		return { events, stop: async () => (controller.abort(), await loop) };
	}

	/** An open event stream, its frames parsed as they come. */
	async function streamingServer(jobId: string, placeId: number, players: number): Promise<GameServer> {
		const events: CommandEvent[] = [];
		const controller = new AbortController();
		const response = await fetch(`${gateway.url}/api/v1/moderation/${GUILD}/events?${presence(jobId, placeId, players)}`, {
			headers: { "x-api-key": key, accept: "text/event-stream" },
			signal: controller.signal,
		});
		expect(response.status).toBe(200);
		const reader = response.body!.getReader();
		const loop = (async () => {
			let buffered = "";
			for (;;) {
				const chunk = await reader.read().catch(() => ({ done: true as const, value: undefined }));
				if (chunk.done) return;
				buffered += new TextDecoder().decode(chunk.value);
				const frames = buffered.split("\n\n");
				buffered = frames.pop() ?? "";
				for (const frame of frames) {
					const event = /^event: (.+)$/m.exec(frame)?.[1];
					const data = /^data: (.+)$/m.exec(frame)?.[1];
					if (event !== undefined && data !== undefined) events.push({ event, ...(JSON.parse(data) as object) });
				}
			}
		})();
		return { events, stop: async () => (controller.abort(), await loop) };
	}

	/** The server's acknowledgement, as the model sends it once it ran the command. */
	async function ack(jobId: string, commandId: string, outcome: { success: boolean; result?: string; error?: string }): Promise<void> {
		const answer = await gateway.api(`/roblox/servers/${jobId}/commands/${commandId}/ack`, { method: "POST", headers: { "x-api-key": key }, body: { guildId: GUILD, ...outcome } });
		expect(answer.status).toBe(200);
	}

	/** The command the server heard, once it heard it. */
	async function heard(server: GameServer, kind: string): Promise<NonNullable<CommandEvent["command"]>> {
		await expect.poll(() => server.events.filter((event) => event.event === "command" && event.command?.kind === kind).length, { timeout: 10_000 }).toBe(1);
		return server.events.find((event) => event.event === "command" && event.command?.kind === kind)!.command!;
	}

	const rows = () => page.locator("#server-rows tr");
	const row = (jobId: string) => page.locator(`#server-rows tr[data-job-id="${jobId}"]`);
	const cells = (locator: Locator) => locator.locator("td").allTextContents();
	/** What has the focus: a button's words, or a field's label. */
	const focused = (target: Page) =>
		target.evaluate(`(() => {
			const active = document.activeElement;
			return (active.labels?.[0] ?? active).textContent;
		})()`) as Promise<string>;
	// Runs in the page (this file is compiled without the DOM's types).
	const background = (button: unknown) => (globalThis as unknown as { getComputedStyle(node: unknown): { backgroundColor: string } }).getComputedStyle(button).backgroundColor;
	const servers = (target: Page) => target.getByRole("navigation", { name: "Server pages" }).getByRole("link", { name: "Servers", exact: true }).click();

	beforeAll(async () => {
		requireChromiumAndDashboard();
		discord = await startFakeDiscord();
		const guild = { id: GUILD, name: "Golden Ratio Games", icon: null, permissions: "0" };
		discord.addUser({ id: OWNER, username: "owner", global_name: "Olive Owner", guilds: [{ ...guild, owner: true }] });
		discord.addUser({ id: VIEWER, username: "vera", global_name: "Vera Viewer", guilds: [{ ...guild, owner: false }] });
		gateway = await startTestGateway(
			{ DISCORD_CLIENT_ID: discord.clientId, DISCORD_CLIENT_SECRET: discord.clientSecret, DISCORD_API_URL: discord.apiUrl },
			{ clock: () => Date.now() + ahead },
		);
		key = (await gateway.createKey(GUILD, { name: "Main Game" })).key;
		const owner = await signIn(gateway, discord, OWNER);
		expect((await owner.call("POST", `/guilds/${GUILD}/members`, { discord_user_id: VIEWER, permissions: ["view"] })).status).toBe(201);

		polling = pollingServer(JOB_POLL, PLACE_POLL, 24);
		streaming = await streamingServer(JOB_STREAM, PLACE_STREAM, 3);
		// A poll's sighting is written without holding the poll: wait until both are listed.
		for (let tries = 0; (await gateway.admin("GET", `/guilds/${GUILD}/servers`)).body.data.servers.length < 2; tries += 1) {
			if (tries === 100) throw new Error("the two game servers were not listed within 5 s");
			await new Promise((resolve) => setTimeout(resolve, 50));
		}

		browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_FLAGS });
		context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: "en-US" });
		// The page's own timers run on a clock the last test can stop: the list must not be read again behind its back.
		await context.clock.install();
		page = await context.newPage();
		page.on("pageerror", (error) => errors.push(error.message));
		page.on("console", (message) => {
			// The server_not_found answer is a 404 the browser logs; the page shows it in words, which the test reads.
			if (message.type() === "error" && !message.text().includes("404")) errors.push(message.text());
		});
		await page.goto(`${gateway.url}/dashboard/`);
		await signInWithToken(page, GUILD);
		await page.getByRole("heading", { name: "API Keys" }).waitFor();
		await servers(page);
	});

	afterAll(async () => {
		await polling?.stop();
		await streaming?.stop();
		await context?.close();
		await browser?.close();
		await gateway?.stop();
		await discord?.close();
	});

	it("lists both live servers with place, players, age and how each follows events, counts them, and filters them", async () => {
		await page.getByRole("heading", { name: "Live servers" }).waitFor();
		expect(await page.title()).toBe("Servers · Technified");
		const counts = page.locator("#servers-counts");
		await expect.poll(() => counts.textContent()).toBe("2 live servers: 1 on an event stream, 1 long-polling, 0 pushed through Roblox.");
		expect(await page.locator("#servers-view thead th").allTextContents()).toEqual(["Job ID", "Place", "Players", "Up since", "Follows events by", "Commands"]);
		expect(await cells(row(JOB_POLL))).toEqual([JOB_POLL, String(PLACE_POLL), "24", "just now", "Long poll", "Kick playerMessageShut down"]);
		expect(await cells(row(JOB_STREAM))).toEqual([JOB_STREAM, String(PLACE_STREAM), "3", "just now", "Event stream", "Kick playerMessageShut down"]);

		const view = page.getByRole("region", { name: "Live servers" });
		const filter = view.getByLabel("Job ID or place ID contains");
		await filter.fill(String(PLACE_STREAM).slice(0, 5));
		expect(await rows().count()).toBe(1);
		expect(await row(JOB_STREAM).count()).toBe(1);
		await filter.fill("5D2A8C4E");
		expect(await rows().locator("code").allTextContents()).toEqual([JOB_POLL]);
		await filter.fill("");
		const follows = view.getByLabel("Follows events by");
		await follows.selectOption({ label: "Event stream" });
		expect(await rows().locator("code").allTextContents()).toEqual([JOB_STREAM]);
		await follows.selectOption({ label: "Pushed through Roblox" });
		expect(await rows().count()).toBe(0);
		expect(await page.locator("#no-servers").textContent()).toBe("No live server matches the filter.");
		// The counts are the guild's, whatever the filter shows.
		expect(await counts.textContent()).toBe("2 live servers: 1 on an event stream, 1 long-polling, 0 pushed through Roblox.");
		await follows.selectOption({ label: "Every way" });
		expect(await rows().count()).toBe(2);
		expect(await page.locator("#no-servers").isVisible()).toBe(false);

		// The list is read again every 10 s and its rows rebuilt: a keyboard user on a row's button stays on it.
		const message = row(JOB_STREAM).getByRole("button", { name: "Message" });
		await message.focus();
		const before = await message.elementHandle();
		await context.clock.runFor(10_000);
		await expect.poll(() => before!.evaluate((button) => button.isConnected)).toBe(false);
		expect(await focused(page)).toBe("Message");
		expect(await page.evaluate(`document.activeElement.closest("tr").dataset.jobId`)).toBe(JOB_STREAM);
		expect(errors).toEqual([]);
	});

	it("kicks a player: Cancel first, the user ID checked in words, the command on the server's held poll, its ack on the status line", async () => {
		const kickButton = row(JOB_POLL).getByRole("button", { name: "Kick player" });
		await kickButton.click();
		const dialog = page.getByRole("dialog", { name: `Kick a player from server ${JOB_POLL}` });
		await dialog.waitFor();
		expect(await focused(page)).toBe("Cancel");
		expect(await dialog.getByRole("button").allTextContents()).toEqual(["Cancel", "Kick"]);
		// Cancel changes nothing.
		await dialog.getByRole("button", { name: "Cancel" }).click();
		await dialog.waitFor({ state: "detached" });
		expect(await focused(page)).toBe("Kick player");

		await kickButton.click();
		const user = dialog.getByLabel("Roblox user ID");
		await dialog.getByRole("button", { name: "Kick" }).click();
		expect(await page.locator("#command-user-error").textContent()).toBe("A Roblox user ID is a positive number.");
		expect(await user.getAttribute("aria-invalid")).toBe("true");
		expect(await focused(page)).toBe("Roblox user ID");
		await user.fill("Builderman");
		await dialog.getByRole("button", { name: "Kick" }).click();
		expect(await page.locator("#command-user-error").textContent()).toBe("A Roblox user ID is a positive number.");
		expect(polling.events).toEqual([]);

		await user.fill("261");
		await dialog.getByLabel("Reason shown to the players").fill("Exploiting");
		await dialog.getByRole("button", { name: "Kick" }).click();
		await dialog.waitFor({ state: "detached" });
		const status = page.locator("#command-status");
		expect(await status.textContent()).toBe("Kick sent to 1 server: 1 not answered yet.");
		const kick = await heard(polling, "kick");
		expect(kick).toEqual({ id: expect.any(String), kind: "kick", job_id: JOB_POLL, user_id: "261", reason: "Exploiting" });
		// The other server never hears a command that is not for it.
		expect(streaming.events.filter((event) => event.event === "command")).toEqual([]);
		await ack(JOB_POLL, kick.id, { success: true, result: "Kicked 261" });
		await expect.poll(() => status.textContent(), { timeout: 10_000 }).toBe("Kick sent to 1 server: 1 done (Kicked 261).");
		expect(await focused(page)).toBe("Kick player");
		expect(errors).toEqual([]);
	});

	it("messages every server: at most 200 characters, sent to both, each server's outcome counted", async () => {
		await page.getByRole("button", { name: "Message every server" }).click();
		const dialog = page.getByRole("dialog", { name: "Show a message in every live server" });
		await dialog.waitFor();
		expect(await focused(page)).toBe("Cancel");
		const text = dialog.getByLabel("Message");
		const send = dialog.getByRole("button", { name: "Send message" });
		await send.click();
		expect(await page.locator("#command-text-error").textContent()).toBe("Write the message.");
		await text.fill("x".repeat(201));
		expect(await page.locator("#command-text-hint").textContent()).toBe("201 of 200 characters.");
		await send.click();
		expect(await page.locator("#command-text-error").textContent()).toBe("At most 200 characters: shorten it by 1.");
		expect(await text.getAttribute("aria-invalid")).toBe("true");
		// 200 characters, counted as people count them: an emoji is one.
		const message = `${[...`Restarting in 5 minutes for an update 🚀 ${"Thank you for playing. ".repeat(7)}`].slice(0, 199).join("")}!`;
		expect([...message]).toHaveLength(200);
		await text.fill(message);
		expect(await page.locator("#command-text-hint").textContent()).toBe("200 of 200 characters.");
		await send.click();
		await dialog.waitFor({ state: "detached" });
		const status = page.locator("#command-status");
		expect(await status.textContent()).toBe("Message sent to 2 servers: 2 not answered yet.");
		const [toPoll, toStream] = [await heard(polling, "message"), await heard(streaming, "message")];
		expect(toPoll).toEqual({ id: expect.any(String), kind: "message", job_id: null, text: message });
		expect(toStream.id).toBe(toPoll.id);
		await ack(JOB_POLL, toPoll.id, { success: true, result: "Shown" });
		await expect.poll(() => status.textContent(), { timeout: 10_000 }).toBe("Message sent to 2 servers: 1 done (Shown), 1 not answered yet.");
		await ack(JOB_STREAM, toStream.id, { success: false, error: "TextChatService is off in this place" });
		await expect.poll(() => status.textContent(), { timeout: 10_000 }).toBe("Message sent to 2 servers: 1 done (Shown), 1 failed (TextChatService is off in this place).");
		expect(errors).toEqual([]);
	});

	it("shows an operator without manage_servers the live servers and no command", async () => {
		const viewer = await signInWithDiscord(browser, `${gateway.url}/dashboard/`, discord, VIEWER);
		try {
			await viewer.page.getByRole("button", { name: /Golden Ratio Games/ }).click();
			await viewer.page.getByRole("heading", { name: "API Keys" }).waitFor();
			await servers(viewer.page);
			const listed = viewer.page.locator("#server-rows tr");
			await expect.poll(() => listed.count(), { timeout: 5_000 }).toBe(2);
			expect(await viewer.page.locator("#servers-counts").textContent()).toBe("2 live servers: 1 on an event stream, 1 long-polling, 0 pushed through Roblox.");
			expect(await viewer.page.locator("#servers-view thead th").allTextContents()).toEqual(["Job ID", "Place", "Players", "Up since", "Follows events by"]);
			expect(await viewer.page.locator("#servers-view").getByRole("button").count()).toBe(0);
			expect(await viewer.page.locator("#servers-command-note").textContent()).toBe(
				"Sending commands to servers needs the “Command live servers” permission in this server. Ask someone who manages its members.",
			);
			expect(viewer.errors).toEqual([]);
		} finally {
			await viewer.context.close();
		}
	});

	it("shuts a server down with the danger button, and says so in the dialog when the server is gone", async () => {
		await row(JOB_STREAM).getByRole("button", { name: "Shut down" }).click();
		const dialog = page.getByRole("dialog", { name: `Shut down server ${JOB_STREAM}` });
		await dialog.waitFor();
		expect(await focused(page)).toBe("Cancel");
		const confirm = dialog.getByRole("button", { name: "Shut down" });
		expect(await confirm.getAttribute("class")).toBe("danger");
		// The danger button is filled with the danger colour, unlike Cancel.
		const [danger, cancel] = await Promise.all([
			confirm.evaluate(background),
			dialog.getByRole("button", { name: "Cancel" }).evaluate(background),
		]);
		expect(danger).not.toBe(cancel);
		await dialog.getByLabel("Reason shown to the players").fill("Update");
		await confirm.click();
		await dialog.waitFor({ state: "detached" });
		const shutdown = await heard(streaming, "shutdown");
		expect(shutdown).toEqual({ id: expect.any(String), kind: "shutdown", job_id: JOB_STREAM, reason: "Update" });
		await ack(JOB_STREAM, shutdown.id, { success: true, result: "Shutting down" });
		const status = page.locator("#command-status");
		await expect.poll(() => status.textContent(), { timeout: 10_000 }).toBe("Shutdown sent to 1 server: 1 done (Shutting down).");

		// Both servers stop and 90 s pass; the page, whose timers are held, still lists them.
		await polling.stop();
		await streaming.stop();
		// The page's clock, moved on by the first test, not the wall clock: pausing never goes back in time.
		await context.clock.pauseAt(((await page.evaluate("Date.now()")) as number) + 1_000);
		ahead += 91_000;
		expect(await rows().count()).toBe(2);
		await row(JOB_POLL).getByRole("button", { name: "Shut down" }).click();
		const gone = page.getByRole("dialog", { name: `Shut down server ${JOB_POLL}` });
		await gone.getByRole("button", { name: "Shut down" }).click();
		await expect.poll(() => gone.locator("#command-error").textContent()).toBe(`No live server with job_id ${JOB_POLL}. The list is read again.`);
		expect(await gone.isVisible()).toBe(true);
		await expect.poll(() => page.locator("#servers-counts").textContent()).toBe("No live servers.");
		expect(await page.locator("#no-servers").textContent()).toBe("No game server is live. One shows here within a minute of starting.");
		await gone.getByRole("button", { name: "Cancel" }).click();
		await gone.waitFor({ state: "detached" });
		// The row that opened it is gone: focus lands on the page's heading. The dialog leaves the
		// accessibility tree as it closes, and its "close" event, which moves the focus, is a task later.
		await expect.poll(() => focused(page)).toBe("Live servers");
		expect(errors).toEqual([]);
	});
});
