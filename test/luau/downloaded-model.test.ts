// test/luau/downloaded-model.test.ts
// The model as a developer who only uses Studio gets it: downloaded from a running gateway's dashboard
// route, read back with the bench's .rbxmx reader, inserted into ServerScriptService with nothing
// edited, a Secret created as its steps say; it guards joins against that gateway over real HTTP.

import { afterAll, beforeAll, expect, test } from "vitest";
import { freePort } from "../gateway/free-port";
import { ADMIN_TOKEN, banBody, startTestGateway, type TestGateway } from "../gateway/harness";
import { luauHost } from "./harness/luau-host";
import { followRealTime, overHttp } from "./harness/over-http";

const GUILD_ID = "423456789012345678";

let gateway: TestGateway;
beforeAll(async () => {
	const port = await freePort();
	gateway = await startTestGateway({ PORT: String(port), PUBLIC_URL: `http://127.0.0.1:${port}` });
});
afterAll(() => gateway.stop());

test("the downloaded model, with only a Secret added, kicks a banned player and admits the others", async () => {
	const { key } = await gateway.createKey(GUILD_ID, { name: "Studio game" });
	expect((await gateway.api(`/moderation/${GUILD_ID}/roblox/ban`, { method: "POST", headers: { "X-API-Key": key }, body: banBody(9101) })).status).toBe(201);

	const download = await fetch(`${gateway.url}/admin/v1/guilds/${GUILD_ID}/roblox-model`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
	expect(download.status).toBe(200);
	const model = await download.text();
	expect(model).not.toContain(key);

	const host = await luauHost([], model);
	// The steps: Allow HTTP Requests (on by default here), a Secret named as in Config bound to the gateway's domain.
	const server = await host.newWorld(overHttp(), { secrets: { technified_api_key: key }, secretDomains: { technified_api_key: "127.0.0.1" } });
	expect(await server.configValue("options.baseUrl")).toBe(`${gateway.url}/api/v1`);
	expect(await server.configValue("guildId")).toBe(GUILD_ID);
	await server.runScripts();
	await server.join(9101, 9102);
	await followRealTime([server], 5_000, async () => (await server.report()).kicks.length > 0);
	const report = await server.report();
	expect(report.kicks).toEqual([{ userId: 9101, at: expect.any(Number), message: expect.stringContaining("Exploiting") }]);
	expect(report.players).toEqual([9102]);
	expect(report.output.filter((line) => line.kind !== "print")).toEqual([]);

	// The guard the Config started used the guild's key: the dashboard's "last used" line has something to say.
	const keys = await gateway.admin("GET", `/guilds/${GUILD_ID}/keys`);
	expect(keys.body.data.keys[0].last_used_at).not.toBeNull();
	expect(await server.reachClient()).toEqual({ found: true, sameAsStarted: false });
	await server.stop();
});
