// test/luau/join-guard.test.ts
// The join guard as a game owner sees it: banned players kicked with the right words, others untouched,
// players already in the server checked, and a ban made mid-game biting within one re-check interval.

import { describe, expect, test } from "vitest";
import { FakeApi } from "./harness/fake-api";
import { guardOptions, serverFor } from "./harness/scenario";

describe("join guard", () => {
	test("a banned player who joins is kicked with the reason and 'permanent'", async () => {
		const api = new FakeApi();
		api.ban(200, "Exploiting");
		const server = await serverFor(api);
		expect(await server.start(guardOptions())).toEqual({ ok: true });
		await server.join(200);
		await server.advance(5);
		const report = await server.report();
		expect(report.kicks).toEqual([
			{ userId: 200, at: expect.any(Number), message: "You are banned from this game.\nReason: Exploiting\nThis ban is permanent." },
		]);
		expect(report.players).toEqual([]);
	});

	test("a temporary ban says when it ends, in words", async () => {
		const api = new FakeApi();
		api.ban(201, "Spamming", api.unixBase + 3 * 86400);
		api.ban(202, "Griefing", api.unixBase + 5 * 3600);
		const server = await serverFor(api);
		await server.start(guardOptions({ kickMessage: "Banned: {reason}. {expiry}" }));
		await server.join(201, 202);
		await server.advance(5);
		const messages = (await server.report()).kicks.map((kick) => kick.message).sort();
		expect(messages).toEqual(["Banned: Griefing. This ban ends in 5 hours.", "Banned: Spamming. This ban ends in 3 days."]);
	});

	test("a kick message function receives the ban", async () => {
		const api = new FakeApi();
		api.ban(203, "Toxicity");
		const server = await serverFor(api);
		await server.start(guardOptions(), { kickFunction: true });
		await server.join(203);
		await server.advance(5);
		expect((await server.report()).kicks.map((kick) => kick.message)).toEqual(["Custom: Toxicity (permanent)"]);
	});

	test("a player who is not banned plays on untouched", async () => {
		const api = new FakeApi();
		api.ban(200, "Exploiting");
		const server = await serverFor(api);
		await server.start(guardOptions());
		await server.join(300);
		await server.advance(120);
		const report = await server.report();
		expect(report.kicks).toEqual([]);
		expect(report.players).toEqual([300]);
		expect(report.output).toEqual([]);
	});

	test("players already in the server when the guard starts are checked", async () => {
		const api = new FakeApi();
		api.ban(204, "Alt account");
		const server = await serverFor(api);
		await server.join(204, 301);
		await server.start(guardOptions());
		await server.advance(5);
		const report = await server.report();
		expect(report.kicks.map((kick) => kick.userId)).toEqual([204]);
		expect(report.players).toEqual([301]);
	});

	test("a ban made mid-game kicks the player within one re-check interval", async () => {
		const api = new FakeApi();
		const server = await serverFor(api);
		await server.start(guardOptions({ recheckInterval: 60 }));
		await server.join(205, 302);
		await server.advance(100);
		expect((await server.report()).kicks).toEqual([]);
		const bannedAt = (await server.report()).now;
		api.ban(205, "Caught exploiting");
		await server.advance(61);
		const kicks = (await server.report()).kicks;
		expect(kicks.map((kick) => kick.userId)).toEqual([205]);
		expect(kicks[0].at - bannedAt).toBeLessThanOrEqual(60);
		expect(kicks[0].message).toContain("Caught exploiting");
	});

	test("client:getBanStatus answers in the contract's shape, and stop() ends all checking", async () => {
		const api = new FakeApi();
		api.ban(206, "Scamming", api.unixBase + 7200);
		const server = await serverFor(api);
		await server.start(guardOptions());
		const banned = await server.getBanStatus(206);
		const clear = await server.getBanStatus(303);
		await server.advance(5);
		const { results } = await server.report();
		expect(results[banned]).toEqual({ ok: true, status: { banned: true, reason: "Scamming", expiresAt: api.unixBase + 7200, isPermanent: false } });
		expect(results[clear]).toEqual({ ok: true, status: { banned: false } });

		await server.stop();
		const sent = api.received.length;
		api.ban(304, "Exploiting");
		await server.join(304);
		await server.advance(600);
		const report = await server.report();
		expect(api.received.length).toBe(sent);
		expect(report.kicks).toEqual([]);
	});
});
