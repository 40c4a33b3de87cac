// test/gateway/outbound/outbox-postgres.test.ts
// The outbox on PostgreSQL: two gateway instances on one database deliver each outbox row once, and hear each other's bans.

import { afterEach, describe, expect, it } from "vitest";
import { PostgresModerationStore } from "../../../gateway/data-store/postgres-moderation-store";
import { GUILD_A, banBody, startTestGateway, type TestGateway } from "../harness";
import { createTestSchema, type TestSchema } from "../platform/db/test-schema";
import { WebhookReceiver, eventually } from "./webhook-receiver";

const BANS = 30;

let schema: TestSchema | undefined;
const gateways: TestGateway[] = [];
let receiver: WebhookReceiver | undefined;

afterEach(async () => {
	for (const gateway of gateways.splice(0)) await gateway.stop();
	await receiver?.stop();
	await schema?.drop();
	schema = receiver = undefined;
});

describe("outbox on PostgreSQL", () => {
	it("two instances deliver each ban and key event once", { timeout: 60_000 }, async () => {
		schema = await createTestSchema("outbox");
		receiver = new WebhookReceiver();
		await receiver.listen();
		const env = { DATABASE_URL: schema.url, OUTBOUND_ALLOW_LOOPBACK: "true", SECRETS_KEY: "a-shared-secrets-key-of-at-least-32-chars" };
		const timing = { outbound: { pollMs: 20 } };
		const first = await startTestGateway(env, timing);
		gateways.push(first);
		const second = await startTestGateway(env, timing);
		gateways.push(second);

		const hook = await first.admin("POST", `/guilds/${GUILD_A}/webhooks`, { url: receiver.url, events: ["ban.created", "key.created"] });
		expect(hook.status).toBe(201);
		receiver.secret = hook.body.data.secret;
		const { key } = await second.createKey(GUILD_A);
		await Promise.all(
			Array.from({ length: BANS }, (_, i) =>
				(i % 2 === 0 ? first : second).api(`/moderation/${GUILD_A}/roblox/ban`, { method: "POST", headers: { "x-api-key": key }, body: banBody(i + 1) }),
			),
		);

		await eventually(() => receiver!.delivered("ban.created").length >= BANS, 20_000, "every ban");
		// Time for a second delivery of anything to show up.
		await new Promise((resolve) => setTimeout(resolve, 1_000));
		const bans = receiver.delivered("ban.created");
		expect(bans).toHaveLength(BANS);
		expect(new Set(bans.map((one) => one.id)).size).toBe(BANS);
		expect(new Set(bans.map((one) => one.event.data.roblox_id)).size).toBe(BANS);
		expect(receiver.delivered("key.created")).toHaveLength(1);
		expect(receiver.received.every((one) => one.verified)).toBe(true);

		// Either instance lists the same deliveries, every one delivered after one attempt.
		const listed = await second.admin("GET", `/guilds/${GUILD_A}/webhooks/${hook.body.data.webhook.id}/deliveries?limit=100`);
		expect(listed.body.data.deliveries).toHaveLength(BANS + 1);
		expect(listed.body.data.deliveries.every((one: { status: string; attempts: unknown[] }) => one.status === "delivered" && one.attempts.length === 1)).toBe(true);
	});

	it("a ban another instance writes reaches this instance's webhook through LISTEN/NOTIFY, not the outbox's poll", { timeout: 30_000 }, async () => {
		schema = await createTestSchema("outbox_wakeup");
		receiver = new WebhookReceiver();
		await receiver.listen();
		const env = { DATABASE_URL: schema.url, OUTBOUND_ALLOW_LOOPBACK: "true", SECRETS_KEY: "a-shared-secrets-key-of-at-least-32-chars" };
		// The outbox's own read of the change logs is a minute away: only the notification can be quick.
		const gateway = await startTestGateway(env, { outbound: { changeLogPollMs: 60_000 } });
		gateways.push(gateway);
		const hook = await gateway.admin("POST", `/guilds/${GUILD_A}/webhooks`, { url: receiver.url, events: ["ban.created"] });
		expect(hook.status).toBe(201);
		receiver.secret = hook.body.data.secret;

		// Instance A, without Redis: its data store writes the ban to the shared database, and this gateway hears only PostgreSQL.
		const otherInstance = await PostgresModerationStore.open({ connectionString: schema.url });
		try {
			await otherInstance.impose(GUILD_A, "ban", { robloxId: 4242, placeId: null, reason: "Exploiting", moderatorId: 261, jobId: null, durationMs: null });
		} finally {
			await otherInstance.close();
		}
		const bannedAt = Date.now();
		await eventually(() => receiver!.delivered("ban.created").length === 1, 10_000, "the ban's webhook");
		expect(Date.now() - bannedAt).toBeLessThan(1_500);
		expect(receiver.delivered("ban.created")[0].event.data.roblox_id).toBe("4242");
	});
});
