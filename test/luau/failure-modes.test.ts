// test/luau/failure-modes.test.ts
// When no trustworthy answer can be had: failMode open and closed, malformed answers treated as errors
// (never "not banned"), a refused key stopping the guard with one warning, and bad options refused at start.

import { describe, expect, test } from "vitest";
import { errorAnswer, FakeApi, GUILD_ID, TEST_KEY } from "./harness/fake-api";
import { guardOptions, serverFor, warnings } from "./harness/scenario";

const UNAVAILABLE = "We could not check your access to this game right now. Please try again shortly.";
const hang = () => ({ error: "HttpError: Timedout", latency: 30 });

describe("failMode", () => {
	test("closed: a player whose status cannot be had by the deadline is kicked with 'try again shortly'", async () => {
		const api = new FakeApi();
		api.disruption = hang;
		const server = await serverFor(api);
		await server.start(guardOptions({ failMode: "closed", decisionDeadline: 10 }));
		await server.join(40);
		await server.advance(9);
		expect((await server.report()).kicks).toEqual([]);
		await server.advance(2);
		const report = await server.report();
		expect(report.kicks).toEqual([{ userId: 40, message: UNAVAILABLE, at: 10 }]);
	});

	test("open: the player is let in, and kicked by a later check once the API answers", async () => {
		const api = new FakeApi();
		api.ban(41, "Exploiting");
		api.disruption = (request) => (request.at < 60 ? hang() : undefined);
		const server = await serverFor(api);
		await server.start(guardOptions({ failMode: "open", recheckInterval: 60 }));
		await server.join(41);
		await server.advance(50);
		expect((await server.report()).players).toEqual([41]);
		await server.advance(90);
		const report = await server.report();
		expect(report.kicks.map((kick) => kick.userId)).toEqual([41]);
		expect(report.kicks[0].message).toContain("Exploiting");
	});
});

describe("answers that cannot be trusted", () => {
	test("malformed JSON is an error, never 'not banned'", async () => {
		const api = new FakeApi();
		api.disruption = () => ({ status: 200, headers: { "Content-Type": "text/html" }, body: "<html>Welcome to nginx</html>" });
		const server = await serverFor(api);
		await server.start(guardOptions({ failMode: "closed" }));
		const token = await server.getBanStatus(42);
		await server.join(43);
		await server.advance(30);
		const report = await server.report();
		expect(report.results[token].ok).toBe(false);
		expect(report.results[token].error).toContain("ban status unavailable");
		expect(report.kicks).toEqual([{ userId: 43, message: UNAVAILABLE, at: expect.any(Number) }]);
		expect(warnings(report)).toEqual([expect.stringContaining("check baseUrl")]);
	});

	test("'banned' without ban_info is refused as malformed", async () => {
		const api = new FakeApi();
		api.disruption = () => ({ status: 200, body: JSON.stringify({ status: "success", code: 200, message: "User is banned", data: { banned: true } }) });
		const server = await serverFor(api);
		await server.start(guardOptions());
		const token = await server.getBanStatus(44);
		await server.advance(30);
		const report = await server.report();
		expect(report.results[token]).toEqual({ ok: false, error: expect.stringContaining("unavailable") });
	});

	test("a batch answer that leaves a player out is refused", async () => {
		const api = new FakeApi();
		api.disruption = (request) =>
			request.method === "POST"
				? { status: 200, body: JSON.stringify({ status: "success", code: 200, message: "ok", data: { results: { "45": { banned: false } } } }) }
				: undefined;
		const server = await serverFor(api);
		await server.start(guardOptions({ failMode: "closed" }));
		await server.join(45, 46);
		await server.advance(30);
		expect((await server.report()).kicks.map((kick) => kick.message)).toEqual([UNAVAILABLE, UNAVAILABLE]);
	});
});

describe("the last good answer", () => {
	test("while the API is down, a banned player rejoining after the cache lifetime is still kicked", async () => {
		const api = new FakeApi();
		api.maxAge = 60;
		api.ban(47, "Exploiting");
		let down = false;
		api.disruption = () => (down ? errorAnswer(503, "upstream_unavailable", "Data store unavailable") : undefined);
		const server = await serverFor(api);
		await server.start(guardOptions({ failMode: "open", bannedCacheSeconds: 60 }));
		await server.join(47, 48);
		await server.advance(5);
		down = true;
		await server.advance(120);
		await server.join(47);
		const token = await server.getBanStatus(48);
		await server.advance(30);
		const report = await server.report();
		expect(report.kicks.map((kick) => kick.userId)).toEqual([47, 47]);
		expect(report.results[token]).toEqual({ ok: true, status: { banned: false } });
	});
});

describe("refusals that retrying cannot fix", () => {
	test("a revoked key (401) stops the guard and warns once, in words", async () => {
		const api = new FakeApi();
		api.keyStatus = "revoked";
		const server = await serverFor(api);
		await server.start(guardOptions());
		await server.join(50, 51);
		await server.advance(10);
		await server.join(52);
		await server.advance(600);
		const report = await server.report();
		expect(report.requests).toHaveLength(1);
		expect(warnings(report)).toEqual([expect.stringContaining("the key was revoked")]);
		expect(report.kicks).toEqual([]);
	});

	test("a key for another guild (403) says so", async () => {
		const api = new FakeApi();
		api.disruption = () => errorAnswer(403, "guild_mismatch", "API key does not match target guild");
		const server = await serverFor(api, { secrets: { technified_api_key: TEST_KEY } });
		await server.start(guardOptions({ apiKey: undefined, guildId: "876543210987654321" }), { secretName: "technified_api_key" });
		await server.join(53);
		await server.advance(60);
		const report = await server.report();
		expect(report.requests).toHaveLength(1);
		expect(warnings(report)).toEqual([expect.stringContaining("belongs to another guild")]);
	});

	test("HTTP requests disabled: one warning naming the setting, then silence", async () => {
		const api = new FakeApi();
		const server = await serverFor(api, { httpEnabled: false });
		await server.start(guardOptions());
		await server.join(54, 55);
		await server.advance(5);
		await server.join(56);
		await server.advance(300);
		const report = await server.report();
		expect(api.received).toHaveLength(0);
		expect(warnings(report)).toEqual([expect.stringContaining("Allow HTTP Requests")]);
		expect(report.output.filter((line) => line.kind === "error")).toEqual([]);
	});
});

describe("options checked at start", () => {
	const cases: Array<[string, Record<string, unknown>, string]> = [
		["a missing key", { apiKey: undefined }, "apiKey is missing"],
		["the Config placeholder", { apiKey: "PASTE_YOUR_KEY_HERE" }, "still the placeholder"],
		["a truncated key", { apiKey: TEST_KEY.slice(0, 40) }, "too short"],
		["a key without its prefix", { apiKey: TEST_KEY.replace("technified_", "") }, "malformed"],
		["a guildId that contradicts the key", { guildId: "999999999999999999" }, "does not match the guild in the key"],
		["an unknown failMode", { failMode: "sometimes" }, "failMode"],
		["a misspelt option", { failmode: "closed" }, "failmode"],
		["a baseUrl that is not a URL", { baseUrl: "gateway.example" }, "baseUrl"],
	];
	for (const [name, options, expected] of cases) {
		test(`${name} is a clear error that never shows the key`, async () => {
			const server = await serverFor(new FakeApi());
			const outcome = await server.start(guardOptions(options));
			expect(outcome.ok).toBe(false);
			expect(outcome.error).toContain("[Technified] start:");
			expect(outcome.error).toContain(expected);
			expect(outcome.error).not.toContain(TEST_KEY.slice(35));
		});
	}

	test("a Secret without guildId is refused: a Secret cannot be read", async () => {
		const server = await serverFor(new FakeApi(), { secrets: { technified_api_key: TEST_KEY } });
		const outcome = await server.start(guardOptions({ apiKey: undefined }), { secretName: "technified_api_key" });
		expect(outcome).toEqual({ ok: false, error: expect.stringContaining("guildId is required with a Secret") });
	});

	test("a Secret with guildId is accepted and authenticates", async () => {
		const api = new FakeApi();
		api.ban(57, "Exploiting");
		const server = await serverFor(api, { secrets: { technified_api_key: TEST_KEY } });
		expect(await server.start(guardOptions({ apiKey: undefined, guildId: GUILD_ID }), { secretName: "technified_api_key" })).toEqual({ ok: true });
		await server.join(57);
		await server.advance(5);
		expect(api.received[0].headers.Authorization).toBe(`Bearer ${TEST_KEY}`);
		expect((await server.report()).kicks.map((kick) => kick.userId)).toEqual([57]);
	});
});
