// test/luau/live-updates.test.ts
// Live updates (docs/api.md, "API summary"; roblox/README.md): the module follows the events route with one long poll at a
// time (or one stream where CreateWebStreamClient works), so a ban, unban, mute or unmute made anywhere
// applies in this server within a second; reset re-checks everyone; the re-check slows to a safety net
// while live updates work and comes back while they fail; refusals, failures and a missing route.

import { describe, expect, test } from "vitest";
import { BASE_URL, errorAnswer, FakeApi, PLACE_ID, TEST_KEY } from "./harness/fake-api";
import type { ApiRequest } from "./harness/luau-host";
import { serverFor, warnings } from "./harness/scenario";

/** What a game owner passes: live updates are on by default. */
const options = (extra: Record<string, unknown> = {}) => ({ apiKey: TEST_KEY, baseUrl: BASE_URL, ...extra });

const isEvents = (request: ApiRequest) => new URL(request.url).pathname.endsWith("/events");
const polls = (api: FakeApi) => api.received.filter(isEvents);
const statusLookups = (api: FakeApi) => api.received.filter((request) => request.url.includes("ban-status"));

/** Ids each status lookup asked about, by the virtual time it was sent. */
const askedAt = (api: FakeApi, userId: number) =>
	statusLookups(api)
		.filter((request) => (JSON.parse(request.body || "{}").identifiers ?? []).includes(String(userId)))
		.map((request) => request.at);

const unavailable = () => errorAnswer(503, "upstream_unavailable", "Upstream unavailable");

describe("changes made elsewhere apply here at once", () => {
	test("a ban kicks the player within a second (onAction source live); one poll at a time, with the key, wait=25 and after", async () => {
		const api = new FakeApi();
		const server = await serverFor(api);
		await server.start(options(), { recordActions: true });
		await server.join(300, 301);
		await server.advance(5);
		expect(api.heldPolls()).toBe(1);

		api.ban(300, "Exploiting");
		await server.advance(1);
		const report = await server.report();
		expect(report.kicks).toEqual([{ userId: 300, at: expect.any(Number), message: expect.stringContaining("Exploiting") }]);
		expect(report.kicks[0].at).toBeLessThanOrEqual(6);
		expect(report.actions).toContainEqual({ kind: "kick", userId: 300, reason: "Exploiting", source: "live" });

		const [first, second, third] = polls(api);
		expect(first.headers).toMatchObject({ Authorization: `Bearer ${TEST_KEY}`, Accept: "application/json" });
		expect(new URL(first.url).searchParams.get("wait")).toBe("25");
		expect(new URL(first.url).searchParams.get("after")).toBeNull();
		// The first poll was held, the ban answered it; the next one asks after that change.
		expect(new URL(second.url).searchParams.get("after")).toBe(String(api.changes.at(-1)!.id));
		expect(third).toBeUndefined();
		expect(api.heldPolls()).toBe(1);
		expect(report.output).toEqual([]);
	});

	test("a ban of this place kicks; a ban of another place does not", async () => {
		const api = new FakeApi();
		const server = await serverFor(api);
		await server.start(options());
		await server.join(302, 303);
		await server.advance(5);
		api.ban(302, "Griefing elsewhere", undefined, PLACE_ID + 1);
		api.ban(303, "Griefing here", undefined, PLACE_ID);
		await server.advance(1);
		const report = await server.report();
		expect(report.kicks.map((kick) => kick.userId)).toEqual([303]);
		expect(report.players).toEqual([302]);
	});

	test("an unban drops the cached answer: the player rejoins at once instead of being kicked from the cache", async () => {
		const api = new FakeApi();
		api.ban(310, "Exploiting");
		const server = await serverFor(api);
		await server.start(options());
		await server.join(310);
		await server.advance(5);
		expect((await server.report()).kicks).toHaveLength(1);

		api.unban(310);
		await server.advance(1);
		await server.join(310);
		await server.advance(5);
		const report = await server.report();
		expect(report.kicks).toHaveLength(1);
		expect(report.players).toEqual([310]);
		expect(askedAt(api, 310)).toHaveLength(2);
	});

	test("a mute silences the player at once and an unmute lets them speak, both through the mute enforcer", async () => {
		const api = new FakeApi();
		const server = await serverFor(api);
		await server.start(options(), { recordActions: true });
		await server.join(320, 321);
		await server.advance(5);
		api.mute(320, "Spam");
		await server.advance(1);
		expect(await server.canSend(320)).toEqual({ RBXGeneral: false });
		expect(await server.canSend(321)).toEqual({ RBXGeneral: true });

		api.unmute(320);
		await server.advance(1);
		expect(await server.canSend(320)).toEqual({ RBXGeneral: true });
		const actions = (await server.report()).actions;
		expect(actions).toEqual([
			{ kind: "mute", userId: 320, reason: "Spam", source: "live" },
			{ kind: "unmute", userId: 320, source: "live" },
		]);
	});

	test("a reset (the position is older than the log keeps) re-checks everyone in one request", async () => {
		const api = new FakeApi();
		const server = await serverFor(api);
		await server.start(options(), { recordActions: true });
		await server.join(330, 331, 332, 333, 334);
		await server.advance(5);
		// An outage of the events route while changes pile up and the log moves past this server's position.
		api.disruption = (request) => (isEvents(request) ? unavailable() : undefined);
		await server.advance(1);
		api.ban(331, "Exploiting");
		api.mute(900, "Spam");
		api.mute(901, "Spam");
		api.trimLog(1);
		const lookupsBefore = statusLookups(api).length;
		api.disruption = undefined;
		await server.advance(10);
		const recheck = statusLookups(api).slice(lookupsBefore);
		expect(recheck).toHaveLength(1);
		expect(JSON.parse(recheck[0].body).identifiers.sort()).toEqual(["330", "331", "332", "333", "334"]);
		expect((await server.report()).actions).toEqual([{ kind: "kick", userId: 331, reason: "Exploiting", source: "recheck" }]);
	});
});

describe("the periodic re-check around live updates", () => {
	test("while live updates work the re-check is a 10-minute safety net; while they fail it is back to recheckInterval", async () => {
		const api = new FakeApi();
		const server = await serverFor(api);
		await server.start(options());
		const players = Array.from({ length: 20 }, (_, index) => 400 + index);
		await server.join(...players);
		await server.advance(1200);
		// The join lookup, then about one re-check per 10 minutes.
		expect(askedAt(api, 405).length).toBeGreaterThanOrEqual(2);
		expect(askedAt(api, 405).length).toBeLessThanOrEqual(3);

		api.disruption = (request) => (isEvents(request) ? unavailable() : undefined);
		const failingSince = 1200;
		await server.advance(600);
		const whileFailing = askedAt(api, 405).filter((at) => at > failingSince);
		expect(whileFailing.length).toBeGreaterThanOrEqual(8);
		const gaps = whileFailing.slice(1).map((at, index) => at - whileFailing[index]);
		expect(Math.max(...gaps)).toBeLessThanOrEqual(60);

		api.disruption = undefined;
		await server.advance(60);
		const recovered = askedAt(api, 405).length;
		await server.advance(300);
		expect(askedAt(api, 405).length - recovered).toBeLessThanOrEqual(1);
	});

	test("recheckInterval applies from the start with liveUpdates = false (no poll is sent)", async () => {
		const api = new FakeApi();
		const server = await serverFor(api);
		await server.start(options({ liveUpdates: false }));
		await server.join(410);
		await server.advance(300);
		expect(polls(api)).toEqual([]);
		expect(askedAt(api, 410).length).toBeGreaterThanOrEqual(5);
	});

	test("liveRecheckInterval sets the safety net, and is checked like every option", async () => {
		const api = new FakeApi();
		const server = await serverFor(api);
		await server.start(options({ liveRecheckInterval: 120 }));
		await server.join(420);
		await server.advance(600);
		expect(askedAt(api, 420).length).toBeGreaterThanOrEqual(5);
		expect(askedAt(api, 420).length).toBeLessThanOrEqual(7);

		const other = await serverFor(new FakeApi());
		expect(await other.start(options({ liveRecheckInterval: 5 }))).toEqual({ ok: false, error: expect.stringContaining("liveRecheckInterval must be seconds, 60 to 3600") });
	});
});

describe("when the events route cannot be followed", () => {
	test("a 404 (the hosted API, an older gateway) turns live updates off with one notice; re-checks carry on", async () => {
		const api = new FakeApi();
		api.eventsRoute = false;
		const server = await serverFor(api);
		await server.start(options());
		await server.join(500);
		await server.advance(600);
		expect(polls(api)).toHaveLength(1);
		const report = await server.report();
		expect(report.output).toEqual([{ kind: "print", at: expect.any(Number), text: expect.stringContaining("no events route") }]);
		expect(askedAt(api, 500).length).toBeGreaterThanOrEqual(10);
	});

	test("a refused key pauses live updates under the lookups' one warning; they resume by themselves", async () => {
		const api = new FakeApi();
		api.keyStatus = "revoked";
		const server = await serverFor(api);
		await server.start(options());
		await server.join(510);
		await server.advance(601);
		expect(polls(api).map((request) => Math.round(request.at))).toEqual([0, 300, 600]);
		expect(warnings(await server.report())).toEqual([expect.stringContaining("the key was revoked")]);

		api.keyStatus = "active";
		await server.advance(301);
		api.ban(510, "Exploiting");
		await server.advance(1);
		expect((await server.report()).kicks.map((kick) => kick.userId)).toEqual([510]);
	});

	test("HTTP disabled is one warning, from whichever part met it first", async () => {
		const api = new FakeApi();
		const server = await serverFor(api, { httpEnabled: false });
		await server.start(options());
		await server.join(520);
		await server.advance(700);
		expect(warnings(await server.report())).toEqual([expect.stringContaining("HTTP requests are not enabled")]);
	});

	test("failures back off with jitter up to the cap, and the first poll after resumes from data.next", async () => {
		const api = new FakeApi();
		const server = await serverFor(api);
		await server.start(options());
		await server.advance(1);
		api.ban(530, "Exploiting");
		await server.advance(1);
		const position = String(api.changes.at(-1)!.id);
		const before = polls(api).length;
		api.disruption = (request) => (isEvents(request) ? unavailable() : undefined);
		await server.advance(300);
		const failing = polls(api).slice(before);
		// Full jitter up to 1, 2, 4 … 30 s (plus the answer's trip): far fewer than one a second, never in lockstep.
		expect(failing.length).toBeGreaterThanOrEqual(10);
		expect(failing.length).toBeLessThanOrEqual(40);
		const gaps = failing.slice(1).map((request, index) => request.at - failing[index].at);
		expect(Math.max(...gaps)).toBeLessThanOrEqual(31);
		expect(new Set(gaps.map((gap) => gap.toFixed(3))).size).toBeGreaterThan(gaps.length / 2);
		expect(warnings(await server.report())).toEqual([expect.stringContaining("live updates failed")]);

		api.disruption = undefined;
		await server.advance(31);
		const resumed = polls(api).slice(before + failing.length);
		expect(new URL(resumed[0].url).searchParams.get("after")).toBe(position);
		expect(warnings(await server.report()).at(-1)).toContain("live updates work again");
	});

	test("a poll refused as malformed (400) starts again from the newest change and re-checks everyone", async () => {
		const api = new FakeApi();
		const server = await serverFor(api);
		await server.start(options());
		await server.join(540, 541);
		await server.advance(5);
		api.ban(999, "Someone elsewhere");
		await server.advance(1);
		const lookupsBefore = statusLookups(api).length;
		api.disruption = (request) =>
			isEvents(request) && new URL(request.url).searchParams.has("after") ? errorAnswer(400, "bad_request", "after is not a sequence this guild knows") : undefined;
		// The poll held now ends empty after its 25 s; the next one, with its position, is refused.
		await server.advance(30);
		const refusedAt = polls(api).findIndex((request) => new URL(request.url).searchParams.has("after") && request.at > 25);
		expect(refusedAt).toBeGreaterThan(0);
		expect(new URL(polls(api)[refusedAt + 1].url).searchParams.has("after")).toBe(false);
		expect(JSON.parse(statusLookups(api)[lookupsBefore].body).identifiers.sort()).toEqual(["540", "541"]);
	});

	test("a poll held past RequestAsync's 30 s time-out is retried, not waited on forever", async () => {
		const api = new FakeApi();
		api.holdPollsForever = true;
		const server = await serverFor(api);
		await server.start(options());
		await server.advance(100);
		const times = polls(api).map((request) => request.at);
		expect(times.length).toBeGreaterThanOrEqual(3);
		expect(times[1] - times[0]).toBeGreaterThanOrEqual(30);
		expect(api.heldPolls()).toBe(1);
	});

	test("an API that answers polls at once with nothing costs a few requests a minute, not the budget", async () => {
		const api = new FakeApi();
		api.disruption = (request) =>
			isEvents(request) ? { status: 200, headers: { "Content-Type": "application/json" }, body: JSON.stringify({ status: "success", code: 200, message: "ok", data: { events: [], next: 0 } }) } : undefined;
		const server = await serverFor(api);
		await server.start(options());
		await server.advance(60);
		expect(polls(api).length).toBeLessThanOrEqual(13);
	});
});

describe("streams where CreateWebStreamClient works", () => {
	test("one stream carries the changes; after the server ends it, it reconnects with Last-Event-ID", async () => {
		const api = new FakeApi();
		const server = await serverFor(api, { webStreams: true });
		await server.start(options(), { recordActions: true });
		await server.join(600, 601);
		await server.advance(5);
		api.ban(600, "Exploiting");
		await server.advance(1);
		expect((await server.report()).actions).toEqual([{ kind: "kick", userId: 600, reason: "Exploiting", source: "live" }]);
		const [stream] = polls(api);
		expect(stream).toMatchObject({ stream: true, headers: { Accept: "text/event-stream", Authorization: `Bearer ${TEST_KEY}` } });
		expect(polls(api)).toHaveLength(1);

		api.endStreams();
		await server.advance(3);
		const [, again] = polls(api);
		expect(again).toMatchObject({ stream: true, headers: { "Last-Event-ID": String(api.changes.at(-1)!.id) } });
		api.mute(601, "Spam");
		await server.advance(1);
		expect(await server.canSend(601)).toEqual({ RBXGeneral: false });
		expect((await server.report()).output).toEqual([]);
	});

	test("where CreateWebStreamClient raises (live servers at the time of writing), long polls are used", async () => {
		const api = new FakeApi();
		const server = await serverFor(api, { webStreams: false });
		await server.start(options());
		await server.advance(60);
		expect(polls(api).length).toBeGreaterThan(0);
		expect(polls(api).every((request) => !request.stream && request.url.includes("wait=25"))).toBe(true);
	});

	test("a stream the route refuses to open (an older gateway's 404) falls back to the long poll, which turns live updates off", async () => {
		const api = new FakeApi();
		api.eventsRoute = false;
		const server = await serverFor(api, { webStreams: true });
		await server.start(options());
		await server.advance(60);
		expect(polls(api).map((request) => Boolean(request.stream))).toEqual([true, false]);
		expect((await server.report()).output).toEqual([{ kind: "print", at: expect.any(Number), text: expect.stringContaining("no events route") }]);
	});
});
