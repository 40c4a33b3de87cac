// test/luau/secrets-and-drop-in.test.ts
// The key stays secret (never in a warning, an error or anything a client can read; a Secret is only
// extended with AddPrefix), the module refuses to start where clients can read it, and the drop-in path
// starts the guard from Config with no code.

import { describe, expect, test } from "vitest";
import { BASE_URL, errorAnswer, FakeApi, GUILD_ID, TEST_KEY } from "./harness/fake-api";
import { guardOptions, serverFor, warnings } from "./harness/scenario";

const SECRET_PART = TEST_KEY.slice(`technified_${GUILD_ID}_`.length);

describe("the key stays secret", () => {
	test("through outages, bad answers and a revoked key, no output line carries the key", async () => {
		const api = new FakeApi();
		api.disruption = (request) => {
			if (request.at < 100) return errorAnswer(503, "upstream_unavailable", "Data store unavailable");
			if (request.at < 300) return { status: 200, body: "not json" };
			return errorAnswer(401, "key_revoked", "Invalid API key for this guild");
		};
		const server = await serverFor(api);
		await server.start(guardOptions());
		for (let t = 0; t < 600; t += 20) {
			await server.join(600 + t);
			await server.getBanStatus(600 + t);
			await server.advance(20);
		}
		const report = await server.report();
		expect(warnings(report).length).toBeGreaterThanOrEqual(3);
		expect(report.output.filter((line) => line.kind === "error")).toEqual([]);
		for (const line of report.output) expect(line.text).not.toContain(SECRET_PART);
		for (const result of Object.values(report.results)) expect(result.error ?? "").not.toContain(SECRET_PART);
		expect(await server.clientReadable(SECRET_PART)).toEqual([]);
		// Every script of the model lives in ServerScriptService, where clients cannot read it.
		const scripts = await server.scripts();
		expect(scripts.length).toBeGreaterThan(10);
		for (const script of scripts) expect(script).toMatch(/^(ModuleScript|Script) ServerScriptService\.Technified/);
	});

	test("a Secret prints as its name and cannot be concatenated; the module still authenticates with it", async () => {
		const api = new FakeApi();
		const server = await serverFor(api, { secrets: { technified_api_key: TEST_KEY } });
		expect(await server.secretLeaks("technified_api_key")).toEqual({ text: "Secret(technified_api_key)", concatenated: false });
		await server.start(guardOptions({ apiKey: undefined, guildId: GUILD_ID }), { secretName: "technified_api_key" });
		await server.join(610);
		await server.advance(5);
		expect(api.received.map((request) => request.headers.Authorization)).toEqual([`Bearer ${TEST_KEY}`]);
		expect((await server.report()).output).toEqual([]);
	});
});

describe("drop-in: Config and the autostart script", () => {
	test("a Config with the key starts the guard with no code", async () => {
		const api = new FakeApi();
		api.ban(620, "Exploiting");
		const server = await serverFor(api);
		await server.configure({ apiKey: TEST_KEY, options: { baseUrl: BASE_URL } });
		await server.runScripts();
		await server.join(620, 621);
		await server.advance(5);
		const report = await server.report();
		expect(report.kicks.map((kick) => kick.userId)).toEqual([620]);
		expect(report.players).toEqual([621]);
	});

	test("a Config naming a secret reads it and starts", async () => {
		const api = new FakeApi();
		api.ban(622, "Exploiting");
		const server = await serverFor(api, { secrets: { technified_api_key: TEST_KEY } });
		await server.configure({ secretName: "technified_api_key", guildId: GUILD_ID, options: { baseUrl: BASE_URL } });
		await server.runScripts();
		await server.join(622);
		await server.advance(5);
		expect((await server.report()).kicks.map((kick) => kick.userId)).toEqual([622]);
	});

	test("in Studio, a missing secret is one clear warning, not an error", async () => {
		const api = new FakeApi();
		const server = await serverFor(api, { studio: true, secrets: { technified_api_key: TEST_KEY } });
		await server.configure({ secretName: "technified_api_key", guildId: GUILD_ID, options: { baseUrl: BASE_URL } });
		await server.runScripts();
		await server.join(623);
		await server.advance(60);
		const report = await server.report();
		expect(report.output).toEqual([
			{ kind: "warn", at: 0, text: expect.stringContaining('the secret "technified_api_key" was not found') },
		]);
		expect(api.received).toEqual([]);
	});

	test("an untouched Config is a clear error about the placeholder", async () => {
		const server = await serverFor(new FakeApi());
		await server.runScripts();
		const report = await server.report();
		expect(report.output).toEqual([{ kind: "error", at: 0, text: expect.stringContaining("apiKey is still the placeholder") }]);
	});

	test("an admin script reaches the drop-in's client with Technified.client() and bans through it", async () => {
		const api = new FakeApi();
		const server = await serverFor(api);
		expect(await server.reachClient()).toEqual({ found: false, sameAsStarted: false });
		await server.configure({ apiKey: TEST_KEY, options: { baseUrl: BASE_URL, liveUpdates: false } });
		await server.runScripts();
		await server.join(624);
		await server.advance(5);
		expect(await server.reachClient()).toEqual({ found: true, sameAsStarted: false });
		const token = await server.moderate("ban", 624, { reason: "Exploiting", moderatorId: 1 });
		await server.advance(1);
		const report = await server.report();
		expect(report.results[token]).toMatchObject({ ok: true, status: { banned: true, reason: "Exploiting" } });
		expect(report.kicks.map((kick) => kick.userId)).toEqual([624]);
		// A second start is still refused, and says where the running client is.
		const again = await server.start(guardOptions());
		expect(again).toEqual({ ok: false, error: expect.stringContaining("reach it with Technified.client()") });
	});

	test("Technified.client() returns the client started from code, and nil once it is stopped", async () => {
		const server = await serverFor(new FakeApi());
		await server.start(guardOptions());
		expect(await server.reachClient()).toEqual({ found: true, sameAsStarted: true });
		await server.stop();
		expect(await server.reachClient()).toEqual({ found: false, sameAsStarted: false });
	});

	test("autoStart = false leaves the start to the game's own script", async () => {
		const api = new FakeApi();
		const server = await serverFor(api);
		await server.configure({ autoStart: false, apiKey: TEST_KEY, options: { baseUrl: BASE_URL } });
		await server.runScripts();
		expect(await server.start(guardOptions())).toEqual({ ok: true });
		expect((await server.report()).output).toEqual([]);
	});
});

describe("starting only where clients cannot read", () => {
	test("start from a model in Workspace is refused in words, before any request", async () => {
		const api = new FakeApi();
		const server = await serverFor(api);
		await server.move("ServerScriptService.Technified", "Workspace");
		const outcome = await server.start(guardOptions(), { modulePath: "Workspace.Technified" });
		expect(outcome).toEqual({ ok: false, error: expect.stringContaining("is at Workspace.Technified, where clients can read it") });
		expect(outcome.error).toContain("move the Technified model into ServerScriptService");
		await server.join(630);
		await server.advance(10);
		expect(api.received).toEqual([]);
	});

	test("the autostart script in ReplicatedStorage refuses without reading the Config", async () => {
		const api = new FakeApi();
		const server = await serverFor(api);
		await server.configure({ apiKey: TEST_KEY, options: { baseUrl: BASE_URL } });
		await server.move("ServerScriptService.Technified", "ReplicatedStorage");
		await server.runScripts();
		await server.advance(1);
		// Scripts do not run from ReplicatedStorage; one that did (Workspace) is the case below.
		expect((await server.report()).output).toEqual([]);
		await server.move("ReplicatedStorage.Technified", "Workspace");
		await server.runWorkspaceScripts();
		await server.join(631);
		await server.advance(10);
		const report = await server.report();
		expect(report.output).toEqual([
			{ kind: "warn", at: 1, text: expect.stringContaining("[Technified] not started: the Technified model is at Workspace.Technified") },
		]);
		expect(report.output[0].text).toContain("roll the key");
		expect(api.received).toEqual([]);
	});

	test("the Config template shows baseUrl, set to the hosted API until the owner points it at a gateway", async () => {
		const server = await serverFor(new FakeApi());
		expect(await server.configValue("options.baseUrl")).toBe("https://api.technified.xyz/api/v1");
	});
});
