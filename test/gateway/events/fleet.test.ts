// test/gateway/events/fleet.test.ts
// Many live servers on one key: following events spends its own quota, a key holds a bounded number of streams and polls, and join checks never starve.

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GUILD_A, banBody, startTestGateway, type TestGateway } from "../harness";

const eventsUrl = (gateway: TestGateway, query: string) => `${gateway.url}/api/v1/moderation/${GUILD_A}/events${query}`;
const joinCheck = (gateway: TestGateway, key: string, robloxId: number) =>
	gateway.api(`/moderation/${GUILD_A}/ban-status/${robloxId}`, { headers: { "x-api-key": key } });
const poll = (gateway: TestGateway, key: string, query = "?wait=0") =>
	gateway.api(`/moderation/${GUILD_A}/events${query}`, { headers: { "x-api-key": key } });

/** A request held open (a long poll or a stream) until `end` is called; `answer` settles with its status. */
function holdOpen(gateway: TestGateway, key: string, stream: boolean) {
	const controller = new AbortController();
	const answer = fetch(eventsUrl(gateway, "?wait=25"), {
		headers: { "x-api-key": key, ...(stream ? { accept: "text/event-stream" } : {}) },
		signal: controller.signal,
	});
	return { answer, end: () => controller.abort() };
}

/** Until `check` holds, or fails after `ms`. */
async function eventually(check: () => Promise<boolean>, ms = 3_000): Promise<void> {
	const deadline = Date.now() + ms;
	while (!(await check())) {
		if (Date.now() > deadline) throw new Error("condition never held");
		await new Promise((resolve) => setTimeout(resolve, 50));
	}
}

describe("following events spends the events quota, never the moderation one", () => {
	let gateway: TestGateway;
	/** The key of the first test, given its own quota in the last (a guild holds at most 3 keys). */
	let first: { key: string; id: string };

	beforeAll(async () => {
		gateway = await startTestGateway({ RATE_LIMITS: "moderation=2,events=3" });
	});
	afterAll(() => gateway.stop());

	it("a poll names the events policy in its RateLimit headers", async () => {
		first = await gateway.createKey();
		const { key } = first;
		const answer = await poll(gateway, key);
		expect(answer.status).toBe(200);
		expect(answer.headers.get("ratelimit-policy")).toBe('"events";q=3;w=60');
		expect(answer.headers.get("ratelimit")).toMatch(/^"events";r=2;t=\d+$/);
	});

	it("a key whose moderation quota is spent still polls", async () => {
		const { key } = await gateway.createKey();
		expect((await joinCheck(gateway, key, 1)).status).toBe(200);
		expect((await joinCheck(gateway, key, 2)).status).toBe(200);
		expect((await joinCheck(gateway, key, 3)).status).toBe(429);
		expect((await poll(gateway, key)).status).toBe(200);
	});

	it("a key whose events quota is spent still passes join checks", async () => {
		const { key } = await gateway.createKey();
		for (let i = 0; i < 3; i++) expect((await poll(gateway, key)).status).toBe(200);
		const refused = await poll(gateway, key);
		expect(refused.status).toBe(429);
		expect(refused.body).toMatchObject({ error: "rate_limited" });
		expect(refused.headers.get("retry-after")).toMatch(/^\d+$/);
		const checked = await joinCheck(gateway, key, 4);
		expect(checked.status).toBe(200);
		expect(checked.headers.get("ratelimit-policy")).toBe('"moderation";q=2;w=60');
	});

	it("a key's own events quota overrides the default", async () => {
		const { key, id } = first;
		const patched = await gateway.admin("PATCH", `/guilds/${GUILD_A}/keys/${id}`, { rate_limits: { events: 1 } });
		expect(patched.body.data.api_key.rate_limits).toEqual({ events: 1 });
		// One point was spent in the first test: its own quota of 1 is spent already.
		const refused = await poll(gateway, key);
		expect(refused.status).toBe(429);
		expect(refused.headers.get("ratelimit-policy")).toBe('"events";q=1;w=60');
		expect((await joinCheck(gateway, key, 5)).status).toBe(200);
	});
});

describe("a key's open streams and held polls, together", () => {
	let gateway: TestGateway;

	beforeAll(async () => {
		gateway = await startTestGateway({ EVENT_STREAMS_PER_KEY: "2" });
	});
	afterAll(() => gateway.stop());

	it("past the cap a stream and a poll get 429 with Retry-After, and a slot frees when one ends", async () => {
		const { key } = await gateway.createKey();
		const stream = holdOpen(gateway, key, true);
		expect((await stream.answer).status).toBe(200);
		const held = holdOpen(gateway, key, false);
		// The held poll is counted once the gateway has it: a third request is refused from then on.
		await eventually(async () => (await poll(gateway, key)).status === 429);

		for (const refused of [await poll(gateway, key), await poll(gateway, key, "?wait=20")]) {
			expect(refused.status).toBe(429);
			expect(refused.body).toMatchObject({
				error: "rate_limited",
				message: "Too many open event streams and long polls for this key (at most 2 together)",
				retry_after: 5,
			});
			expect(refused.headers.get("retry-after")).toBe("5");
		}
		const refusedStream = await fetch(eventsUrl(gateway, ""), { headers: { "x-api-key": key, accept: "text/event-stream" } });
		expect(refusedStream.status).toBe(429);
		expect(refusedStream.headers.get("retry-after")).toBe("5");
		expect(await refusedStream.json()).toMatchObject({ error: "rate_limited", retry_after: 5 });

		// Another key of the guild has slots of its own.
		const other = (await gateway.createKey()).key;
		expect((await poll(gateway, other)).status).toBe(200);

		// The held poll ends (its caller gives up): its slot is free again.
		held.end();
		await expect(held.answer).rejects.toThrow();
		await eventually(async () => (await poll(gateway, key)).status === 200);

		// A poll answered by a ban frees its slot too.
		const waiting = holdOpen(gateway, key, false);
		await eventually(async () => (await poll(gateway, key)).status === 429);
		await gateway.api(`/moderation/${GUILD_A}/roblox/ban`, { method: "POST", headers: { "x-api-key": key }, body: banBody(6) });
		const answered = (await (await waiting.answer).json()) as { data: { events: unknown[] } };
		expect(answered.data.events).toEqual([expect.objectContaining({ event: "ban", roblox_id: "6" })]);
		await eventually(async () => (await poll(gateway, key)).status === 200);
		stream.end();
	});
});

describe("a game of 200 servers on one key", () => {
	const SERVERS = 200;
	const SECONDS = 20;
	let gateway: TestGateway;

	beforeAll(async () => {
		// The default quotas: 300 moderation points a minute, 6,000 events points.
		gateway = await startTestGateway();
	});
	afterAll(() => gateway.stop());

	it("long-polling all along, with bans landing, gets no 429 on any join check of players joining at 2 a second", { timeout: 60_000 }, async () => {
		const { key } = await gateway.createKey();
		const head = (await poll(gateway, key)).body.data.next as number;
		let playing = true;
		const controller = new AbortController();
		const pollStatuses: number[] = [];
		const seen = Array.from({ length: SERVERS }, () => new Set<string>());

		/** One live server as the module runs it: a poll held up to 25 s, again at once after each answer. */
		async function liveServer(index: number): Promise<void> {
			let after = head;
			while (playing) {
				const query = `?after=${after}&wait=25&job_id=job-${index}&place_id=1818&players=12`;
				let response: Response;
				try {
					response = await fetch(eventsUrl(gateway, query), { headers: { "x-api-key": key }, signal: controller.signal });
				} catch {
					return;
				}
				pollStatuses.push(response.status);
				const body = (await response.json()) as { data?: { events: { event: string; roblox_id?: string }[]; next: number } };
				if (response.status !== 200 || body.data === undefined) return;
				for (const event of body.data.events) if (event.event === "ban") seen[index].add(event.roblox_id!);
				after = body.data.next;
			}
		}
		const servers = Array.from({ length: SERVERS }, (_, index) => liveServer(index));

		const joinStatuses: number[] = [];
		const bans: string[] = [];
		for (let tick = 0; tick < SECONDS * 2; tick++) {
			await new Promise((resolve) => setTimeout(resolve, 500));
			joinStatuses.push((await joinCheck(gateway, key, 10_000 + tick)).status);
			// A ban every 4 s: each sends every server back for another poll at once.
			if (tick % 8 === 7) {
				const robloxId = 20_000 + tick;
				const banned = await gateway.api(`/moderation/${GUILD_A}/roblox/ban`, { method: "POST", headers: { "x-api-key": key }, body: banBody(robloxId) });
				expect(banned.status).toBe(201);
				bans.push(String(robloxId));
			}
		}
		// Every server has every ban before the game ends.
		await eventually(async () => seen.every((server) => bans.every((id) => server.has(id))), 5_000);
		playing = false;
		controller.abort();
		await Promise.all(servers);

		expect(joinStatuses).toHaveLength(SECONDS * 2);
		expect(joinStatuses.filter((status) => status !== 200)).toEqual([]);
		expect(pollStatuses.filter((status) => status !== 200)).toEqual([]);
		// Each ban answered every held poll; the polls held when the game ended were given up, not answered.
		expect(pollStatuses.length).toBeGreaterThanOrEqual(SERVERS * bans.length);
	});
});
