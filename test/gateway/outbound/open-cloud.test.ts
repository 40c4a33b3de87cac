// test/gateway/outbound/open-cloud.test.ts
// Bans mirrored into Roblox's own bans: a real gateway, bans through the API, a fake Open Cloud written from Roblox's reference.

import { afterEach, describe, expect, it } from "vitest";
import { GUILD_A, banBody, startTestGateway, type TestGateway } from "../harness";
import { createTestSchema, type TestSchema } from "../platform/db/test-schema";
import { FakeOpenCloud } from "./fake-open-cloud";
import { WebhookReceiver, eventually } from "./webhook-receiver";

const GOOD_KEY = "opencloud-good-key-0123456789abcdef";
const WEAK_KEY = "opencloud-weak-key-0123456789abcdef";
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

async function setUp(apiKey = GOOD_KEY, link: Record<string, unknown> = {}, backend = "SQLite") {
	openCloud = new FakeOpenCloud();
	openCloud.known.add(GOOD_KEY).add(WEAK_KEY);
	openCloud.permitted.add(GOOD_KEY);
	// Both keys may publish, so push (docs/fleets.md) works and these tests see the mirror alone.
	openCloud.publishers.add(GOOD_KEY).add(WEAK_KEY);
	const url = await openCloud.listen();
	const env: Record<string, string> = { OPEN_CLOUD_URL: url, OUTBOUND_ALLOW_LOOPBACK: "true" };
	if (backend === "PostgreSQL") {
		schema = await createTestSchema("open_cloud");
		env.DATABASE_URL = schema.url;
	}
	gateway = await startTestGateway(env, { outbound: { retryDelaysMs: [100, 100, 100], pollMs: 50 } });
	const { key } = await gateway.createKey(GUILD_A);
	const linked = await gateway.admin("POST", `/guilds/${GUILD_A}/experiences`, { universe_id: UNIVERSE, api_key: apiKey, ...link });
	expect(linked.status).toBe(201);
	const moderate = (action: "ban" | "unban", body: Record<string, unknown>) =>
		gateway!.api(`/moderation/${GUILD_A}/roblox/${action}`, { method: "POST", headers: { "x-api-key": key }, body });
	return { moderate, linked: linked.body.data.experience };
}

const experience = async () => (await gateway!.admin("GET", `/guilds/${GUILD_A}/experiences`)).body.data.experiences[0];

describe("Roblox experiences", () => {
	it("shows the key by prefix only", async () => {
		const { linked } = await setUp();
		expect(linked).toEqual({
			universe_id: UNIVERSE,
			key_prefix: GOOD_KEY.slice(0, 8),
			exclude_alt_accounts: false,
			status: "ok",
			last_error: null,
			last_mirrored_at: null,
			created_at: expect.any(Number),
			push_status: "unknown",
			push_error: null,
			last_pushed_at: null,
		});
		expect(JSON.stringify(await experience())).not.toContain(GOOD_KEY);
	});

	it("mirrors a ban as one PATCH of the universe's user restriction, with the documented body and x-api-key", async () => {
		const { moderate } = await setUp();
		expect((await moderate("ban", banBody(77, { duration: "1d" }))).status).toBe(201);
		await eventually(() => openCloud!.calls.length === 1, 5_000, "the PATCH");
		await new Promise((resolve) => setTimeout(resolve, 300));
		expect(openCloud!.calls).toHaveLength(1);
		const [call] = openCloud!.calls;
		expect(call.path).toBe(`/cloud/v2/universes/${UNIVERSE}/user-restrictions/77`);
		expect(call.updateMask).toBe("gameJoinRestriction");
		expect(call.apiKey).toBe(GOOD_KEY);
		const restriction = call.body.gameJoinRestriction!;
		expect(restriction).toMatchObject({ active: true, displayReason: "Exploiting", excludeAltAccounts: false });
		expect(restriction.privateReason).toMatch(/^Exploiting \(by /);
		const seconds = Number(/^(\d+)s$/.exec(String(restriction.duration))?.[1]);
		expect(seconds).toBeGreaterThan(86_390);
		expect(seconds).toBeLessThanOrEqual(86_400);
		await eventually(async () => (await experience()).last_mirrored_at !== null, 5_000, "last_mirrored_at");
	});

	it("mirrors a permanent ban without a duration, and an unban as active: false", async () => {
		const { moderate } = await setUp(GOOD_KEY, { exclude_alt_accounts: true });
		await moderate("ban", banBody(5));
		await eventually(() => openCloud!.calls.length === 1, 5_000, "the ban");
		expect(openCloud!.calls[0].body.gameJoinRestriction).not.toHaveProperty("duration");
		expect(openCloud!.calls[0].body.gameJoinRestriction!.excludeAltAccounts).toBe(true);
		await moderate("unban", { roblox_id: 5, moderator_roblox_id: "1" });
		await eventually(() => openCloud!.calls.length === 2, 5_000, "the unban");
		expect(openCloud!.calls[1].path).toBe(`/cloud/v2/universes/${UNIVERSE}/user-restrictions/5`);
		expect(openCloud!.calls[1].body).toEqual({ gameJoinRestriction: { active: false } });
	});

	it("mirrors a place ban on the place's path", async () => {
		const { moderate } = await setUp();
		await moderate("ban", banBody(6, { place_id: 1234567 }));
		await eventually(() => openCloud!.calls.length === 1, 5_000, "the PATCH");
		expect(openCloud!.calls[0].path).toBe(`/cloud/v2/universes/${UNIVERSE}/places/1234567/user-restrictions/6`);
	});

	it("waits out a 429 and then mirrors", async () => {
		const { moderate } = await setUp();
		openCloud!.throttleNext = 1;
		openCloud!.retryAfterSeconds = 1;
		await moderate("ban", banBody(12));
		await eventually(() => openCloud!.calls.length === 2, 5_000, "the retry");
		// Retry-After (1 s) rather than the test's 100 ms schedule.
		expect(openCloud!.calls[1].at - openCloud!.calls[0].at).toBeGreaterThanOrEqual(950);
		await eventually(async () => (await experience()).last_mirrored_at !== null, 5_000, "the mirror");
		expect((await experience()).status).toBe("ok");
	});

	it.each(["SQLite", "PostgreSQL"])("a key lacking the permission turns the link failing in words, sends link_failing, and stops retrying (%s)", async (backend) => {
		const { moderate } = await setUp(WEAK_KEY, {}, backend);
		receiver = new WebhookReceiver();
		await receiver.listen();
		const hook = await gateway!.admin("POST", `/guilds/${GUILD_A}/webhooks`, { url: receiver.url, events: ["experience.link_failing"] });
		receiver.secret = hook.body.data.secret;

		await moderate("ban", banBody(21));
		await eventually(async () => (await experience()).status === "failing", 5_000, "the link to fail");
		const failing = await experience();
		expect(failing.last_error).toMatch(/^Open Cloud refused the API key \(403: The API key does not have universe.user-restriction:write/);
		await eventually(() => receiver!.delivered("experience.link_failing").length === 1, 5_000, "experience.link_failing");
		expect(receiver.received[0].event.data).toMatchObject({ universe_id: UNIVERSE, status_code: 403 });
		expect(JSON.stringify(receiver.received[0].event)).not.toContain(WEAK_KEY);

		// No retries, and later bans are not sent with the refused key.
		await moderate("ban", banBody(22));
		await new Promise((resolve) => setTimeout(resolve, 600));
		expect(openCloud!.calls).toHaveLength(1);

		// A working key resumes mirroring.
		const fixed = await gateway!.admin("PATCH", `/guilds/${GUILD_A}/experiences/${UNIVERSE}`, { api_key: GOOD_KEY });
		expect(fixed.body.data.experience).toMatchObject({ status: "ok", last_error: null, key_prefix: GOOD_KEY.slice(0, 8) });
		await moderate("ban", banBody(23));
		await eventually(() => openCloud!.calls.length === 2, 5_000, "the mirror with the new key");
		expect(openCloud!.calls[1].apiKey).toBe(GOOD_KEY);
	});

	it("an unknown key (401) turns the link failing too", async () => {
		const { moderate } = await setUp("opencloud-unknown-key-0123456789");
		await moderate("ban", banBody(31));
		await eventually(async () => (await experience()).status === "failing", 5_000, "the link to fail");
		expect((await experience()).last_error).toMatch(/^Open Cloud refused the API key \(401: Invalid API Key\)/);
	});

	it("refuses a second link of one universe and bad bodies", async () => {
		await setUp();
		const again = await gateway!.admin("POST", `/guilds/${GUILD_A}/experiences`, { universe_id: UNIVERSE, api_key: GOOD_KEY });
		expect(again.status).toBe(409);
		expect(again.body.error).toBe("experience_already_linked");
		const bad = await gateway!.admin("POST", `/guilds/${GUILD_A}/experiences`, { universe_id: "12ab", api_key: GOOD_KEY });
		expect(bad.status).toBe(400);
		expect(bad.body.message).toMatch(/^universe_id must be/);
		expect((await gateway!.admin("DELETE", `/guilds/${GUILD_A}/experiences/${UNIVERSE}`)).status).toBe(204);
		expect((await gateway!.admin("DELETE", `/guilds/${GUILD_A}/experiences/${UNIVERSE}`)).status).toBe(404);
	});
});
