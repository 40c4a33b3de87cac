// test/gateway/production.test.ts
// The README's production recipe in a temporary copy: build, prune dev dependencies, run the build with node.

import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { cp, mkdir, mkdtemp, readFile, realpath, rename, rm, utimes } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestSchema, type TestSchema } from "./platform/db/test-schema";
import { startGatewayProcess, type GatewayCommand } from "./gateway-process";
import { GUILD_A } from "./harness";

const run = promisify(execFile);
const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

/** Copies this checkout's files (tracked or new, not ignored) and its installed node_modules into `target`. */
async function copyCheckout(target: string): Promise<void> {
	const { stdout } = await run("git", ["ls-files", "--cached", "--others", "--exclude-standard", "-z"], { cwd: REPO_ROOT });
	for (const file of stdout.split("\0")) {
		const from = path.join(REPO_ROOT, file);
		if (file === "" || file === "node_modules" || !existsSync(from)) continue;
		await mkdir(path.dirname(path.join(target, file)), { recursive: true });
		await cp(from, path.join(target, file));
	}
	// Stands in for `npm ci` (no registry needed). node_modules may be a link to another checkout's: copy
	// what it points to, so the prune below removes files from the copy only.
	await run("cp", ["-a", await realpath(path.join(REPO_ROOT, "node_modules")), path.join(target, "node_modules")]);
}

describe("production recipe", () => {
	let copy: string;
	const npm = (...args: string[]) => run("npm", [...args, "--no-audit", "--no-fund"], { cwd: copy });
	const built: () => GatewayCommand = () => ({ cwd: copy, args: ["dist/gateway/main.js"] });

	beforeAll(async () => {
		copy = await mkdtemp(path.join(os.tmpdir(), "gateway-production-"));
		await copyCheckout(copy);
		await npm("run", "build");
		await npm("prune", "--omit=dev");
	}, 120_000);
	afterAll(() => rm(copy, { recursive: true, force: true }));

	it("leaves no build tool behind after the prune", () => {
		for (const tool of ["tsx", "esbuild", "vite", "typescript", "vitest"]) {
			expect(existsSync(path.join(copy, "node_modules", tool)), tool).toBe(false);
		}
	});

	it("serves keys, ban status and the dashboard from the compiled gateway with SQLite, and runs the compiled CLI", async () => {
		const gateway = await startGatewayProcess({ DATA_DIR: path.join(copy, "data") }, { command: built() });
		try {
			const token = (await readFile(path.join(copy, "data", "admin-token"), "utf8")).trim();
			const created = await fetch(`${gateway.url}/admin/v1/guilds/${GUILD_A}/keys`, {
				method: "POST",
				headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
				body: JSON.stringify({ name: "Production" }),
			});
			expect(created.status).toBe(201);
			const { key } = ((await created.json()) as { data: { key: string } }).data;
			const status = await fetch(`${gateway.url}/api/v1/moderation/${GUILD_A}/ban-status/261`, { headers: { "x-api-key": key } });
			expect(status.status).toBe(200);
			expect(((await status.json()) as { data: { banned: boolean } }).data.banned).toBe(false);

			// The Roblox model ships with the build, where the compiled gateway finds it; without PUBLIC_URL it says what to set.
			const model = await fetch(`${gateway.url}/admin/v1/guilds/${GUILD_A}/roblox-model`, { headers: { authorization: `Bearer ${token}` } });
			expect(model.status).toBe(409);

			const dashboard = await fetch(`${gateway.url}/dashboard/`);
			expect(dashboard.status).toBe(200);
			expect(await dashboard.text()).toContain("<html");

			const cli = await run(process.execPath, ["dist/gateway/cli/keys.js", "list", "--guild", GUILD_A, "--url", gateway.url], {
				cwd: copy,
				env: { ...process.env, ADMIN_TOKEN: undefined, DATA_DIR: path.join(copy, "data") },
			});
			expect(cli.stdout).toMatch(new RegExp(`^[0-9a-f]{8}  ${key.slice(0, 36)}  Production +active `, "m"));
		} finally {
			expect(await gateway.stop()).toBe(0);
		}
	});

	it("serves the built Roblox model, configured for PUBLIC_URL and the guild", async () => {
		const gateway = await startGatewayProcess({ DATA_DIR: path.join(copy, "data"), PUBLIC_URL: "https://bans.example.com" }, { command: built() });
		try {
			const token = (await readFile(path.join(copy, "data", "admin-token"), "utf8")).trim();
			const model = await fetch(`${gateway.url}/admin/v1/guilds/${GUILD_A}/roblox-model`, { headers: { authorization: `Bearer ${token}` } });
			expect(model.status).toBe(200);
			const text = await model.text();
			expect(text).toContain('baseUrl = "https://bans.example.com/api/v1",');
			expect(text).toContain(`guildId = "${GUILD_A}",`);
		} finally {
			expect(await gateway.stop()).toBe(0);
		}
	});

	it("lets npm start's build check run the build as it is once the build tools are pruned", async () => {
		const check = () => run(process.execPath, ["tools/build-if-stale.mjs"], { cwd: copy });
		expect(await check()).toMatchObject({ stdout: "", stderr: "" });

		const later = new Date(Date.now() + 60_000);
		await utimes(path.join(copy, "gateway/config.ts"), later, later);
		expect((await check()).stderr).toBe(
			"dist/gateway/main.js is older than its sources, but the build tools are not installed: running it as built\n",
		);

		await rename(path.join(copy, "dist/gateway"), path.join(copy, "dist/gateway-away"));
		try {
			await expect(check()).rejects.toMatchObject({
				code: 1,
				stderr: "dist/gateway/main.js is missing and the build tools are not installed: run npm ci && npm run build first\n",
			});
		} finally {
			await rename(path.join(copy, "dist/gateway-away"), path.join(copy, "dist/gateway"));
		}
	});

	describe("with PostgreSQL", () => {
		let schema: TestSchema;
		beforeAll(async () => {
			schema = await createTestSchema("production");
		});
		afterAll(() => schema.drop());

		it("applies the migrations shipped beside the bundle and stores keys there", async () => {
			const token = "production-admin-token-0123456789";
			const gateway = await startGatewayProcess(
				{ DATA_DIR: path.join(copy, "data-pg"), DATABASE_URL: schema.url, ADMIN_TOKEN: token },
				{ command: built() },
			);
			try {
				const created = await fetch(`${gateway.url}/admin/v1/guilds/${GUILD_A}/keys`, {
					method: "POST",
					headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
					body: "{}",
				});
				expect(created.status).toBe(201);
				const { rows } = await schema.admin.query(`SELECT count(*)::int AS keys FROM ${schema.name}.keys`);
				expect(rows[0].keys).toBe(1);
			} finally {
				expect(await gateway.stop()).toBe(0);
			}
		});
	});
});
