// test/gateway/discord/replay-across-instances.test.ts
// Two gateways on one PostgreSQL receive the same interaction at once (Discord retrying through a load balancer): one answers it.

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFakeDiscord, type FakeDiscord } from "../../fakes/discord";
import { startFakeRoblox, type FakeRoblox } from "../../fakes/roblox-users";
import { createTestSchema, type TestSchema } from "../platform/db/test-schema";
import { GUILD_A, startTestGateway, type TestGateway } from "../harness";

describe("a replayed interaction across instances", () => {
	let discord: FakeDiscord;
	let roblox: FakeRoblox;
	let schema: TestSchema;
	let gateways: TestGateway[];

	beforeAll(async () => {
		discord = await startFakeDiscord();
		roblox = await startFakeRoblox();
		roblox.add({ id: 156, name: "builderman", displayName: "Builderman" });
		schema = await createTestSchema("discord_replay");
		const env = {
			DATABASE_URL: schema.url,
			DISCORD_PUBLIC_KEY: discord.publicKey,
			DISCORD_APPLICATION_ID: discord.applicationId,
			DISCORD_API_URL: discord.apiUrl,
			ROBLOX_USERS_URL: roblox.url,
			ROBLOX_THUMBNAILS_URL: roblox.url,
			OUTBOUND_ALLOW_LOOPBACK: "true",
		};
		// One after the other: the second finds the schema migrated.
		gateways = [await startTestGateway(env)];
		gateways.push(await startTestGateway(env));
	});
	afterAll(async () => {
		for (const gateway of gateways) await gateway.stop();
		await schema.drop();
		await roblox.close();
		await discord.close();
	});

	it("is answered by one instance only, and the ban is made once", async () => {
		const payload = {
			id: "1390000000000000001",
			application_id: discord.applicationId,
			type: 2,
			token: "replayed-token",
			version: 1,
			guild_id: GUILD_A,
			member: { user: { id: "300000000000000001", username: "alice", global_name: null }, permissions: "8" },
			data: { id: "1", name: "ban", type: 1, options: [{ name: "user", type: 3, value: "156" }, { name: "reason", type: 3, value: "Once" }] },
		};
		const answers = await Promise.all(gateways.map((gateway) => discord.interact(`${gateway.url}/discord/interactions`, payload)));
		expect(answers.map((answer) => answer.status).sort()).toEqual([200, 400]);
		const history = await gateways[0].admin("GET", `/guilds/${GUILD_A}/moderation/history/156`);
		expect(history.body.data.entries).toHaveLength(1);
	});
});
