// test/gateway/keys/sqlite-key-store.test.ts
// Runs the KeyStore contract suite against the SQLite store, plus what only a file on disk can show.

import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import Database from "better-sqlite3";
import { expect, it } from "vitest";
import { SqliteKeyStore } from "../../../gateway/keys/sqlite-key-store";
import { GATEWAY_DATABASE_FILE, openSqliteGatewayDatabase } from "../../../gateway/platform/db/gateway-database";
import { storeHarness } from "../platform/db/test-databases";
import { describeKeyStore } from "./key-store.suite";
import { GUILD_A, tempDir } from "./fixtures";

describeKeyStore("SQLite", () => storeHarness("sqlite", "keys", (stores) => stores.keys));

/** A key store on its own connection to the gateway database under `dir`, and that connection's close. */
function openKeyStore(dir: string): { store: SqliteKeyStore; close(): Promise<void> } {
	const database = openSqliteGatewayDatabase(dir);
	return { store: new SqliteKeyStore(database.sqlite), close: () => database.close() };
}

it("creates its file under the given directory, in WAL mode", async () => {
	const dir = tempDir();
	const { close } = openKeyStore(join(dir.path, "nested"));
	try {
		expect(existsSync(join(dir.path, "nested", GATEWAY_DATABASE_FILE))).toBe(true);
		expect(existsSync(join(dir.path, "nested", `${GATEWAY_DATABASE_FILE}-wal`))).toBe(true);
	} finally {
		await close();
		dir.remove();
	}
});

it("never exceeds 3 keys per guild when separate processes create at once", async () => {
	const dir = tempDir();
	const worker = fileURLToPath(new URL("./create-keys.worker.ts", import.meta.url));
	try {
		// Schema and checksum secret exist before the race, as they would after the first gateway start.
		await openKeyStore(dir.path).close();
		const startAt = String(Date.now() + 3_000);
		const runs = Array.from(
			{ length: 4 },
			() =>
				new Promise<number>((resolve, reject) => {
					const child = spawn(process.execPath, ["--import", "tsx", worker, dir.path, GUILD_A, "5", startAt], {
						stdio: ["ignore", "pipe", "inherit"],
					});
					let out = "";
					child.stdout.on("data", (chunk: Buffer) => (out += chunk.toString()));
					child.on("error", reject);
					child.on("exit", (code) => (code === 0 ? resolve(Number(out.trim())) : reject(new Error(`worker exited ${code}`))));
				}),
		);
		const createdPerProcess = await Promise.all(runs);
		expect(createdPerProcess.reduce((sum, count) => sum + count, 0)).toBe(3);
		const { store, close } = openKeyStore(dir.path);
		expect(await store.listKeys(GUILD_A)).toHaveLength(3);
		await close();
	} finally {
		dir.remove();
	}
});

it("opens a v1 file: its keys gain a creator (the admin token) and no hold, its audit actors read as the admin token", async () => {
	const dir = tempDir();
	try {
		// The v1 layout of the two tables v2 extends, with one key and its event as v1 wrote them.
		const v1 = new Database(join(dir.path, GATEWAY_DATABASE_FILE));
		v1.exec(`
			CREATE TABLE keys (id TEXT PRIMARY KEY, guild_id TEXT NOT NULL, prefix TEXT NOT NULL, name TEXT,
				state TEXT NOT NULL CHECK (state IN ('active', 'disabled', 'revoked')), scopes TEXT NOT NULL,
				allowed_cidrs TEXT NOT NULL, created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL, last_used_at INTEGER,
				expires_at INTEGER, revoked_at INTEGER);
			CREATE TABLE key_audit (id INTEGER PRIMARY KEY AUTOINCREMENT, guild_id TEXT NOT NULL, key_id TEXT NOT NULL,
				event TEXT NOT NULL, actor TEXT NOT NULL, at INTEGER NOT NULL, details TEXT NOT NULL);
			INSERT INTO keys VALUES ('k1', '${GUILD_A}', 'technified_${GUILD_A}_abcdef', 'old', 'active',
				'["moderation:read"]', '[]', 1700000000, 1700000000, NULL, NULL, NULL);
			INSERT INTO key_audit (guild_id, key_id, event, actor, at, details) VALUES ('${GUILD_A}', 'k1', 'created', 'admin-api', 1700000000, '{}');
		`);
		v1.close();
		const { store, close } = openKeyStore(dir.path);
		expect(await store.getKey(GUILD_A, "k1")).toMatchObject({ name: "old", state: "active", hold: null, createdBy: null });
		expect(await store.listAudit(GUILD_A, 10)).toEqual([
			{ id: 1, key_id: "k1", event: "created", actor: { type: "admin_token" }, address: null, at: 1700000000, details: {} },
		]);
		await close();
		// Opening again finds the columns there and adds nothing.
		await openKeyStore(dir.path).close();
	} finally {
		dir.remove();
	}
});

it("opens a v1 file without the description, quota and address columns, keeps its keys and gains them", async () => {
	const dir = tempDir();
	try {
		// A keys table exactly as v1 created it, with one key.
		const v1 = new Database(join(dir.path, GATEWAY_DATABASE_FILE));
		v1.exec(`CREATE TABLE keys (
			id TEXT PRIMARY KEY, guild_id TEXT NOT NULL, prefix TEXT NOT NULL, name TEXT,
			state TEXT NOT NULL CHECK (state IN ('active', 'disabled', 'revoked')), scopes TEXT NOT NULL,
			allowed_cidrs TEXT NOT NULL, created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL,
			last_used_at INTEGER, expires_at INTEGER, revoked_at INTEGER)`);
		v1.prepare(
			`INSERT INTO keys VALUES ('k1', '${GUILD_A}', 'technified_${GUILD_A}_abc', 'old', 'active', '["moderation:read"]', '[]', 1, 1, NULL, NULL, NULL)`,
		).run();
		v1.close();
		const { store, close } = openKeyStore(dir.path);
		expect(await store.getKey(GUILD_A, "k1")).toMatchObject({ name: "old", description: null, rateLimits: null, lastUsedIp: null });
		await store.recordUsage({ lastUsedAt: new Map([["k1", 5]]), counts: [], addresses: [{ keyId: "k1", address: "192.0.2.1", count: 1, lastSeenAt: 5 }] });
		expect((await store.getKey(GUILD_A, "k1"))?.lastUsedIp).toBe("192.0.2.1");
		expect(await store.recentAddresses("k1", 5)).toEqual([{ address: "192.0.2.1", count: 1, lastSeenAt: 5 }]);
		await close();
	} finally {
		dir.remove();
	}
});
