// test/luau/fleets.test.ts
// Fleets (docs/fleets.md; roblox/README.md, "Live updates"): every events poll says which server it is;
// a pushed universe is followed through MessagingService (emulated from Roblox's page, with messages
// dropped and delayed) with a heartbeat a minute, one catch-up poll per gap and one every 10 minutes,
// and polling again when the push fails; commands run once and are acknowledged once; and what one
// server costs in requests an hour, pushed and polling.

import { describe, expect, test } from "vitest";
import type { ServerCommandOrder } from "../../shared/records";
import { BASE_URL, FakeApi, GUILD_ID, PLACE_ID, PUSH_TOPIC, TEST_KEY } from "./harness/fake-api";
import { luauHost, type ApiRequest, type Transport, type World, type WorldSettings } from "./harness/luau-host";
import { MessagingHub } from "./harness/messaging-hub";
import { warnings } from "./harness/scenario";

/** The engine's game.JobId and game.GameId unless a test sets others. */
const JOB_ID = "6b9c3f0e-2d4a-4e8b-9f1a-0c7d5e3b2a19";
const UNIVERSE_ID = 5203828273;

/** A game script calling MessagingService itself, to see the engine's limits as any script meets them. */
const PROBE = `
local MessagingService = game:GetService("MessagingService")
local Probe = {}
function Probe.subscribe(topic, count)
	local made = 0
	for _ = 1, count do
		local ok, err = pcall(function()
			MessagingService:SubscribeAsync(topic, function() end)
		end)
		if not ok then
			return { made = made, error = tostring(err) }
		end
		made += 1
	end
	return { made = made }
end
function Probe.publish(topic, size)
	local ok, err = pcall(function()
		MessagingService:PublishAsync(topic, string.rep("x", size))
	end)
	return { ok = ok, error = if ok then nil else tostring(err) }
end
return Probe
`;

async function server(transport: Transport, settings: WorldSettings = {}): Promise<World> {
	const host = await luauHost([{ parentPath: "ServerScriptService", name: "MessagingProbe", source: PROBE }]);
	return host.newWorld(transport, { seed: 7, ...settings });
}

/** What a game owner passes: live updates are on by default. */
const options = (extra: Record<string, unknown> = {}) => ({ apiKey: TEST_KEY, baseUrl: BASE_URL, ...extra });

const pathOf = (request: ApiRequest) => new URL(request.url).pathname;
const query = (request: ApiRequest) => new URL(request.url).searchParams;
const isPoll = (request: ApiRequest) => request.method === "GET" && pathOf(request).endsWith("/events");
const isHeartbeat = (request: ApiRequest) => request.method === "POST" && pathOf(request).endsWith("/servers/heartbeat");
const isAck = (request: ApiRequest) => request.method === "POST" && pathOf(request).endsWith("/ack");
/** The server a request came from: the job in its query or body. */
const jobOf = (request: ApiRequest) => query(request).get("job_id") ?? (JSON.parse(request.body || "{}") as { job_id?: string }).job_id;
const from = (api: FakeApi, jobId: string) => api.received.filter((request) => jobOf(request) === jobId || (isAck(request) && pathOf(request).includes(jobId)));
const longPolls = (requests: ApiRequest[]) => requests.filter((request) => isPoll(request) && query(request).get("wait") === "25");
const catchUps = (requests: ApiRequest[]) => requests.filter((request) => isPoll(request) && query(request).get("wait") === "0");

/** A server started against a pushed universe, past its first poll and subscribed. */
async function pushedServer(api: FakeApi, hub: MessagingHub, settings: WorldSettings = {}) {
	const world = hub.add(await server(hub.wrap(api.transport), settings));
	await world.start(options());
	await world.advance(26);
	expect(await world.subscribers(PUSH_TOPIC)).toBe(1);
	return world;
}

const kick = (userId: number, reason: string, id = `cmd-kick-${userId}`, jobId: string | null = JOB_ID): ServerCommandOrder => ({
	id,
	kind: "kick",
	job_id: jobId,
	user_id: String(userId),
	reason,
});

describe("presence", () => {
	test("every poll says which server it is: job, place, universe and players", async () => {
		const api = new FakeApi();
		const world = await server(api.transport);
		await world.start(options());
		await world.join(201, 202);
		await world.advance(30);
		await world.join(203);
		await world.advance(30);
		const polls = api.received.filter(isPoll);
		expect(polls.length).toBeGreaterThanOrEqual(3);
		for (const poll of polls) {
			expect(query(poll).get("job_id")).toBe(JOB_ID);
			expect(query(poll).get("place_id")).toBe(String(PLACE_ID));
			expect(query(poll).get("universe_id")).toBe(String(UNIVERSE_ID));
		}
		expect(polls.map((poll) => query(poll).get("players"))).toEqual(expect.arrayContaining(["2", "3"]));
		expect(query(polls.at(-1)!).get("players")).toBe("3");
	});

	test("in Studio (no JobId, unpublished place) the poll leaves out what the server does not have", async () => {
		const api = new FakeApi();
		const world = await server(api.transport, { studio: true });
		await world.start(options());
		await world.advance(5);
		const [poll] = api.received.filter(isPoll);
		expect(query(poll).has("job_id")).toBe(false);
		expect(query(poll).has("universe_id")).toBe(false);
		expect(query(poll).has("place_id")).toBe(false);
		expect(query(poll).get("players")).toBe("0");
	});
});

describe("pushed through MessagingService", () => {
	test("told it is pushed, the server subscribes, stops long-polling and sends a heartbeat a minute", async () => {
		const api = new FakeApi();
		api.pushed = true;
		const hub = new MessagingHub();
		const world = await pushedServer(api, hub);
		await world.join(211, 212);
		await world.advance(300);
		expect(longPolls(api.received)).toHaveLength(1);
		expect(api.heartbeats.map((beat) => Math.round(beat.at))).toEqual([85, 145, 205, 265, 325]);
		expect(api.heartbeats[0].body).toEqual({ job_id: JOB_ID, place_id: PLACE_ID, universe_id: UNIVERSE_ID, players: 2 });
		expect(api.heartbeats.every((beat) => beat.at > 25)).toBe(true);
		expect((await world.reachClient()).found).toBe(true);
		expect((await world.report()).output).toEqual([]);

		// Stopping the client lets go of the subscription and stops the heartbeats.
		await world.stop();
		await world.advance(300);
		expect(await world.subscribers(PUSH_TOPIC)).toBe(0);
		expect(api.heartbeats).toHaveLength(5);
	});

	test("a pushed ban kicks at once, without a poll", async () => {
		const api = new FakeApi();
		api.pushed = true;
		const hub = new MessagingHub();
		const world = await pushedServer(api, hub);
		await world.join(221, 222);
		await world.advance(5);
		const before = api.received.filter(isPoll).length;
		api.ban(221, "Exploiting");
		await hub.publish(PUSH_TOPIC, api.pushMessage(), { delay: 1 });
		await world.advance(1.5);
		const report = await world.report();
		expect(report.kicks).toEqual([{ userId: 221, message: expect.stringContaining("Exploiting"), at: expect.any(Number) }]);
		expect(report.kicks[0].at).toBeLessThanOrEqual(31 + 1.1);
		expect(api.received.filter(isPoll)).toHaveLength(before);
		expect(report.players).toEqual([222]);
	});

	test("three servers: the one whose message Roblox dropped catches up with exactly one poll when the next message shows the gap", async () => {
		const api = new FakeApi();
		api.pushed = true;
		const hub = new MessagingHub({ seed: 3 });
		const jobs = ["job-a-1111", "job-b-2222", "job-c-3333"];
		const servers: World[] = [];
		for (const jobId of jobs) {
			const world = hub.add(await server(hub.wrap(api.transport), { jobId }));
			await world.start(options());
			await world.join(231, 232);
			servers.push(world);
		}
		await hub.advance(30);
		for (const world of servers) expect(await world.subscribers(PUSH_TOPIC)).toBe(1);

		api.ban(231, "Exploiting");
		await hub.publish(PUSH_TOPIC, api.pushMessage(), { drop: [servers[2]] });
		await hub.advance(3);
		expect((await servers[2].report()).kicks).toEqual([]);

		api.ban(232, "Alt account");
		await hub.publish(PUSH_TOPIC, api.pushMessage());
		await hub.advance(3);
		for (const world of servers) {
			expect((await world.report()).kicks.map((kicked) => kicked.userId).sort()).toEqual([231, 232]);
		}
		expect(catchUps(from(api, jobs[0]))).toHaveLength(0);
		expect(catchUps(from(api, jobs[1]))).toHaveLength(0);
		const [catchUp, ...more] = catchUps(from(api, jobs[2]));
		expect(more).toEqual([]);
		expect(query(catchUp).get("after")).toBe("0");
		for (const jobId of jobs) expect(longPolls(from(api, jobId))).toHaveLength(1);
		expect(hub.copies.filter((copy) => copy.dropped)).toHaveLength(1);
	});

	test("messages dropped at random: every ban bites in every server, each drop costing at most one poll", async () => {
		const api = new FakeApi();
		api.pushed = true;
		const hub = new MessagingHub({ seed: 17, dropRate: 0.3 });
		const jobs = ["job-r-1", "job-r-2", "job-r-3"];
		const players = Array.from({ length: 10 }, (_, index) => 2400 + index);
		const servers: World[] = [];
		for (const jobId of jobs) {
			const world = hub.add(await server(hub.wrap(api.transport), { jobId }));
			// The players' own re-check waits an hour here: only the push and its polls can kick.
			await world.start(options({ liveRecheckInterval: 3600 }));
			await world.join(...players);
			servers.push(world);
		}
		await hub.advance(30);
		for (const userId of players) {
			api.ban(userId, "Exploiting");
			await hub.publish(PUSH_TOPIC, api.pushMessage());
			await hub.advance(5);
		}
		// The last copies may be dropped with no message after them: the 10-minute safety poll finds those.
		await hub.advance(600, 5);
		for (const [index, world] of servers.entries()) {
			expect((await world.report()).kicks.map((kicked) => kicked.userId).sort()).toEqual(players);
			const dropped = hub.copies.filter((copy) => copy.server === index && copy.dropped).length;
			const pollsBeforeSafetyNet = catchUps(from(api, jobs[index])).filter((poll) => poll.at < 625);
			expect(pollsBeforeSafetyNet.length).toBeLessThanOrEqual(dropped);
		}
		expect(hub.copies.filter((copy) => copy.dropped).length).toBeGreaterThan(3);
	});

	test("a message of another guild is ignored", async () => {
		const api = new FakeApi();
		api.pushed = true;
		const hub = new MessagingHub();
		const world = await pushedServer(api, hub);
		await world.join(241);
		const other = new FakeApi();
		other.ban(241, "Banned in another guild");
		await hub.publish(PUSH_TOPIC, other.pushMessage("987654321098765432"));
		await world.advance(3);
		expect((await world.report()).kicks).toEqual([]);
		expect(catchUps(api.received)).toHaveLength(0);
	});

	test("one catch-up poll every 10 minutes as a safety net, and nothing else but heartbeats", async () => {
		const api = new FakeApi();
		api.pushed = true;
		const hub = new MessagingHub();
		const world = await pushedServer(api, hub);
		await world.advance(1250);
		expect(catchUps(api.received).map((request) => Math.round(request.at))).toEqual([625, 1225]);
		expect(longPolls(api.received)).toHaveLength(1);
		expect(await world.subscribers(PUSH_TOPIC)).toBe(1);
	});

	test("a change the safety poll finds with no message since: the ban bites, and the server polls again (push is not reaching it)", async () => {
		const api = new FakeApi();
		api.pushed = true;
		const hub = new MessagingHub();
		const world = await pushedServer(api, hub);
		await world.join(251);
		await world.advance(100);
		api.ban(251, "Exploiting");
		await hub.publish(PUSH_TOPIC, api.pushMessage(), { drop: [world] });
		await world.advance(520);
		const report = await world.report();
		// Kicked by then (the players' own 10-minute re-check may come first); the safety poll found the ban.
		expect(report.kicks.map((kicked) => kicked.userId)).toEqual([251]);
		const [safetyPoll] = catchUps(api.received);
		expect(Math.round(safetyPoll.at)).toBe(625);
		expect(await world.subscribers(PUSH_TOPIC)).toBe(0);
		expect(longPolls(api.received).filter((poll) => poll.at > 625).length).toBeGreaterThan(0);
		expect(longPolls(api.received).length).toBeGreaterThan(1);
		expect(warnings(report)).toEqual([expect.stringContaining(`no message of "${PUSH_TOPIC}" arrived`)]);
	});

	test("SubscribeAsync failing: the server keeps long-polling, warns once, and sends no heartbeat", async () => {
		const api = new FakeApi();
		api.pushed = true;
		const world = await server(api.transport);
		await world.failSubscribe("MessagingService: the service is unavailable");
		await world.start(options());
		await world.join(261);
		await world.advance(120);
		expect(longPolls(api.received).length).toBeGreaterThanOrEqual(4);
		expect(api.heartbeats).toEqual([]);
		expect((await world.report()).subscribeCalls).toBe(1);
		expect(warnings(await world.report())).toEqual([expect.stringContaining("the service is unavailable")]);
		api.ban(261, "Exploiting");
		await world.advance(1);
		expect((await world.report()).kicks.map((kicked) => kicked.userId)).toEqual([261]);
	});

	test("a heartbeat answered without push: the server unsubscribes and long-polls again", async () => {
		const api = new FakeApi();
		api.pushed = true;
		const hub = new MessagingHub();
		const world = await pushedServer(api, hub);
		await world.join(271);
		api.pushed = false;
		await world.advance(70);
		expect(api.heartbeats).toHaveLength(1);
		expect(await world.subscribers(PUSH_TOPIC)).toBe(0);
		expect(longPolls(api.received).length).toBeGreaterThan(1);
		api.ban(271, "Exploiting");
		await world.advance(1);
		expect((await world.report()).kicks.map((kicked) => kicked.userId)).toEqual([271]);
	});

	test("liveUpdates = false turns it all off: no poll, no subscription, no heartbeat, no command", async () => {
		const api = new FakeApi();
		api.pushed = true;
		const world = await server(api.transport);
		await world.start(options({ liveUpdates: false }));
		await world.join(281);
		api.command(kick(281, "Spamming"));
		await world.advance(300);
		expect(api.received.filter((request) => isPoll(request) || isHeartbeat(request) || isAck(request))).toEqual([]);
		expect((await world.report()).subscribeCalls).toBe(0);
		expect((await world.report()).kicks).toEqual([]);
	});
});

describe("commands", () => {
	test("kick: the player is kicked with the reason, once, and the outcome acknowledged once", async () => {
		const api = new FakeApi();
		const world = await server(api.transport);
		await world.start(options());
		await world.join(261, 262);
		await world.advance(5);
		api.command(kick(261, "Spamming"));
		await world.advance(1);
		// The same command again (a repeat): it does nothing.
		api.command(kick(261, "Spamming"));
		await world.join(261);
		await world.advance(2);
		const report = await world.report();
		expect(report.kicks).toEqual([{ userId: 261, message: "Spamming", at: expect.any(Number) }]);
		expect(report.players.sort()).toEqual([261, 262]);
		expect(api.received.filter(isAck)).toHaveLength(1);
		expect(api.acks).toEqual([
			{ jobId: JOB_ID, commandId: "cmd-kick-261", body: { guildId: GUILD_ID, success: true, result: "Kicked 261" }, at: expect.any(Number) },
		]);
		expect(pathOf(api.received.find(isAck)!)).toBe(`/api/v1/roblox/servers/${JOB_ID}/commands/cmd-kick-261/ack`);
	});

	test("kick of a player who is not here: acknowledged as failed, in words", async () => {
		const api = new FakeApi();
		const world = await server(api.transport);
		await world.start(options());
		await world.advance(5);
		api.command(kick(999, "Spamming"));
		await world.advance(1);
		expect(api.acks.map((ack) => ack.body)).toEqual([{ guildId: GUILD_ID, success: false, result: "Player 999 is not in this server" }]);
	});

	test("message: a system message in every text channel", async () => {
		const api = new FakeApi();
		const world = await server(api.transport);
		await world.start(options());
		await world.join(271);
		await world.advance(5);
		api.command({ id: "cmd-msg-1", kind: "message", job_id: null, text: "Server restarting in 5 minutes" });
		await world.advance(1);
		const report = await world.report();
		expect(report.systemMessages.map((message) => [message.channel, message.text]).sort()).toEqual([
			["RBXGeneral", "Server restarting in 5 minutes"],
			["RBXSystem", "Server restarting in 5 minutes"],
		]);
		expect(api.acks.map((ack) => ack.body)).toEqual([{ guildId: GUILD_ID, success: true, result: "Shown in 2 text channels" }]);
	});

	test("message in a place on the legacy chat with no ChatServiceRunner: acknowledged as failed, in words", async () => {
		const api = new FakeApi();
		const world = await server(api.transport, { chatVersion: "LegacyChatService" });
		await world.start(options({ enforceMutes: false }));
		await world.advance(5);
		api.command({ id: "cmd-msg-2", kind: "message", job_id: JOB_ID, text: "Hello" });
		await world.advance(1);
		expect((await world.report()).systemMessages).toEqual([]);
		expect(api.acks.map((ack) => ack.body)).toEqual([
			{ guildId: GUILD_ID, success: false, result: "This place uses the legacy chat and has no ChatServiceRunner to show the message" },
		]);
	});

	test("shutdown: everyone is kicked with the reason, and so is anyone who joins after", async () => {
		const api = new FakeApi();
		const world = await server(api.transport);
		await world.start(options());
		await world.join(281, 282, 283);
		await world.advance(5);
		api.command({ id: "cmd-down-1", kind: "shutdown", job_id: JOB_ID, reason: "Update: please rejoin" });
		await world.advance(1);
		await world.join(284);
		await world.advance(1);
		const report = await world.report();
		expect(report.players).toEqual([]);
		expect(report.kicks.map((kicked) => [kicked.userId, kicked.message]).sort()).toEqual([
			[281, "Update: please rejoin"],
			[282, "Update: please rejoin"],
			[283, "Update: please rejoin"],
			[284, "Update: please rejoin"],
		]);
		expect(api.acks.map((ack) => ack.body)).toEqual([{ guildId: GUILD_ID, success: true, result: "Shutting down: kicked 3 players" }]);
	});

	test("pushed commands: one for this server runs, one for another job is ignored, a repeated id does nothing", async () => {
		const api = new FakeApi();
		api.pushed = true;
		const hub = new MessagingHub();
		const world = await pushedServer(api, hub);
		await world.join(291, 292);
		api.command(kick(291, "Not this server", "cmd-other", "another-job-9999"));
		api.command(kick(292, "Spamming", "cmd-here"));
		await hub.publish(PUSH_TOPIC, api.pushMessage());
		await world.advance(3);
		api.command(kick(292, "Spamming", "cmd-here"));
		await world.join(292);
		await hub.publish(PUSH_TOPIC, api.pushMessage());
		await world.advance(3);
		const report = await world.report();
		expect(report.kicks.map((kicked) => [kicked.userId, kicked.message])).toEqual([[292, "Spamming"]]);
		expect(report.players.sort()).toEqual([291, 292]);
		expect(api.received.filter(isAck)).toHaveLength(1);
		expect(api.acks.map((ack) => ack.commandId)).toEqual(["cmd-here"]);
		expect(catchUps(api.received)).toHaveLength(0);
	});
});

describe("MessagingService as the engine emulates it", () => {
	test("subscriptions per server are 20 + 8 x players; topics 1 to 80 characters; messages at most 1 kB", async () => {
		const api = new FakeApi();
		const hub = new MessagingHub();
		const world = hub.add(await server(hub.wrap(api.transport)));
		const other = hub.add(await server(hub.wrap(api.transport), { jobId: "job-other-1" }));
		await world.join(1, 2);
		const results = async () => (await world.report()).results;
		const many = await world.invoke("ServerScriptService.MessagingProbe", "subscribe", "news", 40);
		const long = await world.invoke("ServerScriptService.MessagingProbe", "subscribe", "t".repeat(81), 1);
		const big = await world.invoke("ServerScriptService.MessagingProbe", "publish", "news", 1025);
		const fits = await world.invoke("ServerScriptService.MessagingProbe", "publish", "news", 1024);
		await world.advance(5);
		expect((await results())[many].value).toEqual({ made: 36, error: expect.stringContaining("too many subscriptions on this server (at most 36)") });
		expect((await results())[long].value).toEqual({ made: 0, error: expect.stringContaining("1 to 80 characters") });
		expect((await results())[big].value).toEqual({ ok: false, error: expect.stringContaining("larger than 1kB") });
		expect((await results())[fits].value).toEqual({ ok: true });
		// A server's PublishAsync reaches every server subscribed to the topic, itself included.
		await other.invoke("ServerScriptService.MessagingProbe", "subscribe", "news", 1);
		await hub.advance(3);
		expect((await world.report()).messagesReceived).toBe(36);
		expect((await other.report()).messagesReceived).toBe(1);
	});

	test("best effort: with a drop rate, copies are dropped and delayed by a seeded draw, the same every run", async () => {
		const runs = [];
		for (let run = 0; run < 2; run++) {
			const hub = new MessagingHub({ seed: 5, dropRate: 0.3, minDelay: 0.2, maxDelay: 2 });
			const api = new FakeApi();
			for (let index = 0; index < 4; index++) hub.add(await server(api.transport, { jobId: `job-${run}-${index}` }));
			for (let message = 0; message < 5; message++) await hub.publish("news", `{"n":${message}}`);
			runs.push(hub.copies);
		}
		expect(runs[0]).toEqual(runs[1]);
		const dropped = runs[0].filter((copy) => copy.dropped).length;
		expect(dropped).toBeGreaterThan(0);
		expect(dropped).toBeLessThan(20);
		expect(runs[0].every((copy) => copy.delay >= 0.2 && copy.delay <= 2)).toBe(true);
	});
});

describe("requests per server-hour", () => {
	const hour = async (pushed: boolean) => {
		const api = new FakeApi();
		api.pushed = pushed;
		const hub = new MessagingHub();
		const world = hub.add(await server(hub.wrap(api.transport)));
		await world.start(options());
		await world.join(...Array.from({ length: 20 }, (_, index) => 3000 + index));
		await world.advance(3600);
		const following = api.received.filter((request) => isPoll(request) || isHeartbeat(request)).length;
		return { following, all: api.received.length, subscribed: await world.subscribers(PUSH_TOPIC) };
	};

	test("pushed: at most 70 (heartbeats plus safety polls); polling: at most 150", async () => {
		const pushed = await hour(true);
		const polling = await hour(false);
		console.log(`requests per server-hour following events: pushed ${pushed.following} (${pushed.all} with the players' re-checks), polling ${polling.following} (${polling.all})`);
		expect(pushed.subscribed).toBe(1);
		expect(pushed.following).toBeLessThanOrEqual(70);
		expect(polling.subscribed).toBe(0);
		expect(polling.following).toBeLessThanOrEqual(150);
		expect(polling.following).toBeGreaterThan(pushed.following);
	});
});
