// test/gateway/servers/servers.test.ts
// Live servers on one gateway: presence from polls, streams and heartbeats, commands to one server or all, acks, and Technified's Server Manager routes as a game calls them.

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GUILD_A, GUILD_B, startTestGateway, type TestGateway } from "../harness";

/** A guild where no server ever runs. */
const EMPTY_GUILD = "111111111111111111";
const PUSHED_UNIVERSE = 4242;

describe("live servers on one gateway", () => {
	let gateway: TestGateway;
	/** How far the gateway's clock is ahead of the wall clock (ms). */
	let ahead = 0;
	let keyA: string;
	let keyB: string;

	const poll = (key: string, guildId: string, query: string) => gateway.api(`/moderation/${guildId}/events?${query}`, { headers: { "x-api-key": key } });
	/** A long poll held open until answered. */
	const held = (key: string, guildId: string, query: string) =>
		fetch(`${gateway.url}/api/v1/moderation/${guildId}/events?${query}`, { headers: { "x-api-key": key } }).then(async (response) => (await response.json()) as any);
	const servers = async (guildId: string, query = "") => (await gateway.admin("GET", `/guilds/${guildId}/servers${query}`)).body.data;
	const jobIds = async (guildId: string, query = "") => (await servers(guildId, query)).servers.map((server: { job_id: string }) => server.job_id);
	const command = (guildId: string, body: Record<string, unknown>) => gateway.admin("POST", `/guilds/${guildId}/servers/commands`, body);
	const technified = (key: string, method: string, path: string, body?: unknown, headers: Record<string, string> = {}) =>
		gateway.api(`/roblox/servers${path}`, { method, headers: { "x-api-key": key, ...headers }, body });
	/** A stream's first frame that is not a comment. */
	async function firstFrame(key: string, query: string): Promise<string> {
		const controller = new AbortController();
		const response = await fetch(`${gateway.url}/api/v1/moderation/${GUILD_A}/events?${query}`, {
			headers: { "x-api-key": key, accept: "text/event-stream" },
			signal: controller.signal,
		});
		const { value } = await response.body!.getReader().read();
		controller.abort();
		return new TextDecoder().decode(value).split("\n\n")[0];
	}

	beforeAll(async () => {
		gateway = await startTestGateway(
			{},
			{ clock: () => Date.now() + ahead, pushFor: (_guildId, universeId) => (universeId === PUSHED_UNIVERSE ? { topic: "Technified" } : undefined) },
		);
		keyA = (await gateway.createKey(GUILD_A)).key;
		keyB = (await gateway.createKey(GUILD_B)).key;
	});
	afterAll(() => gateway.stop());

	it("lists the servers whose polls, streams and heartbeats said which they are, with how each follows events", async () => {
		expect((await poll(keyA, GUILD_A, "wait=0&job_id=job-poll-1&place_id=100&universe_id=1818&players=12")).status).toBe(200);
		expect((await poll(keyA, GUILD_A, "wait=0")).status).toBe(200);
		expect(await firstFrame(keyA, "job_id=job-stream-1&place_id=200&players=3")).toBe(": connected");
		const heartbeat = await gateway.api(`/moderation/${GUILD_A}/servers/heartbeat`, {
			method: "POST",
			headers: { "x-api-key": keyA },
			body: { job_id: "job-push-1", place_id: 100, universe_id: 1818, players: 7 },
		});
		expect(heartbeat.status).toBe(200);
		expect(heartbeat.body.data).toEqual({ push: null });
		expect(heartbeat.headers.get("ratelimit-policy")).toMatch(/^"servers";/);

		await expect.poll(() => jobIds(GUILD_A)).toHaveLength(3);
		const listed = await servers(GUILD_A);
		expect(listed.counts).toEqual({ stream: 1, poll: 1, push: 1 });
		expect(listed.servers.find((server: { job_id: string }) => server.job_id === "job-poll-1")).toMatchObject({ place_id: 100, universe_id: 1818, players: 12, follows: "poll" });
		expect(await jobIds(GUILD_A, "?follows=stream")).toEqual(["job-stream-1"]);
		expect(await jobIds(GUILD_A, "?q=PUSH")).toEqual(["job-push-1"]);
		expect((await jobIds(GUILD_A, "?place_id=100")).sort()).toEqual(["job-poll-1", "job-push-1"]);
		expect(await jobIds(GUILD_B)).toEqual([]);
	});

	it("refuses a poll whose presence fields are not a server's, with 400", async () => {
		for (const query of ["job_id=not%20a%20job!", `job_id=${"a".repeat(65)}`, "job_id=j&players=1001", "job_id=j&players=-1", "job_id=j&players=2.5", "job_id=j&universe_id=0", "job_id=j&place_id=abc"]) {
			const refused = await poll(keyA, GUILD_A, `wait=0&${query}`);
			expect(refused.status, query).toBe(400);
			expect(refused.body.error, query).toBe("bad_request");
		}
		const heartbeat = await gateway.api(`/moderation/${GUILD_A}/servers/heartbeat`, { method: "POST", headers: { "x-api-key": keyA }, body: { job_id: "j", place_id: 1, players: 5000 } });
		expect(heartbeat.status).toBe(400);
	});

	it("tells a server whose universe is pushed: the poll's data.push, the stream's first event, the heartbeat", async () => {
		expect((await poll(keyA, GUILD_A, `wait=0&job_id=job-pushed&universe_id=${PUSHED_UNIVERSE}`)).body.data.push).toEqual({ topic: "Technified" });
		expect((await poll(keyA, GUILD_A, "wait=0&job_id=job-pushed&universe_id=1818")).body.data.push).toBeUndefined();
		expect(await firstFrame(keyA, `job_id=job-pushed&universe_id=${PUSHED_UNIVERSE}`)).toBe('event: push\ndata: {"topic":"Technified"}');
		const heartbeat = await gateway.api(`/moderation/${GUILD_A}/servers/heartbeat`, {
			method: "POST",
			headers: { "x-api-key": keyA },
			body: { job_id: "job-pushed", place_id: 100, universe_id: PUSHED_UNIVERSE, players: 1 },
		});
		expect(heartbeat.body.data).toEqual({ push: { topic: "Technified" } });
	});

	it("forgets a server unseen for 90 s, and lists it anew when it is seen again", async () => {
		ahead += 91_000;
		expect(await jobIds(GUILD_A)).toEqual([]);
		await poll(keyA, GUILD_A, "wait=0&job_id=job-poll-1&players=4");
		await expect.poll(() => jobIds(GUILD_A)).toEqual(["job-poll-1"]);
		const [server] = (await servers(GUILD_A)).servers;
		expect(server.first_seen_at).toBeGreaterThanOrEqual(Math.floor((Date.now() + ahead) / 1000) - 5);
	});

	it("sends a command to its server's held poll only; a broadcast reaches every server that said which it is", async () => {
		const head = (await poll(keyB, GUILD_B, "wait=0&job_id=job-a")).body.data.next as number;
		await poll(keyB, GUILD_B, "wait=0&job_id=job-b");
		await expect.poll(() => jobIds(GUILD_B)).toHaveLength(2);
		const forA = held(keyB, GUILD_B, `after=${head}&wait=20&job_id=job-a`);
		const forB = held(keyB, GUILD_B, `after=${head}&wait=2&job_id=job-b`);
		const anonymous = held(keyB, GUILD_B, `after=${head}&wait=2`);
		await new Promise((resolve) => setTimeout(resolve, 200));

		const sent = await command(GUILD_B, { kind: "kick", job_id: "job-a", user_id: "261", reason: "Exploiting" });
		expect(sent.status).toBe(202);
		const kick = sent.body.data.command;
		expect(kick).toMatchObject({ kind: "kick", job_id: "job-a", user_id: "261", reason: "Exploiting", targets: ["job-a"], created_by: "admin_token" });
		expect(kick.acks).toEqual([{ job_id: "job-a", outcome: null, result: null, acked_at: null }]);

		const answered = await forA;
		expect(answered.data.events).toEqual([{ id: head + 1, event: "command", command: { id: kick.id, kind: "kick", job_id: "job-a", user_id: "261", reason: "Exploiting" }, job_id: "job-a", at: expect.any(Number) }]);
		// The others waited out their time without it, and stand past it.
		expect(await forB).toMatchObject({ data: { events: [], next: head + 1 } });
		expect(await anonymous).toMatchObject({ data: { events: [], next: head + 1 } });

		const backlogB = held(keyB, GUILD_B, `after=${head}&wait=5&job_id=job-b`);
		const broadcast = await command(GUILD_B, { kind: "message", job_id: null, text: "Restarting in 5 minutes" });
		expect(broadcast.status).toBe(202);
		expect([...broadcast.body.data.command.targets].sort()).toEqual(["job-a", "job-b"]);
		expect((await backlogB).data.events.map((event: { event: string; command: { text?: string } }) => [event.event, event.command.text])).toEqual([["command", "Restarting in 5 minutes"]]);
		expect((await poll(keyB, GUILD_B, `wait=0&after=${head}&job_id=job-a`)).body.data.events).toHaveLength(2);
		expect((await poll(keyB, GUILD_B, `wait=0&after=${head}`)).body.data.events).toEqual([]);

		// The server's ack, as Technified's module sends it: the first is kept, a second changes nothing.
		const ack = (jobId: string, body: Record<string, unknown>, id = kick.id) => technified(keyB, "POST", `/${jobId}/commands/${id}/ack`, { guildId: GUILD_B, ...body });
		const first = await ack("job-a", { success: true, result: "Kicked 261" });
		expect(first.status).toBe(200);
		expect(first.body.data).toMatchObject({ status: "done", result: "Kicked 261", alreadyAcked: false });
		const again = await ack("job-a", { success: false, result: "Player not in this server" });
		expect(again.status).toBe(200);
		expect(again.body.data).toMatchObject({ status: "done", result: "Kicked 261", alreadyAcked: true });
		expect((await ack("job-b", { success: true, result: "Kicked" })).status).toBe(404);
		expect((await ack("job-a", { success: true }, "no-such-command")).status).toBe(404);

		const followed = await gateway.admin("GET", `/guilds/${GUILD_B}/servers/commands/${kick.id}`);
		expect(followed.body.data.command.acks).toEqual([{ job_id: "job-a", outcome: "done", result: "Kicked 261", acked_at: expect.any(Number) }]);
		expect((await gateway.admin("GET", `/guilds/${GUILD_A}/servers/commands/${kick.id}`)).status).toBe(404);

		const audit = (await gateway.admin("GET", `/guilds/${GUILD_B}/audit`)).body.data.events;
		expect(audit.find((event: { event: string }) => event.event === "server_command_sent")).toMatchObject({ actor: { type: "admin_token" }, details: { kind: "message", job_id: null } });
		expect(audit.filter((event: { event: string }) => event.event === "server_command_sent")).toHaveLength(2);
	});

	it("refuses a command for no live server (404) and one that is not well formed (400)", async () => {
		const missing = await command(GUILD_B, { kind: "shutdown", job_id: "job-gone", reason: "Update" });
		expect(missing.status).toBe(404);
		expect(missing.body.error).toBe("server_not_found");
		expect((await command(EMPTY_GUILD, { kind: "message", job_id: null, text: "Hello" })).body.error).toBe("server_not_found");
		const refusals: [Record<string, unknown>, RegExp][] = [
			[{ kind: "message", job_id: "job-a", text: "x".repeat(201) }, /text must be 1 to 200 characters/],
			[{ kind: "kick", job_id: "job-a", reason: "Bye" }, /user_id is required/],
			[{ kind: "message", job_id: "job-a" }, /text is required/],
			[{ kind: "explode", job_id: "job-a" }, /kind must be/],
			[{ kind: "shutdown", job_id: "bad job!" }, /job_id must be a Roblox JobId/],
		];
		for (const [body, words] of refusals) {
			const refused = await command(GUILD_B, body);
			expect(refused.status, JSON.stringify(body)).toBe(400);
			expect(refused.body.message).toMatch(words);
		}
	});

	it("serves Technified's Server Manager routes as a game written against the hosted API calls them", async () => {
		const beat = await technified(keyB, "POST", "/heartbeat", {
			guildId: GUILD_B,
			serverId: "job-technified",
			placeId: "987654321",
			gameName: "My Game",
			playerCount: 2,
			maxPlayers: 50,
			serverAge: 3600,
			fps: 59.9,
			players: [{ userId: 261, name: "Shedletsky" }],
		});
		expect(beat.status).toBe(200);
		expect(beat.body.data).toEqual({ serverId: "job-technified", online: true });
		expect(beat.headers.get("ratelimit-policy")).toMatch(/^"servers";/);
		expect((await servers(GUILD_B, "?q=technified")).servers).toEqual([expect.objectContaining({ place_id: 987654321, players: 2, follows: "poll" })]);
		expect((await technified(keyB, "POST", "/heartbeat", { guildId: GUILD_A, serverId: "job-technified", placeId: "1", playerCount: 1 })).body.error).toBe("guild_mismatch");
		expect((await technified(keyB, "POST", "/heartbeat", { guildId: GUILD_B, placeId: "1", playerCount: 1 })).status).toBe(400);

		const kick = (await command(GUILD_B, { kind: "kick", job_id: "job-technified", user_id: 156, reason: "Exploiting" })).body.data.command;
		const pending = await technified(keyB, "GET", `/job-technified/commands?guildId=${GUILD_B}`);
		expect(pending.status).toBe(200);
		// The broadcast of the test before is for it too (it was sent within the last 10 minutes).
		expect(pending.body.data.commands).toContainEqual({ id: kick.id, type: "kick", serverId: "job-technified", payload: { userId: "156", reason: "Exploiting" } });
		expect(pending.body.data.commands.map((each: { type: string }) => each.type).sort()).toEqual(["kick", "message"]);
		// Handed over once.
		expect((await technified(keyB, "GET", "/job-technified/commands")).body.data.commands).toEqual([]);
		expect((await technified(keyB, "GET", "/job-technified/commands", undefined, { "x-guild-id": GUILD_A })).body.error).toBe("guild_mismatch");

		const ack = await technified(keyB, "POST", `/job-technified/commands/${kick.id}/ack`, { guildId: GUILD_B, success: false, result: "Player not in this server" });
		expect(ack.body.data).toMatchObject({ commandId: kick.id, serverId: "job-technified", status: "failed", result: "Player not in this server", alreadyAcked: false });
		expect((await gateway.admin("GET", `/guilds/${GUILD_B}/servers/commands/${kick.id}`)).body.data.command.acks[0]).toMatchObject({ outcome: "failed", result: "Player not in this server" });
	});
});
