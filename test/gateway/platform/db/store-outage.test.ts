// test/gateway/platform/db/store-outage.test.ts
// The PostgreSQL stores under a cut or silent connection: 503 ApiErrors, no crash, no lost writes.

import { randomUUID } from "node:crypto";
import { afterAll, afterEach, beforeAll, expect, it } from "vitest";
import { ApiError } from "../../../../gateway/platform/http/envelope";
import type { StoredKey } from "../../../../gateway/keys/key-store";
import { PostgresKeyStore } from "../../../../gateway/keys/postgres-key-store";
import { openPostgresGatewayDatabase } from "../../../../gateway/platform/db/gateway-database";
import { startTcpRelay, type TcpRelay } from "./tcp-relay";
import { createTestSchema, TEST_DATABASE_URL, type TestSchema } from "./test-schema";

const GUILD = "123456789012345678";
const quiet = () => {};

let schema: TestSchema;
let relay: TcpRelay;
beforeAll(async () => {
	schema = await createTestSchema("outage");
	const target = new URL(TEST_DATABASE_URL);
	relay = await startTcpRelay({ host: target.hostname, port: Number(target.port || 5432) });
});
afterEach(() => relay.set("open"));
afterAll(async () => {
	await relay?.close();
	await schema?.drop();
});

const newKey = (): StoredKey => ({
	id: randomUUID(), guildId: GUILD, prefix: "technified_123456789012345678_abc", name: null, state: "active",
	scopes: ["moderation:read"], allowedCidrs: [], createdAt: 1, updatedAt: 1, lastUsedAt: null, expiresAt: null, revokedAt: null,
	hold: null, createdBy: null, description: null, rateLimits: null, lastUsedIp: null,
});
const created = { event: "created" as const, actor: { type: "admin_token" as const }, address: null, at: 1, details: {} };

it("a connection cut in the middle of a transaction rejects with a 503 and the process carries on", async () => {
	const database = await openPostgresGatewayDatabase({ connectionString: schema.urlVia(relay.port), log: quiet });
	const store = new PostgresKeyStore(database.postgres);
	try {
		const before = newKey();
		await store.createKey(before, randomUUID(), 3, created);
		relay.set("black-hole");
		const pending = store.createKey(newKey(), randomUUID(), 3, created);
		// Let the transaction's first statement reach the silent relay, then reset everything.
		await new Promise((resolve) => setTimeout(resolve, 200));
		relay.set("cut");
		const failure = await pending.catch((err: unknown) => err);
		expect(failure).toBeInstanceOf(ApiError);
		expect(failure).toMatchObject({ status: 503, code: "service_unavailable" });

		relay.set("open");
		expect((await store.listKeys(GUILD)).map((key) => key.id)).toEqual([before.id]);
		expect((await store.createKey(newKey(), randomUUID(), 3, created)).outcome).toBe("created");
	} finally {
		await database.close();
	}
});

it("opening while the database is down fails at once, without the connection password in the message", async () => {
	relay.set("cut");
	const url = new URL(schema.urlVia(relay.port));
	url.password = "s3cret-in-the-url";
	const failure = await openPostgresGatewayDatabase({ connectionString: url.toString(), log: quiet }).catch((err: unknown) => err);
	expect(failure).toBeInstanceOf(Error);
	expect((failure as Error).message).not.toContain("s3cret-in-the-url");
});
