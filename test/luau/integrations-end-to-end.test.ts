// test/luau/integrations-end-to-end.test.ts
// Adonis and Cmdr against a real gateway process over real HTTP: a :ban typed in Adonis is stored by the
// gateway with the moderator's user id, Cmdr's lookup reads it back, and Cmdr's unban lifts it.

import { mkdtemp, readFile, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, expect, test } from "vitest";
import { startGatewayProcess, type GatewayProcess } from "../gateway/gateway-process";
import { luauHost, REPO_ROOT, type World } from "./harness/luau-host";
import { overHttp } from "./harness/over-http";

const GUILD_ID = "423456789012345678";
const ADMIN_TOKEN = "e2e-admin-token-integrations-0123";
const MODERATOR = 9100;
const PLAYER = 9101;

let gateway: GatewayProcess | undefined;
let dataDir: string;

beforeAll(async () => {
	dataDir = await mkdtemp(path.join(os.tmpdir(), "technified-integrations-"));
	gateway = await startGatewayProcess({ DATA_DIR: dataDir, ADMIN_TOKEN });
}, 60_000);

afterAll(async () => {
	await gateway?.stop();
	await rm(dataDir, { recursive: true, force: true });
});

async function newKey() {
	const created = await fetch(`${gateway!.url}/admin/v1/guilds/${GUILD_ID}/keys`, {
		method: "POST",
		headers: { Authorization: `Bearer ${ADMIN_TOKEN}`, "Content-Type": "application/json" },
		body: JSON.stringify({ name: "integrations" }),
	});
	expect(created.status).toBe(201);
	return ((await created.json()) as { data: { key: string } }).data.key;
}

async function banStatus(key: string, userId: number) {
	const response = await fetch(`${gateway!.url}/api/v1/moderation/${GUILD_ID}/ban-status/${userId}`, { headers: { "X-API-Key": key } });
	return ((await response.json()) as { data: { banned: boolean; ban_info?: { reason: string; banned_by: string } } }).data;
}

async function invoke(server: World, module: string, fn: string, ...args: unknown[]) {
	const token = await server.invoke(module, fn, ...args);
	// Real requests take real time: move the clock until the call has finished.
	for (let i = 0; i < 50 && (await server.report()).results[token] === undefined; i++) await server.advance(0.5);
	return (await server.report()).results[token];
}

test("an Adonis :ban reaches the gateway with the moderator; Cmdr's lookup shows it and Cmdr's unban lifts it", async () => {
	const key = await newKey();
	const source = (file: string) => readFile(path.join(REPO_ROOT, "test/luau/integrations", file), "utf8");
	const host = await luauHost([
		{ parentPath: "ServerScriptService", name: "Adonis", source: await source("adonis.luau") },
		{ parentPath: "ServerScriptService", name: "Cmdr", source: await source("cmdr.luau") },
	]);
	const server = await host.newWorld(overHttp(), { seed: 7 });
	await server.move("ServerScriptService.Technified.integrations.Server-Technified", "ServerStorage");
	await server.move("ServerScriptService.Technified.integrations.TechnifiedCmdr", "ServerStorage");
	expect(await server.start({ apiKey: key, baseUrl: `${gateway!.url}/api/v1`, liveUpdates: false })).toEqual({ ok: true });
	await server.invoke("ServerScriptService.Adonis", "boot", "ServerStorage.Server-Technified");
	expect(await invoke(server, "ServerScriptService.Cmdr", "setup", "ServerStorage.TechnifiedCmdr", [MODERATOR])).toMatchObject({ ok: true });
	await server.join(MODERATOR, PLAYER);
	await server.advance(5);

	expect(await invoke(server, "ServerScriptService.Adonis", "command", MODERATOR, `:ban Player${PLAYER} Exploiting the shop`)).toEqual({ ok: true });
	// The moderator is told in Adonis once the gateway has the ban.
	const told = async () => {
		const state = (await invoke(server, "ServerScriptService.Adonis", "state")).value as { hints: Array<{ text: string }> };
		return state.hints.some((hint) => hint.text.startsWith("Technified:"));
	};
	for (let i = 0; i < 50 && !(await told()); i++) await server.advance(0.5);
	expect(await told()).toBe(true);
	expect(await banStatus(key, PLAYER)).toMatchObject({ banned: true, ban_info: { reason: "Exploiting the shop", banned_by: String(MODERATOR) } });
	expect((await server.report()).kicks.map((kick) => kick.userId)).toEqual([PLAYER]);

	expect(await invoke(server, "ServerScriptService.Cmdr", "run", MODERATOR, `lookup Player${PLAYER}`)).toEqual({
		ok: true,
		value: `user ${PLAYER}: banned: Exploiting the shop (permanent); not muted`,
	});
	expect(await invoke(server, "ServerScriptService.Cmdr", "run", MODERATOR, `unban Player${PLAYER} Appeal accepted`)).toEqual({
		ok: true,
		value: `Unbanned user ${PLAYER}`,
	});
	expect(await banStatus(key, PLAYER)).toEqual({ banned: false });
}, 60_000);
