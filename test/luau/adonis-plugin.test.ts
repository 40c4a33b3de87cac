// test/luau/adonis-plugin.test.ts
// The Adonis plugin (Server-Technified) in an emulated Adonis (integrations/adonis.luau): bans, unbans,
// mutes and unmutes typed in Adonis reach the API with the moderator's user id; bans and mutes made
// elsewhere show in Adonis's lists; nothing made elsewhere is sent back.

import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { BASE_URL, FakeApi, TEST_KEY } from "./harness/fake-api";
import { luauHost, REPO_ROOT, World } from "./harness/luau-host";

const ADONIS = "ServerScriptService.Adonis";
/** The plugin as the README installs it: copied out of the model (here into ServerStorage, a place of Adonis's). */
const PLUGIN = "ServerStorage.Server-Technified";
const MODERATOR = 400;

interface AdonisState {
	banlist: string[];
	timebans: string[];
	mutelist: string[];
	hints: Array<{ to: number; text: string }>;
	saves: string[];
}

const writes = (api: FakeApi) =>
	api.received
		.filter((request) => request.url.includes("/roblox/"))
		.map((request) => ({ action: request.url.split("/").at(-1), body: JSON.parse(request.body) as Record<string, string> }));

async function installPlugin(server: World) {
	await server.move("ServerScriptService.Technified.integrations.Server-Technified", "ServerStorage");
}

/** A server with Technified started (live updates on), Adonis loaded with the plugin, and the moderator in it. */
async function adonisServer(api: FakeApi): Promise<World> {
	const host = await luauHost([
		{ parentPath: "ServerScriptService", name: "Adonis", source: readFileSync(join(REPO_ROOT, "test/luau/integrations/adonis.luau"), "utf8") },
	]);
	const server = await host.newWorld(api.transport, { seed: 7 });
	await installPlugin(server);
	await server.start({ apiKey: TEST_KEY, baseUrl: BASE_URL });
	await server.invoke(ADONIS, "boot", PLUGIN);
	await server.join(MODERATOR);
	await server.advance(3);
	return server;
}

async function adonis(server: World, message: string) {
	await server.invoke(ADONIS, "command", MODERATOR, message);
	await server.advance(2);
}

async function adonisState(server: World): Promise<AdonisState> {
	const token = await server.invoke(ADONIS, "state");
	const state = (await server.report()).results[token].value as Record<string, unknown>;
	const list = <T>(value: unknown) => (Array.isArray(value) ? (value as T[]) : []);
	return {
		banlist: list(state.banlist),
		timebans: list(state.timebans),
		mutelist: list(state.mutelist),
		hints: list(state.hints),
		saves: list(state.saves),
	};
}

describe("bans made in Adonis reach the API", () => {
	test(":ban sends the ban with the moderator's user id; the ban coming back live is neither re-sent nor listed twice", async () => {
		const api = new FakeApi();
		const server = await adonisServer(api);
		await server.join(401);
		await server.advance(3);
		await adonis(server, ":ban Player401 Exploiting the shop");
		await server.advance(30);
		const report = await server.report();
		expect(writes(api)).toEqual([
			{ action: "ban", body: expect.objectContaining({ roblox_id: "401", reason: "Exploiting the shop", moderator_roblox_id: String(MODERATOR) }) },
		]);
		expect(report.kicks.map((kick) => kick.userId)).toEqual([401]);
		const state = await adonisState(server);
		expect(state.banlist).toEqual(["[SERVER] Player401:401 | Reason: Exploiting the shop"]);
		expect(state.hints).toEqual([
			{ to: MODERATOR, text: "Server-banned @Player401" },
			{ to: MODERATOR, text: "Technified: user 401 banned in every server of the game" },
		]);
		expect(report.output.filter((line) => line.kind !== "print")).toEqual([]);
	});

	test(":tempban sends the duration; :permban of a user not in the server sends a permanent ban", async () => {
		const api = new FakeApi();
		const server = await adonisServer(api);
		await server.join(402);
		await server.advance(3);
		await adonis(server, ":tempban Player402 1h Griefing");
		await adonis(server, ":permban Player403 Alt account");
		expect(writes(api)).toEqual([
			{ action: "ban", body: expect.objectContaining({ roblox_id: "402", reason: "Griefing", duration: "3600s", moderator_roblox_id: String(MODERATOR) }) },
			{ action: "ban", body: expect.objectContaining({ roblox_id: "403", reason: "Alt account", moderator_roblox_id: String(MODERATOR) }) },
		]);
		expect(writes(api)[1].body.duration).toBeUndefined();
		expect(api.bans.get(402)?.expiresAt).toBe(api.unixBase + 3 + 3 + 3600);
	});

	test(":unban sends the unban with the moderator's user id, even for a ban Adonis never listed", async () => {
		const api = new FakeApi();
		api.ban(404, "Exploiting");
		const server = await adonisServer(api);
		await adonis(server, ":unban Player404");
		await server.advance(30);
		expect(writes(api)).toEqual([{ action: "unban", body: expect.objectContaining({ roblox_id: "404", moderator_roblox_id: String(MODERATOR) }) }]);
		expect(api.bans.has(404)).toBe(false);
	});

	test("a refusal from the API is shown to the moderator in Adonis", async () => {
		const api = new FakeApi();
		api.scopes.delete("moderation:write");
		const server = await adonisServer(api);
		await adonis(server, ":ban Player405 Exploiting");
		const { hints } = await adonisState(server);
		expect(hints).toContainEqual({ to: MODERATOR, text: expect.stringContaining("[Technified] ban: the key lacks the moderation:write scope") });
	});
});

describe("bans made elsewhere show in Adonis, and are not sent back", () => {
	test("a ban from the API lists the player in Adonis; its unban removes the entry; nothing is written back", async () => {
		const api = new FakeApi();
		const server = await adonisServer(api);
		await server.join(410);
		await server.advance(3);
		api.ban(410, "Exploiting elsewhere");
		api.ban(411, "Never came here");
		await server.advance(3);
		expect((await server.report()).kicks.map((kick) => kick.userId)).toEqual([410]);
		expect((await adonisState(server)).banlist).toEqual([
			"[GLOBAL] Player410:410 | Reason: Exploiting elsewhere",
			"[GLOBAL] ID: 411 | Reason: Never came here",
		]);
		api.unban(410);
		await server.advance(3);
		expect((await adonisState(server)).banlist).toEqual(["[GLOBAL] ID: 411 | Reason: Never came here"]);
		expect(writes(api)).toEqual([]);
	});

	test("a temporary ban from the API leaves Adonis's list when it ends", async () => {
		const api = new FakeApi();
		const server = await adonisServer(api);
		api.ban(412, "Cooling off", api.unixBase + 3 + 60);
		await server.advance(3);
		expect((await adonisState(server)).banlist).toEqual(["[GLOBAL] ID: 412 | Reason: Cooling off"]);
		await server.advance(60);
		expect((await adonisState(server)).banlist).toEqual([]);
		expect(writes(api)).toEqual([]);
	});
});

describe("mutes", () => {
	test(":mute with a duration sends it; Adonis's timer ending the mute sends nothing; :unmute sends the unmute", async () => {
		const api = new FakeApi();
		const server = await adonisServer(api);
		await server.join(420, 421);
		await server.advance(3);
		await adonis(server, ":mute Player420 10m");
		expect(await server.canSend(420)).toEqual({ RBXGeneral: false });
		expect((await adonisState(server)).mutelist).toEqual(["Player420:420"]);
		await server.advance(600);
		expect((await adonisState(server)).mutelist).toEqual([]);
		expect(await server.canSend(420)).toEqual({ RBXGeneral: true });

		await adonis(server, ":mute Player421");
		await adonis(server, ":unmute Player421");
		expect(await server.canSend(421)).toEqual({ RBXGeneral: true });
		expect(writes(api)).toEqual([
			{ action: "mute", body: expect.objectContaining({ roblox_id: "420", duration: "10m", moderator_roblox_id: String(MODERATOR) }) },
			{ action: "mute", body: expect.objectContaining({ roblox_id: "421", moderator_roblox_id: String(MODERATOR) }) },
			{ action: "unmute", body: expect.objectContaining({ roblox_id: "421", moderator_roblox_id: String(MODERATOR) }) },
		]);
		expect(writes(api)[1].body.duration).toBeUndefined();
	});

	test(":mute of a user who is not in the server, typed as an id, sends the mute for that id", async () => {
		const api = new FakeApi();
		const server = await adonisServer(api);
		await adonis(server, ":mute 777");
		expect(writes(api)).toEqual([{ action: "mute", body: expect.objectContaining({ roblox_id: "777", moderator_roblox_id: String(MODERATOR) }) }]);
	});

	test("a mute from the API shows in Adonis's mute list and leaves it with the unmute; nothing is written back", async () => {
		const api = new FakeApi();
		const server = await adonisServer(api);
		await server.join(422);
		await server.advance(3);
		api.mute(422, "Spam");
		await server.advance(3);
		expect((await adonisState(server)).mutelist).toEqual(["Player422:422"]);
		api.unmute(422);
		await server.advance(3);
		expect((await adonisState(server)).mutelist).toEqual([]);
		expect(writes(api)).toEqual([]);
	});
});

describe("without Technified running", () => {
	test("a ban in Adonis still works in Adonis, and the moderator is told it stayed there", async () => {
		const api = new FakeApi();
		const host = await luauHost([
			{ parentPath: "ServerScriptService", name: "Adonis", source: readFileSync(join(REPO_ROOT, "test/luau/integrations/adonis.luau"), "utf8") },
		]);
		const server = await host.newWorld(api.transport, { seed: 7 });
		await installPlugin(server);
		await server.invoke(ADONIS, "boot", PLUGIN);
		await server.join(MODERATOR, 430);
		await server.advance(1);
		await adonis(server, ":ban Player430 Exploiting");
		const state = await adonisState(server);
		expect(state.banlist).toEqual(["[SERVER] Player430:430 | Reason: Exploiting"]);
		expect(state.hints).toContainEqual({ to: MODERATOR, text: expect.stringContaining("Technified is not running in this server") });
		expect(api.received).toEqual([]);
	});
});
