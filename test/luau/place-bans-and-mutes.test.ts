// test/luau/place-bans-and-mutes.test.ts
// Place bans bite in their place (every status request carries place_id = game.PlaceId), and mutes are
// kept through TextChatService: every TextSource of a muted player, in every channel, present or later,
// cannot send until the mute ends or is lifted; legacy chat gets one warning.

import { describe, expect, test } from "vitest";
import { FakeApi, PLACE_ID } from "./harness/fake-api";
import { guardOptions, serverFor, warnings } from "./harness/scenario";

describe("place bans", () => {
	test("every status request carries place_id = game.PlaceId, so a ban for this place kicks", async () => {
		const api = new FakeApi();
		api.ban(100, "Exploiting in the obby", undefined, PLACE_ID);
		api.ban(101, "Exploiting elsewhere", undefined, 999);
		const server = await serverFor(api);
		await server.start(guardOptions());
		await server.join(100, 101, 102);
		await server.getBanStatus(103);
		await server.advance(10);
		const report = await server.report();
		expect(report.kicks.map((kick) => kick.userId)).toEqual([100]);
		for (const request of api.received) {
			const url = new URL(request.url);
			const placeId = request.method === "POST" ? JSON.parse(request.body).place_id : url.searchParams.get("place_id");
			expect(placeId).toBe(String(PLACE_ID));
		}
	});

	test("in an unpublished place (PlaceId 0) no place_id is sent", async () => {
		const api = new FakeApi();
		const server = await serverFor(api, { placeId: 0 });
		await server.start(guardOptions({ enforceMutes: false }));
		await server.join(104);
		await server.advance(5);
		expect(api.received.map((request) => request.url)).toEqual([expect.stringMatching(/ban-status\/104$/)]);
	});
});

describe("mutes", () => {
	test("a muted player's sources cannot send, in channels made before and after; others can", async () => {
		const api = new FakeApi();
		api.mute(110, "Spam");
		const server = await serverFor(api);
		await server.start(guardOptions(), { recordActions: true });
		await server.join(110, 111);
		await server.advance(5);
		expect(await server.canSend(110)).toEqual({ RBXGeneral: false });
		await server.createChannel("TeamRed");
		await server.advance(1);
		expect(await server.canSend(110)).toEqual({ RBXGeneral: false, TeamRed: false });
		expect(await server.canSend(111)).toEqual({ RBXGeneral: true, TeamRed: true });
		const report = await server.report();
		expect(report.actions).toEqual([{ kind: "mute", userId: 110, reason: "Spam", source: "join" }]);
		// Mutes came in the join batch itself: one request for both players.
		expect(api.received).toHaveLength(1);
		expect(JSON.parse(api.received[0].body)).toMatchObject({ include_mutes: true });
	});

	test("a game script that sets CanSend back on does not unmute a muted player; the end of the mute restores what was before", async () => {
		const api = new FakeApi();
		api.mute(112, "Spam", api.unixBase + 100);
		api.mute(123, "Spam", api.unixBase + 100);
		const server = await serverFor(api);
		await server.start(guardOptions());
		await server.join(112, 123);
		await server.advance(1);
		// A source whose CanSend was already off (chat forbidden by the user's settings) before the mute.
		await server.setCanSend(123, "RBXGeneral", false);
		await server.advance(5);
		await server.setCanSend(112, "RBXGeneral", true);
		await server.advance(1);
		expect(await server.canSend(112)).toEqual({ RBXGeneral: false });
		await server.advance(100);
		expect(await server.canSend(112)).toEqual({ RBXGeneral: true });
		expect(await server.canSend(123)).toEqual({ RBXGeneral: false });
	});

	test("a temporary mute ends on time; a lifted one ends at the next re-check", async () => {
		const api = new FakeApi();
		api.mute(113, "Spam", api.unixBase + 120);
		api.mute(114, "Flooding");
		const server = await serverFor(api);
		await server.start(guardOptions({ recheckInterval: 60 }), { recordActions: true });
		await server.join(113, 114);
		await server.advance(5);
		expect(await server.canSend(113)).toEqual({ RBXGeneral: false });
		api.unmute(114);
		await server.advance(70);
		expect(await server.canSend(114)).toEqual({ RBXGeneral: true });
		expect(await server.canSend(113)).toEqual({ RBXGeneral: false });
		await server.advance(50);
		expect(await server.canSend(113)).toEqual({ RBXGeneral: true });
		const report = await server.report();
		const actions = report.actions.map((action) => [action.kind, action.userId, action.source]);
		// Both mutes come from one batch answer, in no particular order; the ends come in time order.
		expect(actions.slice(0, 2)).toEqual(expect.arrayContaining([["mute", 113, "join"], ["mute", 114, "join"]]));
		expect(actions.slice(2)).toEqual([
			["unmute", 114, "recheck"],
			["unmute", 113, "recheck"],
		]);
	});

	test("a mute made mid-game is applied by the re-check", async () => {
		const api = new FakeApi();
		const server = await serverFor(api);
		await server.start(guardOptions({ recheckInterval: 60 }));
		await server.join(115);
		await server.advance(5);
		api.mute(115, "Spam");
		await server.advance(60);
		expect(await server.canSend(115)).toEqual({ RBXGeneral: false });
	});

	test("legacy chat: one warning that mutes need TextChatService; bans still bite", async () => {
		const api = new FakeApi();
		api.mute(116, "Spam");
		api.ban(117, "Exploiting");
		const server = await serverFor(api, { chatVersion: "LegacyChatService" });
		await server.start(guardOptions());
		await server.join(116, 117);
		await server.advance(120);
		const report = await server.report();
		expect(warnings(report)).toEqual([expect.stringContaining("mutes need TextChatService")]);
		expect(report.kicks.map((kick) => kick.userId)).toEqual([117]);
	});

	test("enforceMutes = false asks no mutes and touches no chat", async () => {
		const api = new FakeApi();
		api.mute(118, "Spam");
		const server = await serverFor(api);
		await server.start(guardOptions({ enforceMutes: false }));
		await server.join(118, 119);
		await server.advance(5);
		expect(JSON.parse(api.received[0].body)).not.toHaveProperty("include_mutes");
		expect(await server.canSend(118)).toEqual({ RBXGeneral: true });
	});

	test("with deferred signals (the default of new places) bans and mutes bite the same", async () => {
		const api = new FakeApi();
		api.mute(120, "Spam");
		api.ban(121, "Exploiting");
		const server = await serverFor(api, { deferredSignals: true });
		await server.start(guardOptions());
		await server.join(120, 121, 122);
		await server.advance(5);
		await server.createChannel("Trade");
		await server.advance(1);
		const report = await server.report();
		expect(report.kicks.map((kick) => kick.userId)).toEqual([121]);
		expect(await server.canSend(120)).toEqual({ RBXGeneral: false, Trade: false });
		expect(await server.canSend(122)).toEqual({ RBXGeneral: true, Trade: true });
		expect(report.output).toEqual([]);
	});
});
