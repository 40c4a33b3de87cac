// test/gateway/operators/cross-instance.test.ts
// Two gateways on one PostgreSQL and one Redis: a session opened on one works on the other, and suspensions and lost rights reach the other's next request.

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFakeDiscord, type FakeDiscord } from "../../fakes/discord";
import { startTestGateway, type TestGateway } from "../harness";
import { createTestSchema, type TestSchema } from "../platform/db/test-schema";
import { deletePrefix, redisUrl, requireRedis, uniquePrefix } from "../platform/redis/redis-fixtures";
import { signIn, type OperatorClient } from "./operator-client";

const GUILD = "800000000000000001";
const OWNER = "810000000000000001";
const CREATOR = "810000000000000002";

describe("operators across instances", { timeout: 60_000 }, () => {
	let discord: FakeDiscord;
	let schema: TestSchema;
	let prefix: string;
	let a: TestGateway;
	let b: TestGateway;
	let owner: OperatorClient;
	let creator: OperatorClient;
	let key: string;

	const onB = (apiKey: string) => b.api(`/moderation/${GUILD}/ban-status/261`, { headers: { "x-api-key": apiKey } });

	beforeAll(async () => {
		await requireRedis();
		discord = await startFakeDiscord();
		discord.addUser({ id: OWNER, username: "owner", global_name: "Owner", guilds: [{ id: GUILD, name: "Shared", icon: null, owner: true, permissions: "0" }] });
		discord.addUser({ id: CREATOR, username: "creator", global_name: "Creator", guilds: [] });
		schema = await createTestSchema("operators_scale");
		prefix = uniquePrefix("operators");
		const env = {
			DATABASE_URL: schema.url,
			REDIS_URL: redisUrl(prefix),
			DISCORD_CLIENT_ID: discord.clientId,
			DISCORD_CLIENT_SECRET: discord.clientSecret,
			DISCORD_API_URL: discord.apiUrl,
		};
		a = await startTestGateway(env);
		b = await startTestGateway(env);
		owner = await signIn(a, discord, OWNER);
		await owner.call("POST", `/guilds/${GUILD}/members`, { discord_user_id: CREATOR, permissions: ["create_keys"] });
		creator = await signIn(a, discord, CREATOR);
		key = (await creator.call("POST", `/guilds/${GUILD}/keys`, { name: "shared" })).body.data.key;
	});
	afterAll(async () => {
		await a?.stop();
		await b?.stop();
		await discord?.close();
		await schema?.drop();
		if (prefix !== undefined) await deletePrefix(prefix);
	});

	it("honours a session opened on the other instance", async () => {
		const me = await fetch(`${b.url}/admin/v1/me`, { headers: { cookie: `technified_session=${creator.sessionToken}` } });
		expect(me.status).toBe(200);
		expect(((await me.json()) as { data: { actor: unknown } }).data.actor).toEqual({ type: "operator", id: CREATOR, name: "Creator" });
	});

	it("a suspension on one instance refuses the key, cached on the other, on its very next request; lifting it restores it", async () => {
		expect((await onB(key)).status).toBe(200);
		await a.admin("POST", `/operators/${CREATOR}/suspend`);
		expect((await onB(key)).body.error).toBe("key_user_moderated");
		const session = await fetch(`${b.url}/admin/v1/me`, { headers: { cookie: `technified_session=${creator.sessionToken}` } });
		expect(session.status).toBe(401);
		await a.admin("POST", `/operators/${CREATOR}/unsuspend`);
		expect((await onB(key)).status).toBe(200);
	});

	it("a grant taken away on one instance turns the key creator_removed on the other at once", async () => {
		expect((await onB(key)).status).toBe(200);
		await owner.call("PATCH", `/guilds/${GUILD}/members/${CREATOR}`, { permissions: ["view"] });
		expect((await onB(key)).body.error).toBe("key_creator_removed");
	});
});
