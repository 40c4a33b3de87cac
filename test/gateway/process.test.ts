// test/gateway/process.test.ts
// The gateway as an operator runs it (`tsx gateway/main.ts`): start-up, bad config, SIGTERM, restart.

import { mkdtemp, readFile, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { exitOf, spawnGateway, startGatewayProcess } from "./gateway-process";
import { GUILD_A, banBody } from "./harness";

describe("gateway process", () => {
	let dataDir: string;
	beforeAll(async () => {
		dataDir = await mkdtemp(path.join(os.tmpdir(), "gateway-process-"));
	});
	afterAll(() => rm(dataDir, { recursive: true, force: true }));

	it.each([
		["PORT", "eighty"],
		["RATE_LIMITS", "moderation=lots"],
		["TRUST_PROXY", "10.0.0.0/99"],
		["DATABASE_URL", "mysql://db"],
	])("stops with one line naming %s when it is invalid", async (variable, value) => {
		const child = spawnGateway({ DATA_DIR: dataDir, [variable]: value });
		let stderr = "";
		child.stderr!.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
		expect(await exitOf(child)).not.toBe(0);
		const lines = stderr.trim().split("\n");
		expect(lines).toHaveLength(1);
		expect(lines[0]).toContain(variable);
	});

	it("generates and prints the admin token once, keeps keys and bans across a restart, and flushes last use on SIGTERM", async () => {
		const first = await startGatewayProcess({ DATA_DIR: dataDir });
		const token = (await readFile(path.join(dataDir, "admin-token"), "utf8")).trim();
		expect(first.output.join("")).toContain(token);
		const admin = { authorization: `Bearer ${token}`, "content-type": "application/json" };

		const created = await (
			await fetch(`${first.url}/admin/v1/guilds/${GUILD_A}/keys`, { method: "POST", headers: admin, body: "{}" })
		).json();
		const key = (created as { data: { key: string } }).data.key;
		const headers = { "x-api-key": key, "content-type": "application/json" };
		const ban = await fetch(`${first.url}/api/v1/moderation/${GUILD_A}/roblox/ban`, {
			method: "POST",
			headers,
			body: JSON.stringify(banBody(99)),
		});
		expect(ban.status).toBe(201);
		expect(await first.stop()).toBe(0);

		const second = await startGatewayProcess({ DATA_DIR: dataDir });
		try {
			expect(second.output.join("")).not.toContain(token);
			const status = await fetch(`${second.url}/api/v1/moderation/${GUILD_A}/ban-status/99`, { headers });
			expect(status.status).toBe(200);
			expect(((await status.json()) as { data: { banned: boolean } }).data.banned).toBe(true);
			const keys = (await (await fetch(`${second.url}/admin/v1/guilds/${GUILD_A}/keys`, { headers: admin })).json()) as {
				data: { keys: { last_used_at: number | null }[] };
			};
			expect(keys.data.keys[0].last_used_at).toEqual(expect.any(Number));
		} finally {
			await second.stop();
		}
	});
});
