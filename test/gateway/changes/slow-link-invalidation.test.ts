// test/gateway/changes/slow-link-invalidation.test.ts
// An instance whose Redis link is slow still refuses a revoked key, and sees a ban, on the very next request.

import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { rawRequest } from "../platform/http/raw-http";
import { GUILD_A, banBody, startTestGateway, type TestGateway, type TestResponse } from "../harness";
import { deletePrefix, redisUrl, requireRedis, startRedisRelay, uniquePrefix, type RedisRelay } from "../platform/redis/redis-fixtures";

/** Far longer than the gap between one answer and the next request elsewhere; a round trip stays under the command timeout. */
const LINK_DELAY_MS = 60;

let prefix: string;
let dataDir: string;
let relay: RedisRelay;
/** `fast` talks to Redis directly; `slow` through a relay that holds every chunk LINK_DELAY_MS. */
let fast: TestGateway;
let slow: TestGateway;

beforeAll(async () => {
	await requireRedis();
	prefix = uniquePrefix("slow-link");
	dataDir = await mkdtemp(path.join(os.tmpdir(), "gateway-slow-link-"));
	relay = await startRedisRelay({ delayMs: LINK_DELAY_MS });
	fast = await startTestGateway({ REDIS_URL: redisUrl(prefix) }, { dataDir });
	slow = await startTestGateway({ REDIS_URL: redisUrl(prefix, relay.port) }, { dataDir });
});

afterAll(async () => {
	await fast?.stop({ keepData: true });
	await slow?.stop({ keepData: true });
	await relay?.close();
	await rm(dataDir, { recursive: true, force: true });
	await deletePrefix(prefix);
});

type BanStatusRead = (gateway: TestGateway, key: string, userId: string) => Promise<Pick<TestResponse, "status" | "body">>;

const originForm: BanStatusRead = (gateway, key, userId) =>
	gateway.api(`/moderation/${GUILD_A}/ban-status/${userId}`, { headers: { "x-api-key": key } });

/** `GET http://host/api/v1/… HTTP/1.1`: routed by its path, so it must wait for the catch-up as well. */
const absoluteForm: BanStatusRead = async (gateway, key, userId) => {
	const target = `http://127.0.0.1:${gateway.port}/api/v1/moderation/${GUILD_A}/ban-status/${userId}`;
	const answer = await rawRequest(gateway.port, `GET ${target} HTTP/1.1\r\nHost: x\r\nX-API-Key: ${key}\r\nConnection: close\r\n\r\n`);
	return { status: answer.status, body: JSON.parse(answer.body) };
};

describe.each([
	["origin-form", originForm],
	["absolute-form", absoluteForm],
])("an instance with a slow link to Redis, %s targets", (form, banStatus) => {
	// The key is checked before any Redis round trip of the request, so pub/sub alone loses this race:
	// the slow instance hears of the revocation 60 ms after it was answered.
	it("refuses a key revoked elsewhere on the very next request", async () => {
		const { key, id } = await fast.createKey(GUILD_A, { name: `revoked elsewhere ${form}` });
		// Two reads: the key's creation notice reaches the slow instance during the first and drops the
		// key from its cache; the second caches it for good.
		for (let read = 0; read < 2; read++) expect((await banStatus(slow, key, "261")).status).toBe(200);

		expect((await fast.admin("POST", `/guilds/${GUILD_A}/keys/${id}/revoke`)).status).toBe(200);
		const next = await banStatus(slow, key, "261");

		expect(next.status).toBe(401);
		expect(next.body.error).toBe("key_revoked");
	});

	it("answers a ban made elsewhere on the very next cached read", async () => {
		const { key } = await fast.createKey(GUILD_A, { name: `ban elsewhere ${form}` });
		const userId = form === "origin-form" ? "4242" : "4243";
		expect((await banStatus(slow, key, userId)).body.data.banned).toBe(false);

		const banned = await fast.api(`/moderation/${GUILD_A}/roblox/ban`, { method: "POST", headers: { "x-api-key": key }, body: banBody(userId) });
		const next = await banStatus(slow, key, userId);

		expect(banned.status).toBe(201);
		expect(next.body.data.banned).toBe(true);
	});
});
