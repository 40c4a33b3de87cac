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
	test("a revoked key (401) pauses asking with one warning; one request every 5 minutes finds it working again", async () => {
		const api = new FakeApi();
		api.ban(52, "Exploiting");
		api.keyStatus = "revoked";
		const server = await serverFor(api);
		await server.start(guardOptions());
		await server.join(50, 51);
		await server.advance(10);
		await server.join(52);
		await server.advance(600);
		let report = await server.report();
		// The first request, then one probe at 5 and one at 10 minutes.
		expect(report.requests.map((request) => Math.round(request.at))).toEqual([2, 302, 602]);
		expect(warnings(report)).toEqual([expect.stringContaining("the key was revoked")]);
		expect(warnings(report)[0]).toContain("checks every 5 minutes whether it works again");
		expect(report.kicks).toEqual([]);

		api.keyStatus = "active";
		await server.advance(300);
		report = await server.report();
		expect(warnings(report)).toEqual([
			expect.stringContaining("the key was revoked"),
			"[Technified] the API accepts the key again: Technified checks players again",
		]);
		// The probe's own answer (and the re-check after it) bites at once.
		expect(report.kicks.map((kick) => kick.userId)).toEqual([52]);
	});

	test("with failMode closed a refused key empties the server, and the probe still finds the key working again", async () => {
		const api = new FakeApi();
		api.keyStatus = "revoked";
		const server = await serverFor(api);
		await server.start(guardOptions({ failMode: "closed" }));
		await server.join(53, 54);
		await server.advance(60);
		expect((await server.report()).players).toEqual([]);
		api.keyStatus = "active";
		await server.advance(300);
		await server.join(55);
		await server.advance(10);
		const report = await server.report();
		expect(report.players).toEqual([55]);
		expect(warnings(report)).toContain("[Technified] the API accepts the key again: Technified checks players again");
	});

	test("the hosted API's envelope without an error code is a refusal by its contract message", async () => {
		const api = new FakeApi();
		api.disruption = () => ({
			status: 401,
			headers: { "Content-Type": "application/json" },
			body: JSON.stringify({ status: "error", code: 401, message: "Invalid API key for this guild" }),
		});
		const server = await serverFor(api);
		await server.start(guardOptions());
		await server.join(56);
		await server.advance(60);
		const report = await server.report();
		expect(report.requests).toHaveLength(1);
		expect(warnings(report)).toEqual([expect.stringContaining("does not accept this key for this guild")]);
		expect(warnings(report)[0]).toContain("belongs to another gateway (check baseUrl)");
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

	test("a 401 or 403 that is not the API's envelope (a CDN's HTML page) is a temporary failure, described in the warning", async () => {
		const api = new FakeApi();
		api.ban(58, "Exploiting");
		const page = "<html><head><title>403 Forbidden</title></head><body>cloudflare</body></html>";
		api.disruption = (request) => (request.at < 20 ? { status: 403, headers: { "Content-Type": "text/html; charset=UTF-8" }, body: page } : undefined);
		const server = await serverFor(api);
		await server.start(guardOptions());
		await server.join(58, 59);
		await server.advance(90);
		const report = await server.report();
		// What came back, then the outage and its end: never "the key was refused".
		expect(warnings(report)).toEqual([
			expect.stringContaining('HTTP 403, content type text/html; charset=UTF-8, body "<html><head><title>403 Forbidden</title>'),
			expect.stringContaining("the ban API is failing"),
			"[Technified] the ban API answers again; players are checked as usual",
		]);
		expect(warnings(report)[0]).toContain("proxy, CDN or firewall");
		expect(report.kicks.map((kick) => kick.userId)).toEqual([58]);
	});

	test("an id the API refuses (400) costs only that id: the batch is split and the others are answered", async () => {
		const api = new FakeApi();
		api.ban(61, "Exploiting");
		// An API that refuses one user the gateway considers malformed (say, above its id range).
		api.disruption = (request) =>
			request.body.includes('"63"') ? errorAnswer(400, "bad_request", "identifiers[2] must be a Roblox user id") : undefined;
		const server = await serverFor(api);
		await server.start(guardOptions({ failMode: "closed" }));
		await server.join(60, 61, 62, 63, 64);
		await server.advance(30);
		let report = await server.report();
		expect(report.kicks.map((kick) => kick.userId).sort()).toEqual([61, 63]);
		expect(report.kicks.find((kick) => kick.userId === 63)?.message).toBe(UNAVAILABLE);
		expect(report.players.sort()).toEqual([60, 62, 64]);
		expect(warnings(report)).toEqual([expect.stringContaining("when asked about user 63. Only that user is affected")]);
		// Later joins are checked as usual.
		await server.join(65);
		await server.advance(10);
		report = await server.report();
		expect(report.players.sort()).toEqual([60, 62, 64, 65]);
	});

	test("an API that refuses every request (400) pauses asking as for a refused key, instead of splitting forever", async () => {
		const api = new FakeApi();
		api.disruption = () => errorAnswer(400, "bad_request", "place_id must be a Roblox place id");
		const server = await serverFor(api);
		await server.start(guardOptions());
		await server.join(...Array.from({ length: 100 }, (_, i) => 700 + i));
		await server.advance(120);
		const report = await server.report();
		expect(report.requests.length).toBeLessThanOrEqual(6);
		expect(warnings(report)).toContainEqual(expect.stringContaining("for every request whatever the players in it"));
	});

	test("Studio test players (ids 0 and below) are never sent, with one notice; real players still are", async () => {
		const api = new FakeApi();
		api.ban(66, "Exploiting");
		const server = await serverFor(api);
		await server.start(guardOptions({ failMode: "closed" }));
		await server.join(-1, -2, 0, 66);
		await server.advance(200);
		const report = await server.report();
		expect(api.askedIds().every((id) => id > 0)).toBe(true);
		expect(report.kicks.map((kick) => kick.userId)).toEqual([66]);
		expect(report.players.sort((a, b) => a - b)).toEqual([-2, -1, 0]);
		expect(report.output).toEqual([
			{ kind: "print", at: 0, text: "[Technified] Studio test players (user id 0 and below) are not checked: the API knows no such users." },
		]);
	});

	test("a Secret bound to another domain: the warning names that possible cause", async () => {
		const api = new FakeApi();
		const server = await serverFor(api, { secrets: { technified_api_key: TEST_KEY }, secretDomains: { technified_api_key: "api.technified.xyz" } });
		await server.start(guardOptions({ apiKey: undefined, guildId: GUILD_ID }), { secretName: "technified_api_key" });
		await server.join(67);
		await server.advance(60);
		const report = await server.report();
		expect(api.received).toEqual([]);
		expect(warnings(report)).toContainEqual(expect.stringContaining("Creator Dashboard > Secrets, so check that domain covers the host of baseUrl (https://gateway.test/api/v1)"));
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
