// test/luau/cmdr-commands.test.ts
// Technified's Cmdr commands (TechnifiedCmdr) in an emulated Cmdr (integrations/cmdr.luau): ban, unban,
// mute, unmute and lookup reach the API with the executor's user id through Cmdr's own types, answer in
// one line, and run only for the players the game's canRun allows.

import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { BASE_URL, FakeApi, TEST_KEY } from "./harness/fake-api";
import { luauHost, REPO_ROOT, World } from "./harness/luau-host";

const CMDR = "ServerScriptService.Cmdr";
/** The commands as the README installs them: copied out of the model next to the game's Cmdr. */
const COMMANDS = "ServerStorage.TechnifiedCmdr";
const MODERATOR = 500;
const PLAYER = 501;

const writes = (api: FakeApi) =>
	api.received
		.filter((request) => request.url.includes("/roblox/"))
		.map((request) => ({ action: request.url.split("/").at(-1), body: JSON.parse(request.body) as Record<string, string> }));

async function world(api: FakeApi) {
	const host = await luauHost([
		{ parentPath: "ServerScriptService", name: "Cmdr", source: readFileSync(join(REPO_ROOT, "test/luau/integrations/cmdr.luau"), "utf8") },
	]);
	const server = await host.newWorld(api.transport, { seed: 7 });
	await server.move("ServerScriptService.Technified.integrations.TechnifiedCmdr", "ServerStorage");
	return server;
}

async function outcome(server: World, token: string) {
	return (await server.report()).results[token];
}

/** Technified started, Cmdr set up with TechnifiedCmdr (canRun allows the moderator), moderator and player in. */
async function cmdrServer(api: FakeApi): Promise<World> {
	const server = await world(api);
	await server.start({ apiKey: TEST_KEY, baseUrl: BASE_URL, liveUpdates: false });
	await server.invoke(CMDR, "setup", COMMANDS, [MODERATOR]);
	await server.join(MODERATOR, PLAYER);
	await server.advance(3);
	return server;
}

/** What the executor reads back in Cmdr's window. */
async function cmdr(server: World, text: string, executor = MODERATOR) {
	const token = await server.invoke(CMDR, "run", executor, text);
	// Lookups of players who just joined share a batch window (2 s) before they are asked.
	await server.advance(5);
	const result = await outcome(server, token);
	expect(result.ok).toBe(true);
	return result.value as string;
}

describe("the commands moderate through Technified", () => {
	test("ban sends the executor's user id, the duration and the whole reason; the player is kicked", async () => {
		const api = new FakeApi();
		const server = await cmdrServer(api);
		const answer = await cmdr(server, `ban Player${PLAYER} 7d Exploiting the shop`);
		expect(answer).toBe(`Banned Player${PLAYER} (${PLAYER}): Exploiting the shop (ends in 7 days)`);
		expect(writes(api)).toEqual([
			{
				action: "ban",
				body: expect.objectContaining({ roblox_id: String(PLAYER), reason: "Exploiting the shop", duration: "604800s", moderator_roblox_id: String(MODERATOR) }),
			},
		]);
		expect((await server.report()).kicks.map((kick) => kick.userId)).toEqual([PLAYER]);
	});

	test("a duration of 0 is permanent; #id names a user who is not in the server", async () => {
		const api = new FakeApi();
		const server = await cmdrServer(api);
		expect(await cmdr(server, "ban #777 0 Alt account")).toBe("Banned user 777: Alt account (permanent)");
		expect(writes(api)[0].body).not.toHaveProperty("duration");
		expect(api.bans.get(777)).toMatchObject({ reason: "Alt account", expiresAt: undefined });
	});

	test("mute, unmute and unban answer in a line and reach the API; the API's refusal is the answer", async () => {
		const api = new FakeApi();
		api.ban(502, "Exploiting");
		const server = await cmdrServer(api);
		expect(await cmdr(server, `mute Player${PLAYER} 1h Spam`)).toBe(`Muted Player${PLAYER} (${PLAYER}): Spam (ends in 1 hour)`);
		expect(await server.canSend(PLAYER)).toEqual({ RBXGeneral: false });
		expect(await cmdr(server, `unmute Player${PLAYER}`)).toBe(`Unmuted Player${PLAYER} (${PLAYER})`);
		expect(await server.canSend(PLAYER)).toEqual({ RBXGeneral: true });
		expect(await cmdr(server, "unban Player502 Appeal accepted")).toBe("Unbanned user 502");
		expect(await cmdr(server, "unban Player502")).toBe("[Technified] unban: the API refused: No active ban for this user");
		expect(writes(api).map((write) => [write.action, write.body.roblox_id, write.body.moderator_roblox_id, write.body.reason])).toEqual([
			["mute", String(PLAYER), String(MODERATOR), "Spam"],
			["unmute", String(PLAYER), String(MODERATOR), undefined],
			["unban", "502", String(MODERATOR), "Appeal accepted"],
			["unban", "502", String(MODERATOR), undefined],
		]);
	});

	test("lookup prints the ban and the mute", async () => {
		const api = new FakeApi();
		api.ban(503, "Exploiting");
		api.mute(PLAYER, "Spam", api.unixBase + 3 * 3600);
		const server = await cmdrServer(api);
		expect(await cmdr(server, "lookup Player503")).toBe("user 503: banned: Exploiting (permanent); not muted");
		expect(await cmdr(server, `lookup Player${PLAYER}`)).toBe(`Player${PLAYER} (${PLAYER}): not banned; muted: Spam (ends in 3 hours)`);
	});
});

describe("permission and Cmdr's types", () => {
	test("a player canRun does not allow is refused by the BeforeRun hook, and nothing reaches the API", async () => {
		const api = new FakeApi();
		const server = await cmdrServer(api);
		const before = api.received.length;
		expect(await cmdr(server, `ban Player${MODERATOR} 0 Revenge`, PLAYER)).toBe(
			"You may not run ban: Technified's commands need permission (canRun)",
		);
		expect(await cmdr(server, `lookup Player${MODERATOR}`, PLAYER)).toContain("You may not run lookup");
		expect(api.received.length).toBe(before);
		expect((await server.report()).kicks).toEqual([]);
	});

	test("Cmdr's types refuse a bad duration, an unknown player and a missing reason before anything is sent", async () => {
		const api = new FakeApi();
		const server = await cmdrServer(api);
		expect(await cmdr(server, `ban Player${PLAYER} soon Exploiting`)).toBe("#2 duration: Invalid duration format. Example: 1d6h, 30m, 10s.");
		expect(await cmdr(server, "ban Nobody 1d Exploiting")).toBe("#1 player: No player with that name could be found.");
		expect(await cmdr(server, `mute Player${PLAYER} 1h`)).toBe("Required argument #3 reason is missing.");
		expect(writes(api)).toEqual([]);
	});

	test("Technified's hook keeps Cmdr's refusal for the game's other commands while it is the only hook", async () => {
		const server = await cmdrServer(new FakeApi());
		await server.invoke(CMDR, "addGameCommand", "kick");
		await server.advance(1);
		expect(await cmdr(server, "kick")).toBe("Command blocked for security as no BeforeRun hook is configured.");
	});

	test("register without canRun is refused in words; the definitions carry only Cmdr's keys", async () => {
		const server = await world(new FakeApi());
		const token = await server.invoke(CMDR, "setup", COMMANDS);
		await server.advance(1);
		expect(await outcome(server, token)).toEqual({ ok: false, error: expect.stringContaining("needs canRun: who may ban and mute") });
		const registered = await server.invoke(CMDR, "setup", COMMANDS, [MODERATOR]);
		await server.advance(1);
		// Cmdr checked every key of every definition and moved each definition to the replicated folder.
		expect(await outcome(server, registered)).toEqual({ ok: true, value: ["ban", "unban", "mute", "unmute", "lookup"] });
	});

	test("without Technified running, the command says so", async () => {
		const api = new FakeApi();
		const server = await world(api);
		await server.invoke(CMDR, "setup", COMMANDS, [MODERATOR]);
		await server.join(MODERATOR);
		await server.advance(1);
		expect(await cmdr(server, "lookup Player1")).toBe("Technified is not running in this server");
		expect(api.received).toEqual([]);
	});
});
