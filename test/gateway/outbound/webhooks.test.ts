// test/gateway/outbound/webhooks.test.ts
// Webhooks end to end: a real gateway, bans through the API, a loopback receiver verifying Standard Webhooks signatures.

import { afterEach, describe, expect, it } from "vitest";
import { GUILD_A, banBody, startTestGateway, type TestGateway } from "../harness";
import { createTestSchema, type TestSchema } from "../platform/db/test-schema";
import { WebhookReceiver, eventually } from "./webhook-receiver";

let gateway: TestGateway | undefined;
let receiver: WebhookReceiver | undefined;
let schema: TestSchema | undefined;

afterEach(async () => {
	await gateway?.stop();
	await receiver?.stop();
	await schema?.drop();
	gateway = receiver = schema = undefined;
});

/** The outbox in SQLite (keys.sqlite), or in PostgreSQL with DATABASE_URL. */
async function backendEnv(backend: string): Promise<Record<string, string>> {
	if (backend === "SQLite") return { OUTBOUND_ALLOW_LOOPBACK: "true" };
	schema = await createTestSchema("webhooks");
	return { OUTBOUND_ALLOW_LOOPBACK: "true", DATABASE_URL: schema.url };
}

const FAST = { retryDelaysMs: [200, 200, 200], pollMs: 50 };

async function setUp(failFirst: number[] = [], env: Record<string, string> = { OUTBOUND_ALLOW_LOOPBACK: "true" }) {
	receiver = new WebhookReceiver(failFirst);
	await receiver.listen();
	gateway = await startTestGateway(env, { outbound: FAST });
	const { key } = await gateway.createKey(GUILD_A);
	return { key, gateway, receiver };
}

async function addWebhook(events: string[] = ["ban.created", "ban.lifted"], format = "standard") {
	const created = await gateway!.admin("POST", `/guilds/${GUILD_A}/webhooks`, { url: receiver!.url, events, format });
	expect(created.status).toBe(201);
	receiver!.secret = created.body.data.secret;
	return created.body.data;
}

const ban = (key: string, robloxId: number) =>
	gateway!.api(`/moderation/${GUILD_A}/roblox/ban`, { method: "POST", headers: { "x-api-key": key }, body: banBody(robloxId) });

describe("webhooks", () => {
	it("sends a ban once, signed, within seconds", async () => {
		const { key } = await setUp();
		const { webhook, secret } = await addWebhook();
		expect(secret).toMatch(/^whsec_/);
		expect(webhook).toMatchObject({ url: receiver!.url, events: ["ban.created", "ban.lifted"], format: "standard", enabled: true });

		expect((await ban(key, 42)).status).toBe(201);
		await eventually(() => receiver!.delivered("ban.created").length === 1, 5_000, "the ban to arrive");
		const [arrived] = receiver!.received;
		expect(arrived.verified).toBe(true);
		expect(arrived.event.data).toMatchObject({ guild_id: GUILD_A, roblox_id: "42" });
		expect(Number.isNaN(Date.parse(arrived.event.timestamp))).toBe(false);

		// Nothing more arrives: one event, one delivery.
		await new Promise((resolve) => setTimeout(resolve, 500));
		expect(receiver!.received).toHaveLength(1);
		const listed = await gateway!.admin("GET", `/guilds/${GUILD_A}/webhooks/${webhook.id}/deliveries`);
		expect(listed.body.data.deliveries).toEqual([
			expect.objectContaining({ id: arrived.id, event: "ban.created", status: "delivered", next_attempt_at: null }),
		]);
	});

	it.each(["SQLite", "PostgreSQL"])("retries a receiver that fails twice, with the same webhook-id, and lists each attempt (%s)", async (backend) => {
		const { key } = await setUp([500, 503], await backendEnv(backend));
		const { webhook } = await addWebhook();
		await ban(key, 7);
		await eventually(() => receiver!.delivered().length === 1, 5_000, "the third attempt");
		expect(receiver!.received.map((one) => one.answered)).toEqual([500, 503, 204]);
		expect(new Set(receiver!.received.map((one) => one.id)).size).toBe(1);
		expect(receiver!.received.every((one) => one.verified)).toBe(true);

		await eventually(async () => {
			const listed = await gateway!.admin("GET", `/guilds/${GUILD_A}/webhooks/${webhook.id}/deliveries`);
			return listed.body.data.deliveries[0]?.status === "delivered";
		});
		const [delivery] = (await gateway!.admin("GET", `/guilds/${GUILD_A}/webhooks/${webhook.id}/deliveries`)).body.data.deliveries;
		expect(delivery.attempts.map((attempt: { status_code: number | null }) => attempt.status_code)).toEqual([500, 503, null]);
		expect(delivery.attempts[0].error).toBe("the receiver answered 500");
		expect(delivery.attempts[2].error).toBeNull();
	});

	it.each(["SQLite", "PostgreSQL"])("gives up after the last retry, and a redelivery sends it again under the same id (%s)", async (backend) => {
		const { key } = await setUp([500, 500, 500, 500], await backendEnv(backend));
		const { webhook } = await addWebhook();
		await ban(key, 8);
		const deliveries = () => gateway!.admin("GET", `/guilds/${GUILD_A}/webhooks/${webhook.id}/deliveries`);
		await eventually(async () => (await deliveries()).body.data.deliveries[0]?.status === "failed", 5_000, "the delivery to fail");
		expect(receiver!.received).toHaveLength(4);

		const [failed] = (await deliveries()).body.data.deliveries;
		const again = await gateway!.admin("POST", `/guilds/${GUILD_A}/webhooks/${webhook.id}/deliveries/${failed.id}/redeliver`);
		expect(again.status).toBe(202);
		await eventually(() => receiver!.delivered().length === 1, 5_000, "the redelivery");
		expect(receiver!.delivered()[0].id).toBe(failed.id);
	});

	it("sends key events written with the key change, and only the events asked for", async () => {
		await setUp();
		await addWebhook(["key.created", "key.revoked"]);
		const created = await gateway!.createKey(GUILD_A);
		await gateway!.admin("POST", `/guilds/${GUILD_A}/keys/${created.id}/disable`);
		await gateway!.admin("POST", `/guilds/${GUILD_A}/keys/${created.id}/revoke`);
		await eventually(() => receiver!.delivered().length === 2, 5_000, "the key events");
		expect(receiver!.received.map((one) => [one.event.type, one.event.data.key_id])).toEqual([
			["key.created", created.id],
			["key.revoked", created.id],
		]);
	});

	it("rolls a secret: later events verify with the new one only", async () => {
		const { key } = await setUp();
		const { webhook, secret: first } = await addWebhook();
		const rolled = await gateway!.admin("PATCH", `/guilds/${GUILD_A}/webhooks/${webhook.id}`, { roll_secret: true });
		expect(rolled.status).toBe(200);
		expect(rolled.body.data.secret).toMatch(/^whsec_/);
		expect(rolled.body.data.secret).not.toBe(first);
		receiver!.secret = first;
		await ban(key, 9);
		await eventually(() => receiver!.received.length === 1, 5_000, "the ban");
		expect(receiver!.received[0].verified).toBe(false);
	});

	it("sends a Discord message with an embed for the discord format", async () => {
		const { key } = await setUp();
		const created = await gateway!.admin("POST", `/guilds/${GUILD_A}/webhooks`, { url: receiver!.url, events: ["ban.created"], format: "discord" });
		expect(created.body.data.secret).toBeUndefined();
		await ban(key, 11);
		await eventually(() => receiver!.received.length === 1, 5_000, "the Discord message");
		const message = receiver!.received[0].event as unknown as { embeds: { title: string; fields: { name: string; value: string }[] }[] };
		expect(message.embeds[0].title).toBe("Player banned");
		expect(message.embeds[0].fields).toContainEqual(expect.objectContaining({ name: "roblox_id", value: "11" }));
	});

	it.each(["SQLite", "PostgreSQL"])("a webhook added after the guild's last one was deleted gets only later bans (%s)", async (backend) => {
		const { key } = await setUp([], await backendEnv(backend));
		const { webhook } = await addWebhook();
		expect((await gateway!.admin("DELETE", `/guilds/${GUILD_A}/webhooks/${webhook.id}`)).status).toBe(204);
		await ban(key, 101);
		await addWebhook();
		await ban(key, 102);
		await eventually(() => receiver!.delivered().length === 1, 5_000, "the later ban");
		await new Promise((resolve) => setTimeout(resolve, 500));
		expect(receiver!.received.map((one) => one.event.data.roblox_id)).toEqual(["102"]);
	});

	it("keeps finished deliveries listed for 30 days, then prunes them", async () => {
		let now = Date.now();
		receiver = new WebhookReceiver();
		await receiver.listen();
		gateway = await startTestGateway({ OUTBOUND_ALLOW_LOOPBACK: "true" }, { clock: () => now, outbound: FAST });
		const { key } = await gateway.createKey(GUILD_A);
		const { webhook } = await addWebhook();
		await ban(key, 301);
		await eventually(() => receiver!.delivered().length === 1, 5_000, "the ban");
		const listed = async () => (await gateway!.admin("GET", `/guilds/${GUILD_A}/webhooks/${webhook.id}/deliveries`)).body.data.deliveries;
		now += 29 * 86_400_000;
		await new Promise((resolve) => setTimeout(resolve, 200));
		expect(await listed()).toHaveLength(1);
		now += 2 * 86_400_000;
		await eventually(async () => (await listed()).length === 0, 5_000, "the prune");
	});

	it("test-sends to one webhook", async () => {
		await setUp();
		const { webhook } = await addWebhook();
		const sent = await gateway!.admin("POST", `/guilds/${GUILD_A}/webhooks/${webhook.id}/test`);
		expect(sent.status).toBe(202);
		await eventually(() => receiver!.delivered("webhook.test").length === 1, 5_000, "the test event");
		expect(receiver!.received[0].verified).toBe(true);
	});
});

describe("following the change log", () => {
	it("answers 502 when the data store cannot say where the guild's change log stands", async () => {
		gateway = await startTestGateway(
			{ OUTBOUND_ALLOW_LOOPBACK: "true", DATA_STORE_URL: "http://127.0.0.1:1", DATA_STORE_TOKEN: "an-internal-token-of-at-least-32-chars" },
			{ outbound: FAST },
		);
		const answer = await gateway.admin("POST", `/guilds/${GUILD_A}/webhooks`, { url: "http://127.0.0.1:9/hook", events: ["ban.created"] });
		expect(answer.status).toBe(502);
		expect(answer.body.error).toBe("upstream_unavailable");
		expect((await gateway.admin("GET", `/guilds/${GUILD_A}/webhooks`)).body.data.webhooks).toEqual([]);
	});
});

describe("addresses a webhook may not reach", () => {
	const refusedUrls = [
		["http://127.0.0.1:9/hook", "loopback without OUTBOUND_ALLOW_LOOPBACK"],
		["https://localhost/hook", "a name resolving to loopback"],
		["https://10.1.2.3/hook", "a private address"],
		["https://192.168.0.10/hook", "a private address"],
		["https://169.254.169.254/latest/meta-data", "the metadata address"],
		["https://[fe80::1]/hook", "an IPv6 link-local address"],
		["https://[::ffff:10.0.0.1]/hook", "a private address mapped into IPv6"],
		["https://100.100.100.200/hook", "a carrier-grade NAT metadata address"],
		["https://[fd00:ec2::254]/hook", "a unique-local metadata address"],
		["ftp://example.com/hook", "a scheme other than https"],
	];

	it.each(refusedUrls)("refuses %s (%s) when saved", async (url) => {
		gateway = await startTestGateway({}, { outbound: FAST });
		const answer = await gateway.admin("POST", `/guilds/${GUILD_A}/webhooks`, { url, events: ["ban.created"] });
		expect(answer.status).toBe(400);
		expect(answer.body).toMatchObject({ error: "bad_request", message: expect.stringMatching(/^url is refused: /) });
		expect((await gateway.admin("GET", `/guilds/${GUILD_A}/webhooks`)).body.data.webhooks).toEqual([]);
	});

	it("refuses plain http to a public name even with loopback allowed", async () => {
		gateway = await startTestGateway({ OUTBOUND_ALLOW_LOOPBACK: "true" }, { outbound: FAST });
		const answer = await gateway.admin("POST", `/guilds/${GUILD_A}/webhooks`, { url: "http://[2606:4700::1111]/hook", events: ["ban.created"] });
		expect(answer.status).toBe(400);
		expect(answer.body.message).toMatch(/https/);
	});

	it("refuses unknown events and formats with the field's name", async () => {
		gateway = await startTestGateway({ OUTBOUND_ALLOW_LOOPBACK: "true" }, { outbound: FAST });
		const badEvent = await gateway.admin("POST", `/guilds/${GUILD_A}/webhooks`, { url: "http://127.0.0.1:9/", events: ["ban.maybe"] });
		expect(badEvent.status).toBe(400);
		expect(badEvent.body.message).toMatch(/^Unknown event "ban.maybe"/);
		const badFormat = await gateway.admin("POST", `/guilds/${GUILD_A}/webhooks`, { url: "http://127.0.0.1:9/", events: ["ban.created"], format: "xml" });
		expect(badFormat.body.message).toBe("format must be standard or discord");
	});
});
