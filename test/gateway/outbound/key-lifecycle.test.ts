// test/gateway/outbound/key-lifecycle.test.ts
// Key expiry notices on a fake clock: each sent once per key and period, and not again after a restart.

import { afterEach, describe, expect, it } from "vitest";
import { GUILD_A, startTestGateway, type TestGateway } from "../harness";
import { createTestSchema, type TestSchema } from "../platform/db/test-schema";
import { WebhookReceiver, eventually } from "./webhook-receiver";

const DAY_MS = 86_400_000;

let gateway: TestGateway | undefined;
let receiver: WebhookReceiver | undefined;
let schema: TestSchema | undefined;

afterEach(async () => {
	await gateway?.stop();
	await receiver?.stop();
	await schema?.drop();
	gateway = receiver = schema = undefined;
});

describe("key lifecycle notices", () => {
	it.each(["SQLite", "PostgreSQL"])("warns 7 days and 1 day before expires_at, then says expired, each once, across a restart (%s)", async (backend) => {
		let now = Date.now();
		const clock = () => now;
		const options = { clock, outbound: { pollMs: 20, keyScanMs: 30 } };
		receiver = new WebhookReceiver();
		await receiver.listen();
		const env: Record<string, string> = { OUTBOUND_ALLOW_LOOPBACK: "true" };
		if (backend === "PostgreSQL") {
			schema = await createTestSchema("lifecycle");
			env.DATABASE_URL = schema.url;
		}
		gateway = await startTestGateway(env, options);
		const events = ["key.expiring", "key.expired", "key.auto_expiring", "key.auto_expired"];
		const hook = await gateway.admin("POST", `/guilds/${GUILD_A}/webhooks`, { url: receiver.url, events });
		expect(hook.status).toBe(201);
		const expiresAt = Math.floor(now / 1000) + 3 * 86_400;
		const { id } = await gateway.createKey(GUILD_A, { expires_at: expiresAt });
		const notices = () => receiver!.received.map((one) => [one.event.type, one.event.data.key_id, one.event.data.days_left ?? null]);

		await eventually(() => receiver!.received.length === 1, 5_000, "the 7-day warning");
		expect(notices()).toEqual([["key.expiring", id, 7]]);

		now += 2.5 * DAY_MS;
		await eventually(() => receiver!.received.length === 2, 5_000, "the 1-day warning");
		now += DAY_MS;
		await eventually(() => receiver!.received.length === 3, 5_000, "the expiry");
		expect(notices()).toEqual([
			["key.expiring", id, 7],
			["key.expiring", id, 1],
			["key.expired", id, null],
		]);

		await gateway.stop({ keepData: true });
		gateway = await startTestGateway(env, { ...options, dataDir: gateway.dataDir });
		await new Promise((resolve) => setTimeout(resolve, 500));
		expect(receiver.received).toHaveLength(3);
	});

	it("warns 7 days before auto-expiry and says auto_expired at 60 days unused", async () => {
		let now = Date.now();
		receiver = new WebhookReceiver();
		await receiver.listen();
		gateway = await startTestGateway({ OUTBOUND_ALLOW_LOOPBACK: "true" }, { clock: () => now, outbound: { pollMs: 20, keyScanMs: 30 } });
		await gateway.admin("POST", `/guilds/${GUILD_A}/webhooks`, { url: receiver.url, events: ["key.auto_expiring", "key.auto_expired"] });
		const { id } = await gateway.createKey(GUILD_A);
		await new Promise((resolve) => setTimeout(resolve, 200));
		expect(receiver.received).toHaveLength(0);

		now += 54 * DAY_MS;
		await eventually(() => receiver!.received.length === 1, 5_000, "the auto-expiry warning");
		now += 6 * DAY_MS + 1_000;
		await eventually(() => receiver!.received.length === 2, 5_000, "the auto-expiry");
		expect(receiver.received.map((one) => [one.event.type, one.event.data.key_id])).toEqual([
			["key.auto_expiring", id],
			["key.auto_expired", id],
		]);
		await new Promise((resolve) => setTimeout(resolve, 300));
		expect(receiver.received).toHaveLength(2);
	});
});
