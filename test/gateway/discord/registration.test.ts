// test/gateway/discord/registration.test.ts
// `npm run discord -- register [--guild <id>]` as a child process against the fake Discord, and the configuration it reads.

import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readConfig } from "../../../gateway/config";
import { startFakeDiscord, type FakeDiscord } from "../../fakes/discord";
import { GUILD_A } from "../harness";

const run = promisify(execFile);

describe("npm run discord -- register", () => {
	let discord: FakeDiscord;
	beforeAll(async () => {
		discord = await startFakeDiscord();
	});
	afterAll(() => discord.close());

	const register = (args: string[], env: Record<string, string | undefined> = {}) =>
		run(process.execPath, ["--import", "tsx", "gateway/cli/discord.ts", "register", ...args], {
			env: {
				...process.env,
				DISCORD_PUBLIC_KEY: discord.publicKey,
				DISCORD_APPLICATION_ID: discord.applicationId,
				DISCORD_BOT_TOKEN: discord.botToken,
				DISCORD_API_URL: discord.apiUrl,
				...env,
			},
		});

	it("overwrites a guild's commands with the documented body and prints what Discord registered", async () => {
		const { stdout } = await register(["--guild", GUILD_A]);
		expect(discord.registrations).toHaveLength(1);
		const [{ guildId, commands }] = discord.registrations;
		expect(guildId).toBe(GUILD_A);
		expect(commands.map((command: { name: string }) => command.name)).toEqual(["ban", "unban", "mute", "unmute", "lookup", "history", "keys"]);
		const ban = commands[0];
		expect(ban).toEqual({
			name: "ban",
			description: "Ban a Roblox player from your games",
			type: 1,
			options: [
				{ type: 3, name: "user", description: "Roblox username or user id", required: true, autocomplete: true, max_length: 32 },
				{ type: 3, name: "reason", description: "Why", required: true, max_length: 500 },
				{ type: 3, name: "duration", description: "How long: 30m, 12h, 7d or permanent (the default)", max_length: 20 },
				{ type: 3, name: "place", description: "Only in this Roblox place (its id); every place when left out", max_length: 20 },
			],
			default_member_permissions: "1099511627776",
			contexts: [0],
		});
		// Discord's bitfields are decimal strings; /keys is for Manage Server until an admin allows others.
		expect(commands.map((command: { default_member_permissions: string }) => command.default_member_permissions)).toEqual([
			...Array(6).fill("1099511627776"),
			"32",
		]);
		expect(stdout).toContain(`Registered 7 commands for application ${discord.applicationId} in server ${GUILD_A}:`);
		expect(stdout).toContain("/ban user reason [duration] [place]  (id 1200000000000000000)");
		expect(stdout).toContain("/keys  (id 1200000000000000006)");
	});

	it("registers in every server without --guild", async () => {
		const { stdout } = await register([]);
		expect(discord.registrations.at(-1)?.guildId).toBeUndefined();
		expect(stdout).toContain("in every server");
	});

	it("says what is missing, and Discord's refusal, in one line", async () => {
		const noToken = await register([], { DISCORD_BOT_TOKEN: "" }).catch((err: { stderr: string; code: number }) => err);
		expect(noToken).toMatchObject({ code: 1, stderr: expect.stringContaining("DISCORD_BOT_TOKEN is not set") });
		const wrongToken = await register([], { DISCORD_BOT_TOKEN: "bot.wrong" }).catch((err: { stderr: string }) => err);
		expect((wrongToken as { stderr: string }).stderr).toContain("Discord answered 401 while registering the commands: 401: Unauthorized");
		expect((wrongToken as { stderr: string }).stderr).not.toContain("bot.wrong");
	});
});

describe("DISCORD_PUBLIC_KEY and DISCORD_APPLICATION_ID", () => {
	const KEY = "a".repeat(64);
	it("are both or neither, in words", () => {
		expect(readConfig({}).discordCommands).toBeUndefined();
		expect(() => readConfig({ DISCORD_PUBLIC_KEY: KEY })).toThrow("Invalid configuration: DISCORD_APPLICATION_ID must be set when DISCORD_PUBLIC_KEY is set (both or neither)");
		expect(() => readConfig({ DISCORD_APPLICATION_ID: "1100000000000000002" })).toThrow("DISCORD_PUBLIC_KEY must be set when DISCORD_APPLICATION_ID is set");
		expect(() => readConfig({ DISCORD_PUBLIC_KEY: "not-hex", DISCORD_APPLICATION_ID: "1100000000000000002" })).toThrow("DISCORD_PUBLIC_KEY must be the application's public key");
		expect(readConfig({ DISCORD_PUBLIC_KEY: KEY, DISCORD_APPLICATION_ID: "1100000000000000002" }).discordCommands).toMatchObject({ applicationId: "1100000000000000002", botToken: undefined });
	});
});
