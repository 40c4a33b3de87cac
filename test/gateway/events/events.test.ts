// test/gateway/events/events.test.ts
// The events route: a long poll and a server-sent event stream of the guild's bans and mutes, across instances.

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GUILD_A, GUILD_B, banBody, startTestGateway, type TestGateway } from "../harness";
import { createTestSchema, type TestSchema } from "../platform/db/test-schema";
import { deletePrefix, redisUrl, requireRedis, uniquePrefix } from "../platform/redis/redis-fixtures";

const eventsPath = (query = "") => `/moderation/${GUILD_A}/events${query}`;

/** Reads a server-sent event stream as it arrives, frame by frame. */
async function openStream(gateway: TestGateway, key: string, headers: Record<string, string> = {}, query = "") {
	const controller = new AbortController();
	const response = await fetch(`${gateway.url}/api/v1${eventsPath(query)}`, {
		headers: { "x-api-key": key, accept: "text/event-stream", ...headers },
		signal: controller.signal,
	});
	const reader = response.body!.getReader();
	const decoder = new TextDecoder();
	let buffered = "";
	/** The next frame that is not a comment: its fields, or the raw text of a `retry:` frame. */
	async function nextFrame(timeoutMs = 3_000): Promise<Record<string, string>> {
		const deadline = Date.now() + timeoutMs;
		for (;;) {
			const end = buffered.indexOf("\n\n");
			if (end !== -1) {
				const frame = buffered.slice(0, end);
				buffered = buffered.slice(end + 2);
				if (frame.startsWith(":")) continue;
				return Object.fromEntries(frame.split("\n").map((line) => [line.slice(0, line.indexOf(":")), line.slice(line.indexOf(":") + 2)]));
			}
			if (Date.now() > deadline) throw new Error(`no event in time (have ${JSON.stringify(buffered)})`);
			const chunk = await Promise.race([reader.read(), new Promise<never>((_, reject) => setTimeout(() => reject(new Error("no event in time")), timeoutMs))]);
			if (chunk.done) throw new Error(`stream ended (have ${JSON.stringify(buffered)})`);
			buffered += decoder.decode(chunk.value, { stream: true });
		}
	}
	return { response, nextFrame, close: () => controller.abort() };
}

describe("the events route on one gateway", () => {
	let gateway: TestGateway;
	let key: string;

	beforeAll(async () => {
		gateway = await startTestGateway();
		key = (await gateway.createKey()).key;
	});
	afterAll(() => gateway.stop());

	const ban = (robloxId: number, extra: Record<string, unknown> = {}) =>
		gateway.api(`/moderation/${GUILD_A}/roblox/ban`, { method: "POST", headers: { "x-api-key": key }, body: banBody(robloxId, extra) });
	const poll = (query: string) => gateway.api(eventsPath(query), { headers: { "x-api-key": key } });

	it("a long poll without a position answers at once with wait=0 and tells where the log stands", async () => {
		await ban(1);
		const answer = await poll("?wait=0");
		expect(answer.status).toBe(200);
		expect(answer.body.data).toEqual({ events: [], next: expect.any(Number) });
		expect(answer.body.data.next).toBeGreaterThanOrEqual(1);
	});

	it("a long poll answers the backlog after its position at once, each event with id, event and data", async () => {
		const head = (await poll("?wait=0")).body.data.next as number;
		await ban(2, { duration: "1h", job_id: "job-7" });
		await gateway.api(`/moderation/${GUILD_A}/roblox/unban`, { method: "POST", headers: { "x-api-key": key }, body: { roblox_id: 2 } });
		const answer = await poll(`?after=${head}`);
		expect(answer.body.data.events).toEqual([
			expect.objectContaining({ id: head + 1, event: "ban", roblox_id: "2", place_id: null, job_id: "job-7", at: expect.any(Number) }),
			expect.objectContaining({ id: head + 2, event: "unban", roblox_id: "2" }),
		]);
		expect(answer.body.data.events[0].ban_info).toMatchObject({ reason: "Exploiting", banned_by: "1", is_permanent: false });
		expect(answer.body.data.next).toBe(head + 2);
	});

	it("a waiting long poll is answered as soon as a ban is made, not at the end of its wait", async () => {
		const head = (await poll("?wait=0")).body.data.next as number;
		const started = Date.now();
		const waiting = poll(`?after=${head}&wait=20`);
		await new Promise((resolve) => setTimeout(resolve, 200));
		await ban(3);
		const answer = await waiting;
		expect(Date.now() - started).toBeLessThan(3_000);
		expect(answer.body.data.events.map((event: { event: string; roblox_id: string }) => [event.event, event.roblox_id])).toEqual([["ban", "3"]]);
	});

	it("a long poll with nothing new answers empty when its wait ends, at the same position", async () => {
		const head = (await poll("?wait=0")).body.data.next as number;
		const started = Date.now();
		const answer = await poll(`?after=${head}&wait=1`);
		expect(Date.now() - started).toBeGreaterThanOrEqual(900);
		expect(answer.body.data).toEqual({ events: [], next: head });
	});

	it("a position beyond the log starts with a reset", async () => {
		const answer = await poll("?after=999999&wait=0");
		expect(answer.body.data.events).toEqual([{ id: expect.any(Number), event: "reset", at: expect.any(Number) }]);
		expect(answer.body.data.next).toBe(answer.body.data.events[0].id);
	});

	it("refuses a bad position or wait, another guild's key, and costs one events point", async () => {
		expect((await poll("?after=abc")).body.error).toBe("bad_request");
		expect((await poll("?wait=26")).body.error).toBe("bad_request");
		const other = (await gateway.createKey(GUILD_B)).key;
		expect((await gateway.api(eventsPath("?wait=0"), { headers: { "x-api-key": other } })).status).toBe(403);
		const first = await poll("?wait=0");
		const second = await poll("?wait=0");
		const remaining = (answer: typeof first) => Number(/r=(\d+)/.exec(answer.headers.get("ratelimit") ?? "")?.[1]);
		expect(remaining(first) - remaining(second)).toBe(1);
		expect(second.headers.get("ratelimit-policy")).toBe('"events";q=6000;w=60');
	});

	it("a stream sends each ban and mute as it happens, and resumes from Last-Event-ID", async () => {
		const stream = await openStream(gateway, key);
		expect(stream.response.headers.get("content-type")).toMatch(/^text\/event-stream/);
		await ban(4);
		const banned = await stream.nextFrame();
		expect(banned).toMatchObject({ event: "ban", id: expect.stringMatching(/^\d+$/) });
		expect(JSON.parse(banned.data)).toMatchObject({ roblox_id: "4", ban_info: { reason: "Exploiting" } });
		await gateway.api(`/moderation/${GUILD_A}/roblox/mute`, { method: "POST", headers: { "x-api-key": key }, body: banBody(4, { duration: "5m" }) });
		const muted = await stream.nextFrame();
		expect(muted.event).toBe("mute");
		expect(Number(muted.id)).toBe(Number(banned.id) + 1);
		stream.close();

		await ban(5);
		const resumed = await openStream(gateway, key, { "last-event-id": muted.id });
		expect(await resumed.nextFrame()).toMatchObject({ event: "ban", id: String(Number(muted.id) + 1) });
		resumed.close();
	});

	it("a Last-Event-ID that is no sequence is taken as absent (a 400 would end an EventSource for good)", async () => {
		const head = (await poll("?wait=0")).body.data.next as number;
		await ban(6);
		// With `after`, the stream starts there, as if no Last-Event-ID had been sent.
		const fromAfter = await openStream(gateway, key, { "last-event-id": "not-a-number" }, `?after=${head}`);
		expect(fromAfter.response.status).toBe(200);
		expect(await fromAfter.nextFrame()).toMatchObject({ event: "ban", id: String(head + 1) });
		fromAfter.close();
		// Without it, the stream starts at the head of the log and sends what happens next.
		for (const bad of ["abc", "-1", "007", "1e3", "99999999999999999999"]) {
			const stream = await openStream(gateway, key, { "last-event-id": bad });
			expect(stream.response.status, bad).toBe(200);
			expect(stream.response.headers.get("content-type"), bad).toMatch(/^text\/event-stream/);
			stream.close();
		}
		const fromHead = await openStream(gateway, key, { "last-event-id": "abc" });
		await ban(7);
		const next = await fromHead.nextFrame();
		expect(next).toMatchObject({ event: "ban" });
		expect(JSON.parse(next.data)).toMatchObject({ roblox_id: "7" });
		fromHead.close();
	});
});

describe("event streams and limits", () => {
	it("holds at most EVENT_STREAMS_PER_KEY open at once, and ends streams with a reconnect hint on shutdown", async () => {
		const gateway = await startTestGateway({ EVENT_STREAMS_PER_KEY: "2" });
		const { key } = await gateway.createKey();
		const streams = [await openStream(gateway, key), await openStream(gateway, key)];
		const third = await gateway.api(eventsPath("?wait=0"), { headers: { "x-api-key": key } });
		expect(third.status).toBe(429);
		expect(third.body).toMatchObject({ error: "rate_limited", retry_after: 5 });
		expect(third.headers.get("retry-after")).toBe("5");

		const stopped = gateway.stop();
		expect(await streams[0].nextFrame()).toEqual({ retry: "250" });
		await stopped;
	});
});

describe("events across instances", () => {
	let prefix: string;
	let first: TestGateway;
	let second: TestGateway;

	beforeAll(async () => {
		await requireRedis();
		prefix = uniquePrefix("events");
		first = await startTestGateway({ REDIS_URL: redisUrl(prefix) });
		second = await startTestGateway({ REDIS_URL: redisUrl(prefix) }, { dataDir: first.dataDir });
	});
	afterAll(async () => {
		await second.stop({ keepData: true });
		await first.stop();
		await deletePrefix(prefix);
	});

	it("a ban made through one instance reaches a stream and a long poll on another within a second", async () => {
		const { key } = await first.createKey();
		const stream = await openStream(second, key);
		const head = (await second.api(eventsPath("?wait=0"), { headers: { "x-api-key": key } })).body.data.next as number;
		const waiting = second.api(eventsPath(`?after=${head}&wait=20`), { headers: { "x-api-key": key } });
		await new Promise((resolve) => setTimeout(resolve, 200));

		const banned = await first.api(`/moderation/${GUILD_A}/roblox/ban`, { method: "POST", headers: { "x-api-key": key }, body: banBody(77) });
		const answeredAt = Date.now();
		expect(banned.status).toBe(201);
		expect((await stream.nextFrame(1_000)).event).toBe("ban");
		expect((await waiting).body.data.events[0]).toMatchObject({ event: "ban", roblox_id: "77" });
		expect(Date.now() - answeredAt).toBeLessThan(1_000);
		stream.close();
	});
});

describe("events across instances on PostgreSQL alone", () => {
	let schema: TestSchema;
	let first: TestGateway;
	let second: TestGateway;

	beforeAll(async () => {
		schema = await createTestSchema("events");
		first = await startTestGateway({ DATABASE_URL: schema.url });
		second = await startTestGateway({ DATABASE_URL: schema.url });
	});
	afterAll(async () => {
		await second?.stop();
		await first?.stop();
		await schema.drop();
	});

	it("a ban through one instance reaches a long poll on another within a second, through LISTEN/NOTIFY", async () => {
		const { key } = await first.createKey();
		const head = (await second.api(eventsPath("?wait=0"), { headers: { "x-api-key": key } })).body.data.next as number;
		const waiting = second.api(eventsPath(`?after=${head}&wait=20`), { headers: { "x-api-key": key } });
		await new Promise((resolve) => setTimeout(resolve, 300));

		await first.api(`/moderation/${GUILD_A}/roblox/ban`, { method: "POST", headers: { "x-api-key": key }, body: banBody(88) });
		const answeredAt = Date.now();
		// Well inside the hub's 5 s safety read: only the notification can have woken it this soon.
		expect((await waiting).body.data.events[0]).toMatchObject({ event: "ban", roblox_id: "88" });
		expect(Date.now() - answeredAt).toBeLessThan(1_000);
	});
});
