// test/luau/requests.test.ts
// Fewer requests: joins in the same moment share a batch, rejoins are answered from the cache within
// its lifetime (capped by the API's max-age), and one user never has two lookups in flight.

import { describe, expect, test } from "vitest";
import { FakeApi } from "./harness/fake-api";
import { guardOptions, serverFor } from "./harness/scenario";

describe("requests per join", () => {
	test("100 players joining in the same moment cost at most 2 HTTP requests", async () => {
		const api = new FakeApi();
		api.ban(1042, "Exploiting");
		const server = await serverFor(api);
		await server.start(guardOptions());
		await server.join(...Array.from({ length: 100 }, (_, i) => 1000 + i));
		await server.advance(10);
		const report = await server.report();
		expect(report.requests.length).toBeLessThanOrEqual(2);
		expect(new Set(api.askedIds())).toEqual(new Set(Array.from({ length: 100 }, (_, i) => 1000 + i)));
		expect(report.kicks.map((kick) => kick.userId)).toEqual([1042]);
		expect(report.players.length).toBe(99);
	});

	test("a rejoin within the cache lifetime sends no request", async () => {
		const api = new FakeApi();
		api.maxAge = 300;
		api.ban(77, "Exploiting");
		const server = await serverFor(api);
		await server.start(guardOptions());
		await server.join(76, 77);
		await server.advance(5);
		await server.leave(76);
		await server.advance(30);
		const before = (await server.report()).requests.length;
		await server.join(76, 77);
		await server.advance(5);
		const report = await server.report();
		expect(report.requests.length).toBe(before);
		// The banned rejoiner is kicked again from the cache, with the same message.
		expect(report.kicks.map((kick) => kick.userId)).toEqual([77, 77]);
		expect(report.players).toEqual([76]);
	});

	test("the API's Cache-Control max-age caps how long an answer is trusted", async () => {
		const api = new FakeApi();
		api.maxAge = 10;
		const server = await serverFor(api);
		await server.start(guardOptions({ clearCacheSeconds: 300 }));
		await server.join(78);
		await server.advance(5);
		await server.leave(78);
		await server.advance(20);
		const before = api.received.length;
		await server.join(78);
		await server.advance(5);
		expect(api.received.length).toBe(before + 1);
		expect(api.askedIds().at(-1)).toBe(78);
	});

	test("one user has one lookup in flight, however many ask", async () => {
		const api = new FakeApi();
		const server = await serverFor(api);
		await server.start(guardOptions({ clearCacheSeconds: 0 }));
		await server.join(79);
		await server.getBanStatus(79);
		await server.getBanStatus(79);
		await server.leave(79);
		await server.join(79);
		await server.advance(5);
		const report = await server.report();
		expect(api.askedIds()).toEqual([79]);
		expect(Object.values(report.results)).toEqual([
			{ ok: true, status: { banned: false } },
			{ ok: true, status: { banned: false } },
		]);
	});

	test("against an API without the batch route (the hosted one), users are asked one by one, mutes beside", async () => {
		const api = new FakeApi();
		api.ban(81, "Exploiting");
		api.mute(82, "Spam");
		api.disruption = (request) =>
			request.method === "POST" ? { status: 404, body: JSON.stringify({ status: "error", code: 404, message: "Not found" }) } : undefined;
		const server = await serverFor(api);
		await server.start(guardOptions());
		await server.join(80, 81, 82);
		await server.advance(10);
		const report = await server.report();
		expect(report.kicks.map((kick) => kick.userId)).toEqual([81]);
		// A ban-status each; a mute-status only for the players who stay (the banned one is kicked).
		const asked = api.received.filter((request) => request.method === "GET").map((request) => new URL(request.url).pathname.split("/").slice(-2).join("/"));
		expect(asked.sort()).toEqual(["ban-status/80", "ban-status/81", "ban-status/82", "mute-status/80", "mute-status/82"]);
		expect(await server.canSend(82)).toEqual({ RBXGeneral: false });
		expect(await server.canSend(80)).toEqual({ RBXGeneral: true });
		expect(report.output).toEqual([]);
	});
});
