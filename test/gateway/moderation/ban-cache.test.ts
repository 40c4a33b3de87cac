// test/gateway/moderation/ban-cache.test.ts
// The gateway's ban-status cache: served when the data store is away, never stale after a ban.

import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startDataStore, type RunningDataStore } from "../../../gateway/data-store/server";
import { GUILD_A, banBody, startTestGateway, type TestGateway } from "../harness";

describe("ban-status cache", () => {
	let gateway: TestGateway;
	let key: string;
	let now = Date.now();
	beforeAll(async () => {
		gateway = await startTestGateway({ BAN_CACHE_TTL_SECONDS: "30" }, { clock: () => now });
		key = (await gateway.createKey()).key;
	});
	afterAll(() => gateway.stop());

	const status = (id: number, query = "") =>
		gateway.api(`/moderation/${GUILD_A}/ban-status/${id}${query}`, { headers: { "x-api-key": key } });
	const write = (action: "ban" | "unban", body: Record<string, unknown>) =>
		gateway.api(`/moderation/${GUILD_A}/roblox/${action}`, { method: "POST", headers: { "x-api-key": key }, body });

	it("answers a ban made through the gateway at once, though the clear answer was cached", async () => {
		expect((await status(4242)).body.data).toEqual({ banned: false });
		expect((await status(4242)).headers.get("cache-control")).toMatch(/^private, max-age=\d+$/);
		expect((await write("ban", banBody(4242, { reason: "Speed hacks" }))).status).toBe(201);
		const banned = await status(4242);
		expect(banned.body).toMatchObject({ message: "User is banned", data: { banned: true, ban_info: { reason: "Speed hacks" } } });
		expect((await write("unban", { roblox_id: "4242", moderator_roblox_id: "1" })).status).toBe(200);
		expect((await status(4242)).body.data).toEqual({ banned: false });
	});

	it("keeps place-specific answers apart and drops them all on a ban", async () => {
		expect((await status(5151, "?place_id=99")).body.data.banned).toBe(false);
		await write("ban", banBody(5151, { place_id: 99 }));
		expect((await status(5151, "?place_id=99")).body.data.banned).toBe(true);
		expect((await status(5151)).body.data.banned).toBe(false);
	});

	it("does not serve a ban past its end from the cache, nor tell clients to", async () => {
		await write("ban", banBody(6262, { duration: "30s" }));
		now += 20_000;
		const banned = await status(6262);
		expect(banned.body.data.banned).toBe(true);
		expect(banned.headers.get("cache-control")).toBe("private, max-age=10");
		now += 11_000;
		expect((await status(6262)).body.data.banned).toBe(false);
	});

	it("gives mute-status the same client lifetime", async () => {
		const response = await gateway.api(`/moderation/${GUILD_A}/mute-status/8484`, { headers: { "x-api-key": key } });
		expect(response.headers.get("cache-control")).toBe("private, max-age=30");
	});

	it("sends max-age=0 with no_cache=true", async () => {
		const response = await status(7373, "?no_cache=true");
		expect(response.status).toBe(200);
		expect(response.headers.get("cache-control")).toBe("private, max-age=0");
	});
});

describe("ban-status cache while the data store is away", () => {
	let dataDir: string;
	let store: RunningDataStore;
	let gateway: TestGateway;
	const token = "internal-token-for-tests-0123456789";
	beforeAll(async () => {
		dataDir = await mkdtemp(path.join(os.tmpdir(), "cache-store-"));
		store = await startDataStore({ dataDir, internalToken: token });
		gateway = await startTestGateway({ DATA_STORE_URL: store.url, DATA_STORE_TOKEN: token });
	});
	afterAll(async () => {
		await gateway.stop();
		await rm(dataDir, { recursive: true, force: true });
	});

	it("serves a cached answer without the data store, and no_cache=true goes to the store", async () => {
		const { key } = await gateway.createKey();
		const headers = { "x-api-key": key };
		expect((await gateway.api(`/moderation/${GUILD_A}/ban-status/31`, { headers })).status).toBe(200);
		await store.close();
		const cached = await gateway.api(`/moderation/${GUILD_A}/ban-status/31`, { headers });
		expect(cached.status).toBe(200);
		expect(cached.body.data).toEqual({ banned: false });
		expect((await gateway.api(`/moderation/${GUILD_A}/ban-status/31?no_cache=true`, { headers })).status).toBe(502);
	});
});
