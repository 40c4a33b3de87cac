// test/gateway/outbound/member-and-audit-events.test.ts
// member.changed deliveries from the members routes, and webhook and experience actions in the guild audit, on SQLite and PostgreSQL.

import { afterEach, describe, expect, it } from "vitest";
import { GUILD_A, banBody, startTestGateway, type TestGateway } from "../harness";
import { createTestSchema, type TestSchema } from "../platform/db/test-schema";
import { FakeOpenCloud } from "./fake-open-cloud";
import { WebhookReceiver, eventually } from "./webhook-receiver";

const MEMBER = "123456789012345678";
const UNIVERSE = "4815162342";
const GOOD_KEY = "opencloud-good-key-0123456789abcdef";
const WEAK_KEY = "opencloud-weak-key-0123456789abcdef";
const ADMIN = { type: "admin_token" };
const BACKENDS = ["SQLite", "PostgreSQL"];

let gateway: TestGateway | undefined;
let receiver: WebhookReceiver | undefined;
let openCloud: FakeOpenCloud | undefined;
let schema: TestSchema | undefined;

afterEach(async () => {
	await gateway?.stop();
	await receiver?.stop();
	await openCloud?.close();
	await schema?.drop();
	gateway = receiver = openCloud = schema = undefined;
});

/** A gateway on the backend with a loopback receiver, and Open Cloud pointed at a fake. */
async function setUp(backend: string): Promise<TestGateway> {
	receiver = new WebhookReceiver();
	await receiver.listen();
	openCloud = new FakeOpenCloud();
	openCloud.known.add(GOOD_KEY).add(WEAK_KEY);
	openCloud.permitted.add(GOOD_KEY);
	// Both keys may publish, so push (docs/fleets.md) works and these tests see the mirror alone.
	openCloud.publishers.add(GOOD_KEY).add(WEAK_KEY);
	const env: Record<string, string> = { OUTBOUND_ALLOW_LOOPBACK: "true", OPEN_CLOUD_URL: await openCloud.listen() };
	if (backend === "PostgreSQL") {
		schema = await createTestSchema("member_audit");
		env.DATABASE_URL = schema.url;
	}
	gateway = await startTestGateway(env, { outbound: { retryDelaysMs: [100, 100, 100], pollMs: 50 } });
	return gateway;
}

async function addWebhook(events: string[]) {
	const created = await gateway!.admin("POST", `/guilds/${GUILD_A}/webhooks`, { url: receiver!.url, events });
	expect(created.status).toBe(201);
	receiver!.secret = created.body.data.secret;
	return created.body.data.webhook as { id: string };
}

const audit = async () => (await gateway!.admin("GET", `/guilds/${GUILD_A}/audit`)).body.data.events as Record<string, unknown>[];

describe("member.changed", () => {
	it.each(BACKENDS)("a member added, changed and removed is delivered signed, once each, with the permissions before and after (%s)", async (backend) => {
		await setUp(backend);
		await addWebhook(["member.changed"]);

		const added = await gateway!.admin("POST", `/guilds/${GUILD_A}/members`, { discord_user_id: MEMBER, permissions: ["view"] });
		expect(added.status).toBe(201);
		// A refused change writes nothing: the member is already there.
		const twice = await gateway!.admin("POST", `/guilds/${GUILD_A}/members`, { discord_user_id: MEMBER, permissions: ["moderate"] });
		expect(twice.status).toBe(409);
		const changed = await gateway!.admin("PATCH", `/guilds/${GUILD_A}/members/${MEMBER}`, { permissions: ["view", "moderate"] });
		expect(changed.status).toBe(200);
		const both: string[] = changed.body.data.member.permissions;
		expect([...both].sort()).toEqual(["moderate", "view"]);
		expect((await gateway!.admin("DELETE", `/guilds/${GUILD_A}/members/${MEMBER}`)).status).toBe(204);
		expect((await gateway!.admin("DELETE", `/guilds/${GUILD_A}/members/${MEMBER}`)).status).toBe(404);

		await eventually(() => receiver!.delivered("member.changed").length === 3, 5_000, "three member.changed events");
		await new Promise((resolve) => setTimeout(resolve, 300));
		expect(receiver!.received).toHaveLength(3);
		expect(receiver!.received.every((one) => one.verified)).toBe(true);
		expect(new Set(receiver!.received.map((one) => one.id)).size).toBe(3);
		// Deliveries are at least once, in no promised order: each names its action and both permission sets.
		const base = { guild_id: GUILD_A, discord_user_id: MEMBER, name: null, actor: ADMIN };
		const byAction = Object.fromEntries(receiver!.received.map((one) => [one.event.data.action, one.event.data]));
		expect(byAction).toEqual({
			added: { ...base, action: "added", permissions: ["view"], previous_permissions: [] },
			changed: { ...base, action: "changed", permissions: both, previous_permissions: ["view"] },
			removed: { ...base, action: "removed", permissions: [], previous_permissions: both },
		});

		// The audit holds the same three events, newest first, with the actor and address.
		const events = (await audit()).filter((event) => String(event.event).startsWith("member_"));
		expect(events.map((event) => [event.event, event.key_id, event.actor, event.address])).toEqual([
			["member_removed", null, ADMIN, "127.0.0.1"],
			["member_updated", null, ADMIN, "127.0.0.1"],
			["member_added", null, ADMIN, "127.0.0.1"],
		]);
	});

	it("is sent only to webhooks that ask for it", async () => {
		await setUp("SQLite");
		await addWebhook(["ban.created"]);
		await gateway!.admin("POST", `/guilds/${GUILD_A}/members`, { discord_user_id: MEMBER, permissions: ["view"] });
		const { key } = await gateway!.createKey(GUILD_A);
		await gateway!.api(`/moderation/${GUILD_A}/roblox/ban`, { method: "POST", headers: { "x-api-key": key }, body: banBody(5) });
		await eventually(() => receiver!.delivered("ban.created").length === 1, 5_000, "the ban");
		expect(receiver!.received.map((one) => one.event.type)).toEqual(["ban.created"]);
	});
});

describe("the guild audit lists webhook and experience actions", () => {
	it.each(BACKENDS)("with their actor and address, newest first, and no secret (%s)", async (backend) => {
		await setUp(backend);
		const webhook = await addWebhook(["ban.created"]);
		const firstSecret = receiver!.secret!;
		expect((await gateway!.admin("PATCH", `/guilds/${GUILD_A}/webhooks/${webhook.id}`, { events: ["ban.created", "ban.lifted"] })).status).toBe(200);
		const rolled = await gateway!.admin("PATCH", `/guilds/${GUILD_A}/webhooks/${webhook.id}`, { roll_secret: true });
		receiver!.secret = rolled.body.data.secret;
		const test = await gateway!.admin("POST", `/guilds/${GUILD_A}/webhooks/${webhook.id}/test`);
		expect(test.status).toBe(202);
		await eventually(() => receiver!.delivered("webhook.test").length === 1, 5_000, "the test event");
		const redelivered = await gateway!.admin("POST", `/guilds/${GUILD_A}/webhooks/${webhook.id}/deliveries/${test.body.data.delivery.id}/redeliver`);
		expect(redelivered.status).toBe(202);
		// An unknown webhook changes nothing and records nothing.
		expect((await gateway!.admin("DELETE", `/guilds/${GUILD_A}/webhooks/wh_unknown`)).status).toBe(404);
		expect((await gateway!.admin("DELETE", `/guilds/${GUILD_A}/webhooks/${webhook.id}`)).status).toBe(204);

		expect((await gateway!.admin("POST", `/guilds/${GUILD_A}/experiences`, { universe_id: UNIVERSE, api_key: GOOD_KEY })).status).toBe(201);
		expect((await gateway!.admin("PATCH", `/guilds/${GUILD_A}/experiences/${UNIVERSE}`, { exclude_alt_accounts: true })).status).toBe(200);
		expect((await gateway!.admin("DELETE", `/guilds/${GUILD_A}/experiences/${UNIVERSE}`)).status).toBe(204);

		const events = await audit();
		expect(events.map((event) => event.event)).toEqual([
			"experience_unlinked",
			"experience_updated",
			"experience_linked",
			"webhook_deleted",
			"webhook_redelivered",
			"webhook_test_sent",
			"webhook_secret_rolled",
			"webhook_updated",
			"webhook_created",
		]);
		for (const event of events) expect(event).toMatchObject({ key_id: null, actor: ADMIN, address: "127.0.0.1" });
		expect(events.find((event) => event.event === "webhook_created")?.details).toEqual({
			webhook_id: webhook.id,
			url: receiver!.url,
			events: ["ban.created"],
			format: "standard",
			enabled: true,
		});
		expect(events.find((event) => event.event === "webhook_updated")?.details).toMatchObject({ events: ["ban.created", "ban.lifted"] });
		expect(events.find((event) => event.event === "webhook_redelivered")?.details).toEqual({ webhook_id: webhook.id, delivery_id: test.body.data.delivery.id });
		expect(events.find((event) => event.event === "experience_updated")?.details).toEqual({
			universe_id: UNIVERSE,
			key_prefix: GOOD_KEY.slice(0, 8),
			exclude_alt_accounts: true,
			key_replaced: false,
		});
		const text = JSON.stringify(events);
		for (const secret of [firstSecret, receiver!.secret!, GOOD_KEY]) expect(text).not.toContain(secret);
	});

	it.each(BACKENDS)("a link Open Cloud refuses is recorded as failing by the system, once (%s)", async (backend) => {
		await setUp(backend);
		const { key } = await gateway!.createKey(GUILD_A);
		expect((await gateway!.admin("POST", `/guilds/${GUILD_A}/experiences`, { universe_id: UNIVERSE, api_key: WEAK_KEY })).status).toBe(201);
		const ban = (robloxId: number) =>
			gateway!.api(`/moderation/${GUILD_A}/roblox/ban`, { method: "POST", headers: { "x-api-key": key }, body: banBody(robloxId) });
		await ban(61);
		await eventually(async () => (await audit()).some((event) => event.event === "experience_link_failing"), 5_000, "the failing link in the audit");
		await ban(62);
		await new Promise((resolve) => setTimeout(resolve, 400));

		const failing = (await audit()).filter((event) => event.event === "experience_link_failing");
		expect(failing).toEqual([
			expect.objectContaining({
				key_id: null,
				actor: { type: "system" },
				address: null,
				details: expect.objectContaining({ universe_id: UNIVERSE, key_prefix: WEAK_KEY.slice(0, 8), status_code: 403 }),
			}),
		]);
		expect(JSON.stringify(failing)).not.toContain(WEAK_KEY);
	});
});
