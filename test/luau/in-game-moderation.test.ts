// test/luau/in-game-moderation.test.ts
// Admin commands moderating through the module: client:ban/unban/mute/unmute reach the API with the
// moderator, JobId and (when asked) PlaceId, apply in this server at once, say what went wrong in words,
// and every kick, mute and unmute reaches onAction.

import { describe, expect, test } from "vitest";
import { FakeApi, PLACE_ID } from "./harness/fake-api";
import { guardOptions, serverFor } from "./harness/scenario";

const JOB_ID = "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0";

const writes = (api: FakeApi) =>
	api.received.filter((request) => request.url.includes("/roblox/")).map((request) => ({ action: request.url.split("/").at(-1), body: JSON.parse(request.body) }));

describe("client:ban and client:unban", () => {
	test("ban kicks the player here at once and sends moderator, job and reason; a rejoin is kicked from the cache", async () => {
		const api = new FakeApi();
		const server = await serverFor(api, { jobId: JOB_ID });
		await server.start(guardOptions(), { recordActions: true });
		await server.join(200, 201);
		await server.advance(5);
		const requestsBefore = api.received.length;
		const token = await server.moderate("ban", 200, { reason: "Exploiting", duration: "7d", moderatorId: 201 });
		await server.advance(1);
		let report = await server.report();
		expect(report.results[token]).toEqual({
			ok: true,
			status: { banned: true, reason: "Exploiting", isPermanent: false, expiresAt: api.unixBase + 5 + 7 * 86400 },
		});
		expect(writes(api)).toEqual([
			{ action: "ban", body: { roblox_id: "200", reason: "Exploiting", duration: "7d", moderator_roblox_id: "201", job_id: JOB_ID } },
		]);
		expect(report.kicks.map((kick) => kick.userId)).toEqual([200]);
		expect(report.kicks[0].message).toContain("Exploiting");
		expect(report.actions).toContainEqual({ kind: "kick", userId: 200, reason: "Exploiting", source: "api" });

		await server.join(200);
		await server.advance(5);
		report = await server.report();
		expect(report.kicks.map((kick) => kick.userId)).toEqual([200, 200]);
		expect(api.received.length).toBe(requestsBefore + 1);
	});

	test("placeOnly sends game.PlaceId; in an unpublished place it is refused in words", async () => {
		const api = new FakeApi();
		const server = await serverFor(api);
		await server.start(guardOptions());
		await server.moderate("ban", 202, { reason: "Griefing", moderatorId: 1, placeOnly: true });
		await server.advance(1);
		expect(writes(api)[0].body).toMatchObject({ place_id: String(PLACE_ID) });

		const unpublished = await serverFor(new FakeApi(), { placeId: 0 });
		await unpublished.start(guardOptions());
		const token = await unpublished.moderate("ban", 203, { reason: "Griefing", moderatorId: 1, placeOnly: true });
		await unpublished.advance(1);
		expect((await unpublished.report()).results[token]).toEqual({ ok: false, error: expect.stringContaining("placeOnly needs a published place") });
	});

	test("unban lets the player back in at once; an unban with no ban says so", async () => {
		const api = new FakeApi();
		api.ban(204, "Exploiting");
		const server = await serverFor(api);
		await server.start(guardOptions());
		await server.join(204);
		await server.advance(5);
		const unban = await server.moderate("unban", 204, { moderatorId: 1, reason: "Appeal accepted" });
		await server.advance(1);
		await server.join(204);
		await server.advance(5);
		const again = await server.moderate("unban", 204, { moderatorId: 1 });
		await server.advance(1);
		const report = await server.report();
		expect(report.results[unban]).toEqual({ ok: true });
		expect(report.players).toEqual([204]);
		expect(report.results[again]).toEqual({ ok: false, error: expect.stringContaining("[Technified] unban: the API refused: No active ban for this user") });
	});
});

describe("client:mute, client:unmute and getMuteStatus", () => {
	test("mute silences here at once, unmute gives the voice back; getMuteStatus answers both ways", async () => {
		const api = new FakeApi();
		const server = await serverFor(api);
		await server.start(guardOptions(), { recordActions: true });
		await server.join(210);
		await server.advance(5);
		const mute = await server.moderate("mute", 210, { reason: "Spam", duration: "1h", moderatorId: 1 });
		await server.advance(1);
		expect(await server.canSend(210)).toEqual({ RBXGeneral: false });
		const muted = await server.getMuteStatus(210);
		await server.advance(1);
		await server.moderate("unmute", 210, { moderatorId: 1 });
		await server.advance(1);
		expect(await server.canSend(210)).toEqual({ RBXGeneral: true });
		const report = await server.report();
		expect(report.results[mute]).toEqual({ ok: true, status: { muted: true, reason: "Spam", expiresAt: api.unixBase + 5 + 3600 } });
		expect(report.results[muted]).toEqual({ ok: true, status: { muted: true, reason: "Spam", expiresAt: api.unixBase + 5 + 3600 } });
		expect(report.actions).toEqual([
			{ kind: "mute", userId: 210, reason: "Spam", source: "api" },
			{ kind: "unmute", userId: 210, source: "api" },
		]);
		expect(writes(api).map((write) => write.action)).toEqual(["mute", "unmute"]);
	});

	test("getMuteStatus with enforceMutes off asks the mute-status route", async () => {
		const api = new FakeApi();
		api.mute(211, "Spam");
		const server = await serverFor(api);
		await server.start(guardOptions({ enforceMutes: false }));
		const token = await server.getMuteStatus(211);
		await server.advance(2);
		expect((await server.report()).results[token]).toEqual({ ok: true, status: { muted: true, reason: "Spam" } });
		expect(api.received.map((request) => new URL(request.url).pathname)).toEqual([expect.stringMatching(/mute-status\/211$/)]);
	});
});

describe("errors in words", () => {
	const cases: Array<[string, "ban" | "mute", Record<string, unknown>, string]> = [
		["a key without moderation:write", "ban", { reason: "x", moderatorId: 1 }, "the key lacks the moderation:write scope"],
		["a missing moderator", "ban", { reason: "x" }, "moderatorId"],
		["a misspelt option", "mute", { reason: "x", moderatorId: 1, duraton: "1h" }, "options must be"],
	];
	for (const [name, method, options, expected] of cases) {
		test(`${name} is refused, saying so`, async () => {
			const api = new FakeApi();
			if (name.includes("moderation:write")) api.scopes.delete("moderation:write");
			const server = await serverFor(api);
			await server.start(guardOptions());
			const token = await server.moderate(method, 220, options);
			await server.advance(1);
			const result = (await server.report()).results[token];
			expect(result.ok).toBe(false);
			expect(result.error).toContain(`[Technified] ${method}:`);
			expect(result.error).toContain(expected);
		});
	}

	test("a Studio test player cannot be banned: the API knows no such user", async () => {
		const api = new FakeApi();
		const server = await serverFor(api);
		await server.start(guardOptions());
		const token = await server.moderate("ban", -1, { reason: "x", moderatorId: 1 });
		await server.advance(1);
		expect((await server.report()).results[token]).toEqual({ ok: false, error: expect.stringContaining("userId must be a positive whole number") });
		expect(api.received).toEqual([]);
	});
});
