// test/gateway/process.test.ts
// The gateway as an operator runs it (`tsx gateway/main.ts`): start-up, bad config, SIGTERM, restart.

import { mkdtemp, readFile, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { exitOf, spawnGateway, startGatewayProcess } from "./gateway-process";
import { GUILD_A, banBody } from "./harness";

/** The start-up log line (one JSON object) that says where the gateway is. */
function startupLine(output: string): Record<string, unknown> {
	const line = output.split("\n").find((text) => text.includes("listening on"));
	if (line === undefined) throw new Error(`no start-up line in: ${output}`);
	return JSON.parse(line) as Record<string, unknown>;
}

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
		["DATABASE_URL", "postgres://127.0.0.1:5432/test"],
		["REDIS_URL", "redis://127.0.0.1:6379/zero"],
		["PUBLIC_URL", "bans.example.com"],
	])("stops with one line naming %s when it is invalid", async (variable, value) => {
		const child = spawnGateway({ DATA_DIR: dataDir, [variable]: value });
		let stderr = "";
		child.stderr!.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
		expect(await exitOf(child)).not.toBe(0);
		const lines = stderr.trim().split("\n");
		expect(lines).toHaveLength(1);
		expect(lines[0]).toContain(variable);
	});

	it("stops with one line saying which database could not be used, and why, without its password", async () => {
		const child = spawnGateway({ DATA_DIR: path.join(dataDir, "unused"), DATABASE_URL: "postgres://postgres:hunter2-secret@127.0.0.1:1/test" });
		let stderr = "";
		child.stderr!.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
		expect(await exitOf(child)).not.toBe(0);
		expect(stderr.trim()).toBe(
			"Gateway failed to start: PostgreSQL at 127.0.0.1:1, database test (DATABASE_URL) cannot be used: connect ECONNREFUSED 127.0.0.1:1",
		);
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

	it("names a misspelt variable and says where the API, dashboard and metrics are when listening everywhere", async () => {
		const gateway = await startGatewayProcess({ DATA_DIR: dataDir, HOST: "0.0.0.0", PORTT: "9000", RATE_LIMIT: "moderation=1" });
		try {
			const output = gateway.output.join("");
			expect(output).toContain("Unknown variable PORTT is ignored: did you mean PORT?");
			expect(output).toContain("Unknown variable RATE_LIMIT is ignored: did you mean RATE_LIMITS?");
			const port = new URL(gateway.url).port;
			expect(output).toContain(`listening on http://127.0.0.1:${port} (all interfaces, port ${port})`);
			expect(startupLine(output)).toMatchObject({
				api: `http://127.0.0.1:${port}/api/v1`,
				dashboard: `http://127.0.0.1:${port}/dashboard/`,
				docs: `http://127.0.0.1:${port}/docs`,
				metrics: `http://127.0.0.1:${port}/metrics`,
			});
			expect(output).toContain("Discord commands off: set DISCORD_PUBLIC_KEY and DISCORD_APPLICATION_ID to turn them on");
			expect((await fetch(`${gateway.url}/metrics`)).status).toBe(200);
		} finally {
			await gateway.stop();
		}
	});

	it("gives API and dashboard at PUBLIC_URL, metrics at the listening address with the token it needs", async () => {
		const metricsToken = "metrics-token-0123456789";
		const gateway = await startGatewayProcess({
			DATA_DIR: dataDir,
			PUBLIC_URL: "https://bans.example.com/",
			METRICS_TOKEN: metricsToken,
			DISCORD_PUBLIC_KEY: "ab".repeat(32),
			DISCORD_APPLICATION_ID: "1100000000000000002",
		});
		try {
			const output = gateway.output.join("");
			expect(output).toContain(`listening on ${gateway.url} (127.0.0.1 only), reached at https://bans.example.com`);
			expect(startupLine(output)).toMatchObject({
				api: "https://bans.example.com/api/v1",
				dashboard: "https://bans.example.com/dashboard/",
				docs: "https://bans.example.com/docs",
				metrics: `${gateway.url}/metrics (Authorization: Bearer METRICS_TOKEN)`,
			});
			expect(output).not.toContain(metricsToken);
			expect(output).toContain(
				"Discord commands on for application 1100000000000000002: Interactions Endpoint URL https://bans.example.com/discord/interactions; set DISCORD_BOT_TOKEN to register them",
			);
			const metrics = await fetch(`${gateway.url}/metrics`, { headers: { authorization: `Bearer ${metricsToken}` } });
			expect(metrics.status).toBe(200);
		} finally {
			await gateway.stop();
		}
	});

	it("uses a set ADMIN_TOKEN over a different kept one, and says the kept file is stale", async () => {
		const kept = (await readFile(path.join(dataDir, "admin-token"), "utf8")).trim();
		const token = "operator-chosen-admin-token-0123";
		const gateway = await startGatewayProcess({ DATA_DIR: dataDir, ADMIN_TOKEN: token });
		try {
			expect(gateway.output.join("")).toContain(
				`ADMIN_TOKEN is set and differs from the token kept in ${path.join(dataDir, "admin-token")}: the set one is used.`,
			);
			expect(gateway.output.join("")).not.toContain(kept);
			const keys = (bearer: string) => fetch(`${gateway.url}/admin/v1/guilds/${GUILD_A}/keys`, { headers: { authorization: `Bearer ${bearer}` } });
			expect((await keys(token)).status).toBe(200);
			expect((await keys(kept)).status).toBe(401);
		} finally {
			await gateway.stop();
		}
	});
});
