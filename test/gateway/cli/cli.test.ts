// test/gateway/cli/cli.test.ts
// The operator CLI (`npm run keys -- …`) as a child process against a real gateway over HTTP.

import { execFile } from "node:child_process";
import { once } from "node:events";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import net, { type AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ADMIN_TOKEN, GUILD_A, GUILD_B, startTestGateway, type TestGateway } from "../harness";

const run = promisify(execFile);

/** A loopback port nothing listens on (just released). */
async function freePort(): Promise<number> {
	const server = net.createServer().listen(0, "127.0.0.1");
	await once(server, "listening");
	const { port } = server.address() as AddressInfo;
	await new Promise((resolve) => server.close(resolve));
	return port;
}

describe("keys CLI", () => {
	let gateway: TestGateway;
	beforeAll(async () => {
		gateway = await startTestGateway();
	});
	afterAll(() => gateway.stop());

	const cli = (env: Record<string, string | undefined>, args: string[]) =>
		run(process.execPath, ["--import", "tsx", "gateway/cli/keys.ts", ...args], { env: { ...process.env, ...env } });
	const keys = (...args: string[]) => cli({ ADMIN_TOKEN }, [...args, "--url", gateway.url]);
	const failure = (promise: Promise<unknown>) =>
		promise.then(
			() => {
				throw new Error("the CLI succeeded");
			},
			(err: { code: number; stderr: string }) => {
				expect(err.code).toBe(1);
				return err.stderr.trim();
			},
		);
	const statusWith = async (key: string) =>
		(await gateway.api(`/moderation/${GUILD_A}/ban-status/1`, { headers: { "x-api-key": key } })).body.error ?? "ok";
	const shownKey = (stdout: string) => /^(technified_\d+_\w{38})$/m.exec(stdout)![1];

	it("is also `technified`: imports a CSV (refused lines by number), exports it back, and keeps the key commands", async () => {
		const technified = (...args: string[]) =>
			run(process.execPath, ["--import", "tsx", "gateway/cli/technified.ts", ...args, "--url", gateway.url], { env: { ...process.env, ADMIN_TOKEN } });
		const dir = await mkdtemp(path.join(os.tmpdir(), "cli-import-"));
		const file = path.join(dir, "bans.csv");
		await writeFile(file, "roblox_id,kind,reason,by,created_at\n7001,ban,Exploiting,261,1767225600\nseven,ban,Typo,261,\n");
		const imported = (await technified("import", file, "--guild", GUILD_B)).stdout;
		expect(imported).toMatch(/^Import imp_\w+ done: 1 imported, 0 skipped \(already there\), 1 refused, of 2 read\.$/m);
		expect(imported).toContain("  line 3: roblox_id must be a positive integer below 2^53");
		const exported = (await technified("export", "--guild", GUILD_B, "--format", "csv")).stdout;
		expect(exported).toBe(
			"roblox_id,kind,reason,by,created_at,expires_at,place_id,lifted_at,lifted_by,lift_reason\r\n7001,ban,Exploiting,261,2026-01-01T00:00:00.000Z,,,,,\r\n",
		);
		expect((await technified("list", "--guild", GUILD_B)).stdout.trim()).toBe("No keys.");
		expect(await failure(technified("import", "--guild", GUILD_B, "--from", "technified"))).toBe("technified: --from technified needs --api-key <key>");
		await rm(dir, { recursive: true, force: true });
	});

	it("creates a key shown once, and lists it by short id and prefix in a narrow table without the secret", async () => {
		const created = await keys("create", "--guild", GUILD_A, "--name", "Main Game");
		const key = shownKey(created.stdout);
		expect(created.stdout).toContain("API key (shown once, store it now):");

		const listed = (await keys("list", "--guild", GUILD_A)).stdout;
		const lines = listed.trimEnd().split("\n");
		expect(lines[0]).toMatch(/^ID +PREFIX +NAME +STATUS +LAST USED$/);
		expect(lines.find((line) => line.includes("Main Game"))).toMatch(new RegExp(`^[0-9a-f]{8}  ${key.slice(0, 36)}  Main Game +active +never$`));
		expect(listed).not.toContain(key);
		for (const line of lines) expect(line.length).toBeLessThanOrEqual(100);
		expect(await statusWith(key)).toBe("ok");
		await keys("revoke", key.slice(0, 36));
	});

	it("names a key by prefix, full key or short id for disable, enable, show, usage and roll", async () => {
		const key = shownKey((await keys("create", "--guild", GUILD_A, "--name", "Bot")).stdout);
		const prefix = key.slice(0, 36);

		expect((await keys("disable", prefix)).stdout).toMatch(/is now disabled\.$/m);
		expect(await statusWith(key)).toBe("key_disabled");
		const id = /^id +([0-9a-f-]{36})$/m.exec((await keys("show", key)).stdout)![1];
		expect((await keys("enable", id.slice(0, 8), "--guild", GUILD_A)).stdout).toMatch(/is now active\.$/m);
		expect(await statusWith(key)).toBe("ok");

		const usage = (await keys("usage", prefix, "--granularity", "minute", "--window", "5m")).stdout;
		expect(usage).toMatch(/^MINUTE \(UTC\) +REQUESTS$/m);
		// The refused request (while disabled) is not usage; the accepted one is.
		expect(usage).toContain("1 request in the last 5 minutes");

		const rolled = await keys("roll", prefix, "--json");
		const data = JSON.parse(rolled.stdout) as { key: string; api_key: { id: string; prefix: string } };
		expect(data.api_key.id).toBe(id);
		expect(await statusWith(data.key)).toBe("ok");
		expect(await statusWith(key)).toBe("invalid_api_key");
		await keys("revoke", id, "--guild", GUILD_A);
	});

	it("deletes a key only once revoked, then lists none", async () => {
		const { stdout } = await keys("create", "--guild", GUILD_B, "--json");
		const { api_key } = JSON.parse(stdout) as { api_key: { id: string } };
		expect(await failure(keys("delete", api_key.id, "--guild", GUILD_B))).toBe("keys: 409 Revoke the key before deleting it");
		await keys("revoke", api_key.id, "--guild", GUILD_B);
		expect((await keys("delete", api_key.id.slice(0, 8), "--guild", GUILD_B)).stdout).toMatch(/ deleted\.$/m);
		expect((await keys("list", "--guild", GUILD_B)).stdout.trim()).toBe("No keys.");
		expect(JSON.parse((await keys("list", "--guild", GUILD_B, "--json")).stdout)).toEqual({ keys: [] });
	});

	it("says which key it could not find, without repeating a full key", async () => {
		const absent = `technified_${GUILD_A}_zzzzzz${"a".repeat(32)}`;
		const message = await failure(keys("revoke", absent));
		expect(message).toBe(`keys: no key of this guild has the id or prefix "technified_${GUILD_A}_zzzzzz" (see: list)`);
		expect(await failure(keys("revoke", "00000000"))).toContain("--guild <id> is required");
	});

	it("names the gateway's address when it cannot be reached", async () => {
		const closed = await freePort();
		const message = await failure(cli({ ADMIN_TOKEN }, ["list", "--guild", GUILD_A, "--url", `http://127.0.0.1:${closed}`]));
		expect(message).toMatch(new RegExp(`^keys: cannot reach the gateway at http://127\\.0\\.0\\.1:${closed} \\(ECONNREFUSED\\)`));
	});

	describe("with the token from a data directory", () => {
		let dataDir: string;
		beforeAll(async () => {
			dataDir = await mkdtemp(path.join(os.tmpdir(), "cli-token-"));
		});
		afterAll(() => rm(dataDir, { recursive: true, force: true }));

		it("uses the kept token, and explains a refused one as a stale file", async () => {
			const file = path.join(dataDir, "admin-token");
			const fromFile = (...args: string[]) => cli({ ADMIN_TOKEN: undefined, DATA_DIR: dataDir }, [...args, "--url", gateway.url]);
			await writeFile(file, `${ADMIN_TOKEN}\n`);
			expect((await fromFile("list", "--guild", GUILD_B)).stdout.trim()).toBe("No keys.");

			await writeFile(file, "an-older-generated-token-0123456789\n");
			const message = await failure(fromFile("list", "--guild", GUILD_B));
			expect(message).toContain(`refused the token kept in ${file} (401 `);
			expect(message).toContain("stale when the gateway runs with a different ADMIN_TOKEN");
			expect(message).not.toContain("an-older-generated-token");
		});
	});
});
