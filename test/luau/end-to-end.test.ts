// test/luau/end-to-end.test.ts
// The compiled module in the Luau VM, talking over real HTTP to a real gateway process with a key made
// through its admin API: ban, join, kicked; unban, rejoin after the cache lifetime, admitted; a place ban
// bites in its place only; a mute is applied and lifted; an in-game ban from one server kicks there and
// is answered banned to another.

import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, expect, test } from "vitest";
import { startGatewayProcess, type GatewayProcess } from "../gateway/gateway-process";
import { luauHost } from "./harness/luau-host";
import { overHttp as overHttpTransport } from "./harness/over-http";

const GUILD_ID = "223456789012345678";
const ADMIN_TOKEN = "e2e-admin-token-0123456789abcdef";

let gateway: GatewayProcess | undefined;
let dataDir: string;
let url: string;

beforeAll(async () => {
	dataDir = await mkdtemp(path.join(os.tmpdir(), "technified-e2e-"));
	gateway = await startGatewayProcess({ DATA_DIR: dataDir, ADMIN_TOKEN });
	url = gateway.url;
}, 60_000);

afterAll(async () => {
	await gateway?.stop();
	await rm(dataDir, { recursive: true, force: true });
});

/** The emulated servers' HttpService, sent over real sockets. */
const overHttp = overHttpTransport();

async function moderate(key: string, action: "ban" | "unban" | "mute" | "unmute", robloxId: number, extra: Record<string, unknown> = {}) {
	const response = await fetch(`${url}/api/v1/moderation/${GUILD_ID}/roblox/${action}`, {
		method: "POST",
		headers: { "X-API-Key": key, "Content-Type": "application/json" },
		body: JSON.stringify({ roblox_id: robloxId, reason: "Exploiting in the lobby", moderator_roblox_id: "1", ...extra }),
	});
	expect(response.status).toBe(action === "ban" || action === "mute" ? 201 : 200);
}

/** A key made through the admin API, as an operator does (the guild allows 3: one per test). */
async function newKey(name: string) {
	const created = await fetch(`${url}/admin/v1/guilds/${GUILD_ID}/keys`, {
		method: "POST",
		headers: { Authorization: `Bearer ${ADMIN_TOKEN}`, "Content-Type": "application/json" },
		body: JSON.stringify({ name }),
	});
	expect(created.status).toBe(201);
	return ((await created.json()) as { data: { key: string } }).data.key;
}

test("ban, join, kicked; unban, rejoin after the cache lifetime, admitted", async () => {
	const key = await newKey("e2e game");

	await moderate(key, "ban", 9001);
	const host = await luauHost();
	const server = await host.newWorld(overHttp);
	expect(await server.start({ apiKey: key, baseUrl: `${url}/api/v1` })).toEqual({ ok: true });
	await server.join(9001, 9002);
	await server.advance(5);
	let report = await server.report();
	expect(report.kicks).toEqual([
		{ userId: 9001, at: expect.any(Number), message: "You are banned from this game.\nReason: Exploiting in the lobby\nThis ban is permanent." },
	]);
	expect(report.players).toEqual([9002]);

	await moderate(key, "unban", 9001);
	await server.advance(301);
	await server.join(9001);
	await server.advance(5);
	report = await server.report();
	expect(report.kicks).toHaveLength(1);
	expect(report.players.sort()).toEqual([9001, 9002]);
	expect(report.output).toEqual([]);
}, 60_000);

const PLACE_A = 1818;
const PLACE_B = 2727;

test("a place ban kicks in that place and not in another; a mute is applied and lifted", async () => {
	const key = await newKey("e2e places");
	await moderate(key, "ban", 9101, { place_id: PLACE_A });
	await moderate(key, "mute", 9102, { reason: "Spam" });
	const host = await luauHost();
	const placeA = await host.newWorld(overHttp, { placeId: PLACE_A });
	const placeB = await host.newWorld(overHttp, { placeId: PLACE_B });
	for (const server of [placeA, placeB]) {
		expect(await server.start({ apiKey: key, baseUrl: `${url}/api/v1`, recheckInterval: 30 })).toEqual({ ok: true });
		await server.join(9101, 9102);
		await server.advance(5);
	}
	expect((await placeA.report()).kicks.map((kick) => kick.userId)).toEqual([9101]);
	expect((await placeB.report()).kicks).toEqual([]);
	expect(await placeB.canSend(9102)).toEqual({ RBXGeneral: false });

	await moderate(key, "unmute", 9102);
	await placeB.advance(31);
	expect(await placeB.canSend(9102)).toEqual({ RBXGeneral: true });
	expect((await placeB.report()).output).toEqual([]);
}, 60_000);

test("an in-game ban from one server kicks there at once and is answered banned to another", async () => {
	const key = await newKey("e2e in-game");
	const host = await luauHost();
	const first = await host.newWorld(overHttp, { placeId: PLACE_A, jobId: "job-first" });
	const second = await host.newWorld(overHttp, { placeId: PLACE_A, jobId: "job-second" });
	expect(await first.start({ apiKey: key, baseUrl: `${url}/api/v1` })).toEqual({ ok: true });
	expect(await second.start({ apiKey: key, baseUrl: `${url}/api/v1` })).toEqual({ ok: true });
	await first.join(9201, 9202);
	await first.advance(5);
	const ban = await first.moderate("ban", 9201, { reason: "Speed hacking", moderatorId: 9202, duration: "1d" });
	await first.advance(1);
	const firstReport = await first.report();
	expect(firstReport.results[ban]).toMatchObject({ ok: true, status: { banned: true, reason: "Speed hacking" } });
	expect(firstReport.kicks.map((kick) => kick.userId)).toEqual([9201]);

	await second.join(9201);
	await second.advance(5);
	const secondReport = await second.report();
	expect(secondReport.kicks).toEqual([{ userId: 9201, at: expect.any(Number), message: expect.stringContaining("Speed hacking") }]);
}, 60_000);
