// test/luau/end-to-end.test.ts
// The compiled module in the Luau VM, talking over real HTTP to a real gateway process with a key made
// through its admin API: ban, join, kicked; unban, rejoin after the cache lifetime, admitted.

import { spawn, type ChildProcess } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, expect, test } from "vitest";
import { luauHost, REPO_ROOT, type Transport } from "./harness/luau-host";

const GUILD_ID = "223456789012345678";
const ADMIN_TOKEN = "e2e-admin-token-0123456789abcdef";

let gateway: ChildProcess;
let dataDir: string;
let url: string;

/** Starts `tsx gateway/main.ts` on a free port and waits for its "listening on" line. */
function startGateway(): Promise<string> {
	gateway = spawn(process.execPath, ["--import", "tsx", "gateway/main.ts"], {
		cwd: REPO_ROOT,
		env: { ...process.env, HOST: "127.0.0.1", PORT: "0", DATA_DIR: dataDir, ADMIN_TOKEN },
		stdio: ["ignore", "pipe", "pipe"],
	});
	const output: string[] = [];
	return new Promise((resolve, reject) => {
		const timer = setTimeout(() => reject(new Error(`gateway did not start: ${output.join("")}`)), 30_000);
		gateway.stdout!.on("data", (chunk: Buffer) => {
			output.push(chunk.toString());
			const match = /listening on (http:\/\/\S+) /.exec(output.join(""));
			if (match) {
				clearTimeout(timer);
				resolve(match[1]);
			}
		});
		gateway.stderr!.on("data", (chunk: Buffer) => output.push(chunk.toString()));
		gateway.on("exit", (code) => reject(new Error(`gateway exited (${code}): ${output.join("")}`)));
	});
}

beforeAll(async () => {
	dataDir = await mkdtemp(path.join(os.tmpdir(), "technified-e2e-"));
	url = await startGateway();
}, 60_000);

afterAll(async () => {
	gateway?.kill("SIGTERM");
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
