// test/gateway/cli.test.ts
// The operator CLI (`npm run keys -- …`) against a running gateway.

import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ADMIN_TOKEN, GUILD_A, startTestGateway, type TestGateway } from "./harness";

const run = promisify(execFile);

describe("keys CLI", () => {
	let gateway: TestGateway;
	beforeAll(async () => {
		gateway = await startTestGateway();
	});
	afterAll(() => gateway.stop());

	const keys = (...args: string[]) =>
		run(process.execPath, ["--import", "tsx", "gateway/cli/keys.ts", ...args, "--url", gateway.url], {
			env: { ...process.env, ADMIN_TOKEN },
		});

	it("creates a key that works, lists it by prefix, and revokes it", async () => {
		const created = await keys("create", "--guild", GUILD_A, "--name", "Main Game");
		expect(created.stdout).toMatch(new RegExp(`^technified_${GUILD_A}_[0-9A-Za-z]{38}$`, "m"));
		const key = /^(technified_\d+_\w+)$/m.exec(created.stdout)![1];
		const id = /"id": "([^"]+)"/.exec(created.stdout)![1];
		const status = () => gateway.api(`/moderation/${GUILD_A}/ban-status/1`, { headers: { "x-api-key": key } });
		expect((await status()).status).toBe(200);

		const listed = await keys("list", "--guild", GUILD_A);
		expect(listed.stdout).toContain("Main Game");
		expect(listed.stdout).toContain(key.slice(0, 36));
		expect(listed.stdout).not.toContain(key);

		await keys("revoke", "--guild", GUILD_A, "--key", id);
		expect((await status()).body.error).toBe("key_revoked");
	});

	it("exits non-zero with the API's message when the request fails", async () => {
		await expect(keys("revoke", "--guild", GUILD_A, "--key", "00000000-0000-0000-0000-000000000000")).rejects.toMatchObject({
			code: 1,
			stderr: expect.stringContaining("404"),
		});
	});
});
