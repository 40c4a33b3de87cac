// test/gateway/outbound/push.test.ts
// Push through Roblox: a real gateway publishes every change of the guild to a fake Open Cloud written from Roblox's Messaging pages.

import path from "node:path";
import Database from "better-sqlite3";
import { setTimeout as sleep } from "node:timers/promises";
import { afterEach, describe, expect, it } from "vitest";
import type { OutboundTiming } from "../../../gateway/outbound/outbound";
import { GATEWAY_DATABASE_FILE } from "../../../gateway/platform/db/gateway-database";
import type { PushMessage } from "../../../shared/records";
import { GUILD_A, GUILD_B, banBody, startTestGateway, type TestGateway } from "../harness";
import { createTestSchema, type TestSchema } from "../platform/db/test-schema";
import { FakeOpenCloud } from "./fake-open-cloud";
import { WebhookReceiver, eventually } from "./webhook-receiver";

const PUBLISHER_KEY = "opencloud-publish-key-0123456789ab";
const MIRROR_ONLY_KEY = "opencloud-mirror-only-0123456789ab";
const UNIVERSE = "4815162342";

let gateway: TestGateway | undefined;
let openCloud: FakeOpenCloud | undefined;
let receiver: WebhookReceiver | undefined;
let schema: TestSchema | undefined;

afterEach(async () => {
	await gateway?.stop();
	await openCloud?.close();
	await receiver?.stop();
	await schema?.drop();
	gateway = openCloud = receiver = schema = undefined;
});

/** The test moves time forward past Roblox's minute. */
let clockOffset = 0;
const clock = () => Date.now() + clockOffset;

async function setUp(backend: "SQLite" | "PostgreSQL" = "SQLite", apiKey = PUBLISHER_KEY, timing: OutboundTiming = {}) {
	clockOffset = 0;
	openCloud = new FakeOpenCloud();
	openCloud.clock = clock;
	openCloud.known.add(PUBLISHER_KEY).add(MIRROR_ONLY_KEY);
	openCloud.permitted.add(PUBLISHER_KEY).add(MIRROR_ONLY_KEY);
	openCloud.publishers.add(PUBLISHER_KEY);
	const url = await openCloud.listen();
	const env: Record<string, string> = { OPEN_CLOUD_URL: url, OUTBOUND_ALLOW_LOOPBACK: "true" };
	if (backend === "PostgreSQL") {
		schema = await createTestSchema("push");
		env.DATABASE_URL = schema.url;
	}
	gateway = await startTestGateway(env, { clock, outbound: { retryDelaysMs: [100, 100, 100], pollMs: 50, pushRefreshMs: 200, ...timing } });
	const { key } = await gateway.createKey(GUILD_A);
	const linked = await gateway.admin("POST", `/guilds/${GUILD_A}/experiences`, { universe_id: UNIVERSE, api_key: apiKey });
	expect(linked.status).toBe(201);
	const moderate = (action: "ban" | "unban" | "mute", body: Record<string, unknown>) =>
		gateway!.api(`/moderation/${GUILD_A}/roblox/${action}`, { method: "POST", headers: { "x-api-key": key }, body });
	return { moderate, linked: linked.body.data.experience, key, env };
}

const experience = async () => (await gateway!.admin("GET", `/guilds/${GUILD_A}/experiences`)).body.data.experiences[0];
const messages = () => openCloud!.published.map((published) => JSON.parse(published.message) as PushMessage);
const pushedIds = () => messages().flatMap((message) => message.events.map((event) => event.id));
const reason = (words: number) => Array.from({ length: words }, (_, index) => `word${index}`).join(" ");

async function pushing(): Promise<void> {
	await eventually(async () => (await experience()).push_status === "ok", 5_000, "push to be proven");
	await eventually(() => gateway!.pushFor(GUILD_A, UNIVERSE) !== undefined, 5_000, "the directory to answer");
}

describe("push through Roblox", () => {
	it.each(["SQLite", "PostgreSQL"] as const)("proves the link with an empty message, then publishes a ban within 1 s with the documented body (%s)", async (backend) => {
		const { moderate, linked } = await setUp(backend);
		expect(linked).toMatchObject({ push_status: "unknown", push_error: null, last_pushed_at: null, status: "ok" });
		expect(gateway!.pushFor(GUILD_A, UNIVERSE)).toBeUndefined();
		await pushing();
		expect(openCloud!.published).toHaveLength(1);
		expect(openCloud!.published[0]).toMatchObject({ universeId: UNIVERSE, topic: "Technified", apiKey: PUBLISHER_KEY });
		expect(messages()[0]).toEqual({ v: 1, guild: GUILD_A, seq: 0, events: [] });
		expect(gateway!.pushFor(GUILD_A, UNIVERSE)).toEqual({ topic: "Technified" });
		expect(gateway!.pushFor(GUILD_A, "999")).toBeUndefined();
		expect(gateway!.pushFor("111111111111111111", UNIVERSE)).toBeUndefined();

		const started = Date.now();
		expect((await moderate("ban", banBody(77, { duration: "1d" }))).status).toBe(201);
		await eventually(() => openCloud!.published.length === 2, 1_000, "the ban to be published within 1 s");
		const latency = openCloud!.published[1].at - started;
		expect(latency).toBeLessThan(1_000);
		const message = messages()[1];
		expect(openCloud!.published[1].message).toBe(JSON.stringify(message));
		expect(message).toMatchObject({ v: 1, guild: GUILD_A, seq: 1 });
		expect(message.events).toEqual([
			{
				id: 1,
				event: "ban",
				roblox_id: "77",
				place_id: null,
				ban_info: expect.objectContaining({ reason: "Exploiting", is_permanent: false }),
				job_id: null,
				at: expect.any(Number),
			},
		]);
		// The events route lists the same change the same way.
		const listed = await gateway!.api(`/moderation/${GUILD_A}/events?after=0&wait=0`, { headers: { "x-api-key": (await gateway!.createKey(GUILD_A)).key } });
		expect(listed.body.data.events).toEqual(message.events);
		await eventually(async () => (await experience()).last_pushed_at !== null, 2_000, "last_pushed_at");
	});

	describe("the push goes first", () => {
		// Longer than the gateway's 200 ms, so a loaded machine's publish still fits in it.
		const HEAD_START_MS = 600;
		/** A webhook of `guildId` whose receiver answers after 2 s, then 20 polls of the guild held. */
		async function slowWebhookAndHeldPolls(guildId: string, key: string) {
			receiver = new WebhookReceiver();
			receiver.answerAfterMs = 2_000;
			await receiver.listen();
			expect((await gateway!.admin("POST", `/guilds/${guildId}/webhooks`, { url: receiver.url, events: ["ban.created"] })).status).toBe(201);
			const headers = { "x-api-key": key };
			const { next } = (await gateway!.api(`/moderation/${guildId}/events?wait=0`, { headers })).body.data;
			const answeredAt: number[] = [];
			const polls = Array.from({ length: 20 }, () =>
				gateway!.api(`/moderation/${guildId}/events?after=${next}&wait=25`, { headers }).then((answer) => {
					answeredAt.push(Date.now());
					return answer.body.data.events.map((event: { roblox_id: string }) => event.roblox_id);
				}),
			);
			await sleep(300);
			return { answeredAt, polls };
		}

		it("publishes a ban before the held long polls are answered; a slow webhook holds those back no longer than the head start", async () => {
			const { moderate, key } = await setUp("SQLite", PUBLISHER_KEY, { pushHeadStartMs: HEAD_START_MS });
			await pushing();
			const { answeredAt, polls } = await slowWebhookAndHeldPolls(GUILD_A, key);
			const banned = Date.now();
			expect((await moderate("ban", banBody(78))).status).toBe(201);
			expect(await Promise.all(polls)).toEqual(Array.from({ length: 20 }, () => ["78"]));
			const published = openCloud!.published.find((message) => message.message.includes('"roblox_id":"78"'));
			expect(published?.at).toBeLessThanOrEqual(Math.min(...answeredAt));
			// The webhook's 2 s answer did not hold the polls: they waited for the publish, then for the head start at most.
			expect(Math.max(...answeredAt) - banned).toBeLessThan(HEAD_START_MS + 700);
			await eventually(() => receiver!.delivered("ban.created").length === 1, 5_000, "the slow webhook's delivery");
		});

		it("a guild that is not pushed answers its polls without waiting for the outbox", async () => {
			await setUp("SQLite", PUBLISHER_KEY, { pushHeadStartMs: 2_500 });
			await pushing();
			const { key } = await gateway!.createKey(GUILD_B);
			const { answeredAt, polls } = await slowWebhookAndHeldPolls(GUILD_B, key);
			const banned = Date.now();
			const answer = await gateway!.api(`/moderation/${GUILD_B}/roblox/ban`, { method: "POST", headers: { "x-api-key": key }, body: banBody(79) });
			expect(answer.status).toBe(201);
			expect(await Promise.all(polls)).toEqual(Array.from({ length: 20 }, () => ["79"]));
			// Well inside the 2 s the webhook takes and the 2.5 s a pushed guild's polls could wait.
			expect(Math.max(...answeredAt) - banned).toBeLessThan(1_500);
		});
	});

	it("coalesces changes waiting together into one message of at most 1,024 characters, reasons shortened, with the last sequence", async () => {
		const { moderate } = await setUp();
		await pushing();
		// Open Cloud asks for a second's pause: the bans made meanwhile wait together.
		openCloud!.throttlePublishesNext = 1;
		openCloud!.retryAfterSeconds = 1;
		await moderate("ban", banBody(1, { reason: reason(60) }));
		await eventually(() => openCloud!.publishAttempts.length === 2, 2_000, "the throttled publish");
		for (const id of [2, 3, 4]) await moderate(id === 3 ? "mute" : "ban", banBody(id, { reason: reason(60) }));
		await eventually(() => pushedIds().length === 4, 5_000, "the four changes");
		const burst = openCloud!.published.slice(1);
		expect(burst).toHaveLength(1);
		expect(burst[0].message.length).toBeLessThanOrEqual(1_024);
		const [message] = messages().slice(1);
		expect(message.seq).toBe(4);
		expect(message.events.map((event) => [event.id, event.event])).toEqual([
			[1, "ban"],
			[2, "ban"],
			[3, "mute"],
			[4, "ban"],
		]);
		const reasons = message.events.map((event) => event.ban_info?.reason ?? event.mute_info?.reason ?? "");
		for (const shortened of reasons) {
			expect(shortened.endsWith("…")).toBe(true);
			expect(reason(60).startsWith(shortened.slice(0, -1))).toBe(true);
			expect(shortened.length).toBeGreaterThanOrEqual(20);
		}
		// Retry-After (1 s) was waited out, not the test's 100 ms schedule.
		expect(openCloud!.publishAttempts[2] - openCloud!.publishAttempts[1]).toBeGreaterThanOrEqual(950);
	});

	it("splits a burst that cannot fit one message into contiguous messages, each within 1,024 characters", async () => {
		const { moderate } = await setUp();
		await pushing();
		openCloud!.throttlePublishesNext = 1;
		await moderate("ban", banBody(1, { reason: reason(60) }));
		await eventually(() => openCloud!.publishAttempts.length === 2, 2_000, "the throttled publish");
		for (let id = 2; id <= 12; id++) await moderate("ban", banBody(id, { reason: reason(60) }));
		await eventually(() => pushedIds().length === 12, 5_000, "the twelve bans");
		expect(pushedIds()).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
		const burst = openCloud!.published.slice(1);
		expect(burst.length).toBeGreaterThan(1);
		expect(burst.length).toBeLessThanOrEqual(4);
		for (const [index, message] of messages().slice(1).entries()) {
			expect(burst[index].message.length).toBeLessThanOrEqual(1_024);
			expect(message.seq).toBe(message.events.at(-1)!.id);
		}
	});

	it("stays within 50 messages a minute for a universe without players, then sends the rest when the minute has passed", async () => {
		const { moderate } = await setUp();
		await pushing();
		// The proving message was the first of the minute; 49 more bans, each published before the next is made.
		for (let id = 1; id <= 49; id++) {
			await moderate("ban", banBody(id));
			await eventually(() => openCloud!.published.length === id + 1, 2_000, `ban ${id}`);
		}
		await moderate("ban", banBody(50));
		await new Promise((resolve) => setTimeout(resolve, 1_000));
		expect(openCloud!.published).toHaveLength(50);
		// Held back by the gateway, never refused by Roblox.
		expect(openCloud!.publishAttempts).toHaveLength(50);
		clockOffset = 61_000;
		await eventually(() => openCloud!.published.length === 51, 3_000, "the 51st message after the minute");
		expect(messages()[50].seq).toBe(50);
	});

	it.each(["SQLite", "PostgreSQL"] as const)(
		"a key that loses the publish permission turns push failing in words, sends link_failing, and servers poll; the ban mirror goes on (%s)",
		async (backend) => {
			const { moderate } = await setUp(backend);
			receiver = new WebhookReceiver();
			await receiver.listen();
			const hook = await gateway!.admin("POST", `/guilds/${GUILD_A}/webhooks`, { url: receiver.url, events: ["experience.link_failing"] });
			receiver.secret = hook.body.data.secret;
			await pushing();

			openCloud!.publishers.delete(PUBLISHER_KEY);
			await moderate("ban", banBody(21));
			await eventually(async () => (await experience()).push_status === "failing", 5_000, "push to fail");
			const link = await experience();
			expect(link.push_error).toMatch(/^Open Cloud refused to publish with the API key \(403: The API key does not have universe-messaging-service:publish/);
			expect(link.push_error).toMatch(/Messaging Service Publish permission/);
			await eventually(() => gateway!.pushFor(GUILD_A, UNIVERSE) === undefined, 2_000, "the directory to stop answering");
			await eventually(() => receiver!.delivered("experience.link_failing").length === 1, 5_000, "experience.link_failing");
			expect(receiver.received[0].event.data).toMatchObject({ universe_id: UNIVERSE, part: "push", status_code: 403 });
			expect(JSON.stringify(receiver.received[0].event)).not.toContain(PUBLISHER_KEY);

			// The mirror is untouched: the ban reached Roblox's own bans and the link's status is ok.
			await eventually(() => openCloud!.calls.length === 1, 5_000, "the mirror");
			expect(link.status).toBe("ok");
			await moderate("ban", banBody(22));
			await eventually(() => openCloud!.calls.length === 2, 5_000, "the next mirror");
			await new Promise((resolve) => setTimeout(resolve, 300));
			// No more publishes are tried with the refused key.
			expect(openCloud!.publishAttempts).toHaveLength(2);
			expect((await experience()).status).toBe("ok");
		},
	);

	it("an unknown key (401) turns push failing from the first publish", async () => {
		await setUp("SQLite", "opencloud-unknown-key-0123456789");
		await eventually(async () => (await experience()).push_status === "failing", 5_000, "push to fail");
		expect((await experience()).push_error).toMatch(/^Open Cloud refused to publish with the API key \(401: Invalid API Key\)/);
		expect(gateway!.pushFor(GUILD_A, UNIVERSE)).toBeUndefined();
	});

	it("a key with the permission, saved later, proves push again", async () => {
		await setUp("SQLite", MIRROR_ONLY_KEY);
		await eventually(async () => (await experience()).push_status === "failing", 5_000, "push to fail");
		const fixed = await gateway!.admin("PATCH", `/guilds/${GUILD_A}/experiences/${UNIVERSE}`, { api_key: PUBLISHER_KEY });
		expect(fixed.body.data.experience).toMatchObject({ push_status: "unknown", push_error: null });
		await pushing();
	});

	it("keeps a publish waiting across a restart", async () => {
		const { moderate, env } = await setUp();
		await pushing();
		openCloud!.throttlePublishesNext = 1;
		openCloud!.retryAfterSeconds = 2;
		await moderate("ban", banBody(31));
		await eventually(() => openCloud!.publishAttempts.length === 2, 2_000, "the throttled publish");
		const dataDir = gateway!.dataDir;
		await gateway!.stop({ keepData: true });
		gateway = await startTestGateway(env, { clock, dataDir, outbound: { pollMs: 50 } });
		await eventually(() => openCloud!.published.length === 2, 5_000, "the ban published by the restarted gateway");
		expect(messages()[1]).toMatchObject({ seq: 1, events: [{ id: 1, event: "ban", roblox_id: "31" }] });
	});

	it("an answer that is not Open Cloud's marks the delivery failed with its words", async () => {
		const { moderate } = await setUp();
		await pushing();
		openCloud!.publishAnswers.push({ status: 200, body: "<html>Welcome to the captive portal</html>", contentType: "text/html" });
		await moderate("ban", banBody(41));
		await eventually(() => openCloud!.publishAttempts.length === 2, 2_000, "the publish");
		const file = new Database(path.join(gateway!.dataDir, GATEWAY_DATABASE_FILE), { readonly: true });
		try {
			await eventually(
				() => file.prepare("SELECT status FROM outbox_deliveries WHERE target_kind = 'push' AND event = 'ban'").pluck().get() === "failed",
				2_000,
				"the delivery to fail",
			);
			const error = file
				.prepare("SELECT error FROM outbox_attempts JOIN outbox_deliveries ON id = delivery_id WHERE target_kind = 'push' AND event = 'ban'")
				.pluck()
				.get();
			expect(error).toBe('Open Cloud answered the publish with something that is not JSON: "<html>Welcome to the captive portal</html>"');
		} finally {
			file.close();
		}
		// Push itself still works: the next ban goes out.
		await moderate("ban", banBody(42));
		await eventually(() => openCloud!.published.length === 2, 2_000, "the next ban");
	});
});
