// test/luau/end-to-end.test.ts
// The compiled module in the Luau VM, talking over real HTTP to a real gateway process with a key made
// through its admin API: ban, join, kicked; unban, rejoin after the cache lifetime, admitted; a place ban
// bites in its place only; a mute is applied and lifted; an in-game ban from one server kicks there and
// is answered banned to another; a ban made through the gateway reaches three live servers within 2 s of
// its answer, through their long polls (held by the gateway in real time).

import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, expect, test } from "vitest";
import { startGatewayProcess, type GatewayProcess } from "../gateway/gateway-process";
import { luauHost, type World } from "./harness/luau-host";
import { followRealTime, overHttp as overHttpTransport } from "./harness/over-http";

const GUILD_ID = "223456789012345678";
/** A guild holds at most 3 keys: the live test has a guild of its own. */
const LIVE_GUILD_ID = "323456789012345678";
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

/**
 * The emulated servers' HttpService, sent over real sockets. The first two tests jump the virtual clock
 * by minutes in no real time, which a real long poll cannot follow: they run with live updates off.
 */
const overHttp = overHttpTransport();

async function moderate(key: string, action: "ban" | "unban" | "mute" | "unmute", robloxId: number, extra: Record<string, unknown> = {}, guildId = GUILD_ID) {
	const response = await fetch(`${url}/api/v1/moderation/${guildId}/roblox/${action}`, {
		method: "POST",
		headers: { "X-API-Key": key, "Content-Type": "application/json" },
		body: JSON.stringify({ roblox_id: robloxId, reason: "Exploiting in the lobby", moderator_roblox_id: "1", ...extra }),
	});
	expect(response.status).toBe(action === "ban" || action === "mute" ? 201 : 200);
}

/** A key made through the admin API, as an operator does (the guild allows 3: one per test). */
async function newKey(name: string, guildId = GUILD_ID) {
	const created = await fetch(`${url}/admin/v1/guilds/${guildId}/keys`, {
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
	expect(await server.start({ apiKey: key, baseUrl: `${url}/api/v1`, liveUpdates: false })).toEqual({ ok: true });
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
		expect(await server.start({ apiKey: key, baseUrl: `${url}/api/v1`, recheckInterval: 30, liveUpdates: false })).toEqual({ ok: true });
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

test("a ban made through the gateway kicks the player from 3 live servers within 2 s of the ban's answer", async () => {
	const key = await newKey("e2e live", LIVE_GUILD_ID);
	const host = await luauHost();
	const servers: World[] = [];
	for (const jobId of ["job-live-1", "job-live-2", "job-live-3"]) {
		const server = await host.newWorld(overHttp, { placeId: PLACE_A, jobId });
		expect(await server.start({ apiKey: key, baseUrl: `${url}/api/v1` }, { recordActions: true })).toEqual({ ok: true });
		// The same account in each server stands for the player (and their alts) wherever they are.
		await server.join(9301, 9302);
		servers.push(server);
	}
	// Joins answered, and each server's long poll held open at the gateway.
	await followRealTime(servers, 1500);

	await moderate(key, "ban", 9301, { reason: "Exploiting across servers" }, LIVE_GUILD_ID);
	// One server at a time: the VM runs one Luau call at once.
	const kickedEverywhere = async () => {
		for (const server of servers) {
			if (!(await server.report()).kicks.some((kick) => kick.userId === 9301)) return false;
		}
		return true;
	};
	const elapsed = await followRealTime(servers, 5000, kickedEverywhere);
	expect(await kickedEverywhere()).toBe(true);
	expect(elapsed).toBeLessThan(2000);
	for (const server of servers) {
		const report = await server.report();
		expect(report.kicks).toEqual([{ userId: 9301, at: expect.any(Number), message: expect.stringContaining("Exploiting across servers") }]);
		expect(report.actions).toContainEqual({ kind: "kick", userId: 9301, reason: "Exploiting across servers", source: "live" });
		expect(report.players).toEqual([9302]);
		expect(report.output).toEqual([]);
	}
	for (const server of servers) await server.stop();
}, 60_000);

test("where CreateWebStreamClient works, a ban and a mute reach the server through the gateway's event stream", async () => {
	const key = await newKey("e2e stream", LIVE_GUILD_ID);
	const host = await luauHost();
	const streamed = overHttpTransport();
	const server = await host.newWorld(streamed, { placeId: PLACE_A, jobId: "job-stream", webStreams: true });
	expect(await server.start({ apiKey: key, baseUrl: `${url}/api/v1` }, { recordActions: true })).toEqual({ ok: true });
	await server.join(9401, 9402);
	await followRealTime([server], 1500);

	await moderate(key, "ban", 9401, { reason: "Streamed ban" }, LIVE_GUILD_ID);
	await moderate(key, "mute", 9402, { reason: "Streamed mute" }, LIVE_GUILD_ID);
	await followRealTime([server], 5000, async () => (await server.report()).actions.length >= 2);
	const report = await server.report();
	expect(report.actions).toEqual([
		{ kind: "kick", userId: 9401, reason: "Streamed ban", source: "live" },
		{ kind: "mute", userId: 9402, reason: "Streamed mute", source: "live" },
	]);
	expect(await server.canSend(9402)).toEqual({ RBXGeneral: false });
	// The stream says which server it is, as a poll does (docs/fleets.md).
	expect(streamed.events).toEqual([
		{ url: `${url}/api/v1/moderation/${LIVE_GUILD_ID}/events?job_id=job-stream&place_id=${PLACE_A}&universe_id=5203828273&players=0`, stream: true },
	]);
	expect(report.output).toEqual([]);
	await server.stop();
}, 60_000);
