// test/gateway/keys/admin-api.test.ts
// The key management API over HTTP: operator token, 3-key limit, delete, roll, audit and usage.

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GUILD_A, GUILD_B, startTestGateway, type TestGateway } from "../harness";

describe("admin API", () => {
	let gateway: TestGateway;
	let now = Date.now();
	beforeAll(async () => {
		gateway = await startTestGateway({}, { clock: () => now });
	});
	afterAll(() => gateway.stop());


	it("refuses a missing or wrong admin token, and never takes an API key for it", async () => {
		const { key } = await gateway.createKey(GUILD_B);
		for (const authorization of [undefined, "Bearer wrong-token-0123456789", `Bearer ${key}`]) {
			const response = await fetch(`${gateway.url}/admin/v1/guilds/${GUILD_A}/keys`, {
				headers: authorization === undefined ? {} : { authorization },
			});
			expect(response.status).toBe(401);
			expect(await response.json()).toMatchObject({ status: "error", code: 401, error: "unauthorized" });
		}
	});

	it("shows the full key once; lists show the prefix only", async () => {
		const created = await gateway.admin("POST", `/guilds/${GUILD_A}/keys`, { name: "Main Game" });
		expect(created.status).toBe(201);
		const { key, api_key: record } = created.body.data;
		expect(key).toMatch(new RegExp(`^technified_${GUILD_A}_[0-9A-Za-z]{38}$`));
		expect(key.startsWith(record.prefix)).toBe(true);
		expect(record).toMatchObject({ guild_id: GUILD_A, name: "Main Game", status: "active", last_used_at: null, revoked_at: null });
		expect(record.scopes).toEqual(["moderation:read", "moderation:write"]);
		const listed = await gateway.admin("GET", `/guilds/${GUILD_A}/keys`);
		expect(JSON.stringify(listed.body)).not.toContain(key);
		expect(listed.body.data.keys.map((k: { id: string }) => k.id)).toContain(record.id);
	});

	it("allows 3 keys that are not revoked per guild; revoking frees a slot", async () => {
		const guild = "111111111111111111";
		const ids: string[] = [];
		for (let i = 0; i < 3; i++) ids.push((await gateway.createKey(guild, { name: `k${i}` })).id);
		const fourth = await gateway.admin("POST", `/guilds/${guild}/keys`, {});
		expect(fourth.status).toBe(409);
		expect(fourth.body).toEqual({
			status: "error",
			code: 409,
			message: "Maximum 3 API keys per guild; revoke one to free a slot",
			error: "key_limit_reached",
		});
		await gateway.admin("POST", `/guilds/${guild}/keys/${ids[0]}/revoke`);
		expect((await gateway.admin("POST", `/guilds/${guild}/keys`, {})).status).toBe(201);
	});

	it("deletes only a revoked key", async () => {
		const { id } = await gateway.createKey(GUILD_B);
		const early = await gateway.admin("DELETE", `/guilds/${GUILD_B}/keys/${id}`);
		expect(early.status).toBe(409);
		expect(early.body).toMatchObject({ message: "Revoke the key before deleting it", error: "key_not_revoked" });
		await gateway.admin("POST", `/guilds/${GUILD_B}/keys/${id}/revoke`);
		expect((await gateway.admin("DELETE", `/guilds/${GUILD_B}/keys/${id}`)).status).toBe(204);
		expect((await gateway.admin("GET", `/guilds/${GUILD_B}/keys`)).body.data.keys.map((k: { id: string }) => k.id)).not.toContain(id);
	});

	it("never reaches a key through another guild's path", async () => {
		const { id } = await gateway.createKey(GUILD_B);
		const response = await gateway.admin("POST", `/guilds/${GUILD_A}/keys/${id}/revoke`);
		expect(response.status).toBe(404);
		const listed = await gateway.admin("GET", `/guilds/${GUILD_B}/keys`);
		expect(listed.body.data.keys.find((k: { id: string }) => k.id === id).status).toBe("active");
	});

	it("rolls a key: the old secret works during the overlap, then is refused", async () => {
		const guild = "222222222222222222";
		const old = await gateway.createKey(guild);
		const rolled = await gateway.admin("POST", `/guilds/${guild}/keys/${old.id}/roll`, { expire_previous_in_seconds: 600 });
		expect(rolled.status).toBe(200);
		const fresh: string = rolled.body.data.key;
		expect(fresh).not.toBe(old.key);
		const status = (key: string) => gateway.api(`/moderation/${guild}/ban-status/1`, { headers: { "x-api-key": key } });
		expect((await status(old.key)).status).toBe(200);
		expect((await status(fresh)).status).toBe(200);
		now += 601_000;
		expect((await status(old.key)).status).toBe(401);
		expect((await status(fresh)).status).toBe(200);
		const bad = await gateway.admin("POST", `/guilds/${guild}/keys/${old.id}/roll`, { expire_previous_in_seconds: 604_801 });
		expect(bad.status).toBe(400);
	});

	it("records key events in the audit trail, newest first", async () => {
		const guild = "333333333333333333";
		const { id } = await gateway.createKey(guild, { name: "audited" });
		await gateway.admin("POST", `/guilds/${guild}/keys/${id}/disable`);
		await gateway.admin("PATCH", `/guilds/${guild}/keys/${id}`, { name: "renamed" });
		await gateway.admin("POST", `/guilds/${guild}/keys/${id}/revoke`);
		const audit = await gateway.admin("GET", `/guilds/${guild}/audit`);
		expect(audit.status).toBe(200);
		expect(audit.body.data.events.map((e: { event: string }) => e.event)).toEqual(["revoked", "updated", "disabled", "created"]);
		expect(audit.body.data.events[0]).toMatchObject({ key_id: id, actor: { type: "admin_token" }, address: "127.0.0.1" });
	});

	it("reports a key's requests per minute", async () => {
		const { key, id } = await gateway.createKey("444444444444444444");
		for (let i = 0; i < 3; i++) {
			await gateway.api(`/moderation/444444444444444444/ban-status/${i + 1}`, { headers: { "x-api-key": key } });
		}
		const usage = await gateway.admin("GET", `/guilds/444444444444444444/keys/${id}/usage?granularity=minute&window=600`);
		expect(usage.status).toBe(200);
		const total = usage.body.data.points.reduce((sum: number, p: { count: number }) => sum + p.count, 0);
		expect(total).toBe(3);
	});

	it("answers 400 for a malformed guild id", async () => {
		const response = await gateway.admin("GET", "/guilds/12ab/keys");
		expect(response.status).toBe(400);
		expect(response.body.error).toBe("bad_request");
	});
});
