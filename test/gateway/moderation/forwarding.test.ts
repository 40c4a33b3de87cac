// test/gateway/moderation/forwarding.test.ts
// Forwarding to the data store: guild isolation, stripped credentials, JSON 502/504 and recovery.

import http from "node:http";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startDataStore, type RunningDataStore } from "../../../gateway/data-store/server";
import { GUILD_A, GUILD_B, banBody, startTestGateway, type TestGateway } from "../harness";

describe("guild isolation", () => {
	let gateway: TestGateway;
	let keyA: string;
	let keyB: string;
	beforeAll(async () => {
		gateway = await startTestGateway();
		keyA = (await gateway.createKey(GUILD_A)).key;
		keyB = (await gateway.createKey(GUILD_B)).key;
		const banned = await gateway.api(`/moderation/${GUILD_B}/roblox/ban`, {
			method: "POST",
			headers: { "x-api-key": keyB },
			body: banBody(77),
		});
		expect(banned.status).toBe(201);
	});
	afterAll(() => gateway.stop());

	it("never lets guild A's key read guild B's bans, whatever headers it sends", async () => {
		const response = await gateway.api(`/moderation/${GUILD_A}/ban-status/77?guild_id=${GUILD_B}`, {
			headers: {
				"x-api-key": keyA,
				"x-technified-guild": GUILD_B,
				"x-technified-internal-token": "guessed",
				"x-guild-id": GUILD_B,
			},
		});
		expect(response.status).toBe(200);
		expect(response.body.data).toEqual({ banned: false });
		expect((await gateway.api(`/moderation/${GUILD_B}/ban-status/77`, { headers: { "x-api-key": keyB } })).body.data.banned).toBe(
			true,
		);
	});

	it("never lets guild A's key write or list in guild B", async () => {
		const write = await gateway.api(`/moderation/${GUILD_B}/roblox/unban`, {
			method: "POST",
			headers: { "x-api-key": keyA },
			body: { roblox_id: 77, moderator_roblox_id: 1 },
		});
		expect(write.status).toBe(403);
		const list = await gateway.api(`/moderation/${GUILD_B}/roblox/bans/active`, { headers: { "x-api-key": keyA } });
		expect(list.status).toBe(403);
		expect((await gateway.api(`/moderation/${GUILD_B}/ban-status/77`, { headers: { "x-api-key": keyB } })).body.data.banned).toBe(
			true,
		);
	});

	it("answers the contract's 400, 413 and 404 in JSON", async () => {
		const headers = { "x-api-key": keyA };
		const bad = await gateway.api(`/moderation/${GUILD_A}/ban-status/not-a-number`, { headers });
		expect(bad.status).toBe(400);
		expect(bad.body).toMatchObject({ status: "error", code: 400, error: "bad_request" });
		const huge = await gateway.api(`/moderation/${GUILD_A}/roblox/ban`, {
			method: "POST",
			headers,
			body: banBody(5, { reason: "x".repeat(100_000) }),
		});
		expect(huge.status).toBe(413);
		expect(huge.body).toMatchObject({ status: "error", code: 413, error: "payload_too_large" });
		const unknown = await gateway.api(`/moderation/${GUILD_A}/nothing-here`, { headers });
		expect(unknown.status).toBe(404);
		expect(unknown.body).toMatchObject({ status: "error", code: 404, error: "not_found" });
		const shouted = await fetch(`${gateway.url}/API/V1/moderation/${GUILD_A}/ban-status/1`, { headers });
		expect(shouted.status).toBe(404);
		const malformed = await gateway.api(`/moderation/${GUILD_A}/roblox/ban`, { method: "POST", headers, body: "{not json" });
		expect(malformed.status).toBe(400);
	});

	it("does not forward the data store's internal reads (the change log, the ban count): the contract's 404", async () => {
		for (const path of ["/changes?after=0", "/roblox/bans/count"]) {
			const response = await gateway.api(`/moderation/${GUILD_B}${path}`, { headers: { "x-api-key": keyB } });
			expect(response.status).toBe(404);
			expect(response.body).toEqual({ status: "error", code: 404, message: "Route not found", error: "not_found" });
		}
	});
});

describe("data store failures", () => {
	let dataDir: string;
	let store: RunningDataStore | undefined;
	let gateway: TestGateway;
	let key: string;
	let port: number;
	const token = "internal-token-for-tests-0123456789";

	beforeAll(async () => {
		dataDir = await mkdtemp(path.join(os.tmpdir(), "store-fault-"));
		store = await startDataStore({ dataDir, internalToken: token });
		port = Number(new URL(store.url).port);
		gateway = await startTestGateway(
			{ DATA_STORE_URL: store.url, DATA_STORE_TOKEN: token, BAN_CACHE_TTL_SECONDS: "0" },
			{ upstreamTimeoutMs: 500 },
		);
		key = (await gateway.createKey()).key;
	});
	afterAll(async () => {
		await gateway.stop();
		await store?.close();
		await rm(dataDir, { recursive: true, force: true });
	});

	const banStatus = () => gateway.api(`/moderation/${GUILD_A}/ban-status/261`, { headers: { "x-api-key": key } });

	it("answers JSON 502 while the data store is down, and recovers without a restart", async () => {
		expect((await banStatus()).status).toBe(200);
		await store!.close();
		store = undefined;
		const down = await banStatus();
		expect(down.status).toBe(502);
		expect(down.body).toMatchObject({ status: "error", code: 502, error: "upstream_unavailable" });
		const ready = await fetch(`${gateway.url}/readyz`);
		expect(ready.status).toBe(503);
		expect(((await ready.json()) as { message: string }).message).toContain("data_store");
		store = await startDataStore({ dataDir, internalToken: token, port });
		expect((await banStatus()).status).toBe(200);
		expect((await fetch(`${gateway.url}/readyz`)).status).toBe(200);
	});

	it("answers JSON 504 when the data store does not answer in time", async () => {
		const silent = http.createServer(() => {
			// never answers
		});
		await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
		const slowGateway = await startTestGateway(
			{ DATA_STORE_URL: `http://127.0.0.1:${(silent.address() as AddressInfo).port}`, DATA_STORE_TOKEN: token },
			{ upstreamTimeoutMs: 300 },
		);
		try {
			const { key: slowKey } = await slowGateway.createKey();
			const response = await slowGateway.api(`/moderation/${GUILD_A}/ban-status/261`, { headers: { "x-api-key": slowKey } });
			expect(response.status).toBe(504);
			expect(response.body).toMatchObject({ status: "error", code: 504, error: "upstream_timeout" });
		} finally {
			await slowGateway.stop();
			silent.closeAllConnections();
			silent.close();
		}
	});
});
