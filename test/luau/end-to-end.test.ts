// test/luau/end-to-end.test.ts
// The compiled module in the Luau VM, talking over real HTTP to a real gateway process with a key made
// through its admin API: ban, join, kicked; unban, rejoin after the cache lifetime, admitted.

import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, expect, test } from "vitest";
import { startGatewayProcess, type GatewayProcess } from "../gateway/gateway-process";
import { luauHost, type Transport } from "./harness/luau-host";

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

/** The emulated server's HttpService, sent over real sockets. */
const overHttp: Transport = async (request) => {
	try {
		const response = await fetch(request.url, {
			method: request.method,
			headers: request.headers,
			body: request.method === "GET" ? undefined : request.body,
		});
		return { status: response.status, headers: Object.fromEntries(response.headers), body: await response.text() };
	} catch {
		return { error: "HttpError: ConnectFail" };
	}
};

async function moderate(key: string, action: "ban" | "unban", robloxId: number) {
	const response = await fetch(`${url}/api/v1/moderation/${GUILD_ID}/roblox/${action}`, {
		method: "POST",
		headers: { "X-API-Key": key, "Content-Type": "application/json" },
		body: JSON.stringify({ roblox_id: robloxId, reason: "Exploiting in the lobby", moderator_roblox_id: "1" }),
	});
	expect(response.status).toBe(action === "ban" ? 201 : 200);
}

test("ban, join, kicked; unban, rejoin after the cache lifetime, admitted", async () => {
	const created = await fetch(`${url}/admin/v1/guilds/${GUILD_ID}/keys`, {
		method: "POST",
		headers: { Authorization: `Bearer ${ADMIN_TOKEN}`, "Content-Type": "application/json" },
		body: JSON.stringify({ name: "e2e game" }),
	});
	expect(created.status).toBe(201);
	const key = ((await created.json()) as { data: { key: string } }).data.key;

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
