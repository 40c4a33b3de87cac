// test/gateway/keys/key-parts.ts
// What the key suites share: the verifier, usage recorder and key admin over a real SQLite file with a fake clock, fresh for each test.

import { afterEach, beforeEach } from "vitest";
import { ApiError } from "../../../gateway/platform/http/envelope";
import { readKeyUpdate, readNewKey } from "../../../gateway/keys/key-commands";
import { guildParams } from "../../../gateway/keys/key-schemas";
import { startKeys, type Keys, type KeysOptions } from "../../../gateway/keys/keys";
import { readPart } from "../../../gateway/platform/http/fields";
import type { ChangedBy, KeyStore } from "../../../gateway/keys/key-store";
import { SqliteKeyStore } from "../../../gateway/keys/sqlite-key-store";
import { openSqliteGatewayDatabase, type SqliteGatewayDatabase } from "../../../gateway/platform/db/gateway-database";
import { countingStore, fakeClock, tempDir } from "./fixtures";

export const ACTOR: ChangedBy = { actor: { type: "admin_token" }, address: "127.0.0.1" };
export const OPERATOR: ChangedBy = { actor: { type: "operator", id: "111111111111111111", name: "Ada" }, address: "198.51.100.7" };

let dir: ReturnType<typeof tempDir>;
export let clock: ReturnType<typeof fakeClock>;
export let sqlite: SqliteKeyStore;
/** The connection `sqlite` writes through: closing it is the gateway stopping. */
export let database: SqliteGatewayDatabase;
export let spy: ReturnType<typeof countingStore>;
export let keys: Keys;
const opened: { close(): Promise<void> }[] = [];

export async function openService(store: KeyStore, options: Partial<KeysOptions> = {}): Promise<Keys> {
	// A long flush interval: these tests flush explicitly, the timer must not do it behind their back.
	const service = await startKeys({ store, clock: clock.now, flushIntervalMs: 3_600_000, ...options });
	opened.push(service);
	return service;
}

/** A connection of its own to the test's database file, as another process would open it. */
function openDatabase(): SqliteGatewayDatabase {
	const opening = openSqliteGatewayDatabase(dir.path);
	opened.push(opening);
	return opening;
}

export function openStore(): SqliteKeyStore {
	return new SqliteKeyStore(openDatabase().sqlite);
}

/** As the create route does: the body read into a command, then run by the key admin. */
export async function createKey(service: Keys, guildId: string, body: unknown, by: ChangedBy = ACTOR) {
	return service.admin.create(readPart(guildParams, { guildId }).guildId, readNewKey(body), by);
}

/** As the update route does. */
export async function updateKey(service: Keys, guildId: string, keyId: string, body: unknown, by: ChangedBy = ACTOR) {
	return service.admin.update(guildId, keyId, readKeyUpdate(body), by);
}

/** The ApiError a promise rejects with, to assert status, code and message together. */
export async function apiError(promise: Promise<unknown>): Promise<ApiError> {
	const err = await promise.then(
		() => undefined,
		(reason: unknown) => reason,
	);
	if (!(err instanceof ApiError)) throw new Error(`expected an ApiError, got ${String(err)}`);
	return err;
}

// Registered by importing this module: every test of the importing suite starts from an empty store.
beforeEach(async () => {
	dir = tempDir();
	clock = fakeClock();
	database = openDatabase();
	sqlite = new SqliteKeyStore(database.sqlite);
	spy = countingStore(sqlite);
	keys = await openService(spy.store);
});

afterEach(async () => {
	// Services first (their close flushes into the stores), then the stores.
	for (const handle of opened.splice(0).reverse()) await handle.close();
	dir.remove();
});
