// gateway/platform/db/gateway-database.ts
// The one owner of the gateway's shared database (keys, audit, outbox, operators): opened once, migrated once, handed to every store of it.

import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import Database from "better-sqlite3";
import { migrateSqlite, type MigrationSet } from "./migrations";
import { PostgresDatabase, type PostgresOptions } from "./postgres-database";

/** File name of the SQLite database inside the data directory (named after its first tenant, the keys). */
export const GATEWAY_DATABASE_FILE = "keys.sqlite";

/** Columns version 1 and 2 added to their tables by hand at open, by the table they belong to. */
const HAND_ADDED_COLUMNS: Readonly<Record<string, readonly string[]>> = {
	keys: ["hold", "created_by_id", "created_by_name", "description", "rate_limits", "last_used_ip"],
	key_audit: ["address"],
};

/**
 * Brings the tables of a file from before numbered migrations to the layout 0001 creates: the
 * columns v1 lacked, and key_audit's key_id made nullable (member events concern no key), which
 * SQLite allows only by rebuilding the table.
 */
function completeUnversioned(db: Database.Database): void {
	for (const [table, columns] of Object.entries(HAND_ADDED_COLUMNS)) {
		const present = db.prepare<[string], string>("SELECT name FROM pragma_table_info(?)").pluck().all(table);
		if (present.length === 0) continue;
		for (const column of columns) if (!present.includes(column)) db.exec(`ALTER TABLE ${table} ADD COLUMN ${column} TEXT`);
	}
	const keyId = db.prepare<[], { notnull: number }>("SELECT \"notnull\" FROM pragma_table_info('key_audit') WHERE name = 'key_id'").get();
	if (keyId?.notnull === 1) {
		db.exec(`
			ALTER TABLE key_audit RENAME TO key_audit_v1;
			DROP INDEX IF EXISTS key_audit_by_guild;
			CREATE TABLE key_audit (
				id       INTEGER PRIMARY KEY AUTOINCREMENT,
				guild_id TEXT NOT NULL,
				key_id   TEXT,
				event    TEXT NOT NULL,
				actor    TEXT NOT NULL,
				address  TEXT,
				at       INTEGER NOT NULL,
				details  TEXT NOT NULL
			);
			INSERT INTO key_audit (id, guild_id, key_id, event, actor, address, at, details)
				SELECT id, guild_id, key_id, event, actor, address, at, details FROM key_audit_v1;
			DROP TABLE key_audit_v1;
		`);
	}
}

/** The gateway database's migrations (this module's `migrations/` in the sources, `dist/gateway/migrations` in the bundle). */
export const GATEWAY_MIGRATIONS: MigrationSet = {
	label: "gateway database",
	table: "gateway_migrations",
	dir: fileURLToPath(new URL("./migrations", import.meta.url)),
	completeUnversionedSqlite: completeUnversioned,
	// Version 2's numbers, when its one sequence also held the moderation store's 0002–0004.
	nodePgMigrateNames: { 1: "0001_key-store", 2: "0005_operators", 3: "0006_console", 4: "0007_outbox" },
};

/**
 * The database every store of keys, audit, outbox and operators is made from. Stores never open or
 * close it: the gateway opens it once at start and closes it last.
 */
export type GatewayDatabase =
	| { dialect: "sqlite"; sqlite: Database.Database; ping(): Promise<void>; close(): Promise<void> }
	| { dialect: "postgres"; postgres: PostgresDatabase; ping(): Promise<void>; close(): Promise<void> };

export type SqliteGatewayDatabase = Extract<GatewayDatabase, { dialect: "sqlite" }>;
export type PostgresGatewayDatabase = Extract<GatewayDatabase, { dialect: "postgres" }>;

/** Opens (creating when absent) `keys.sqlite` under `directory` and applies pending migrations. */
export function openSqliteGatewayDatabase(directory: string): SqliteGatewayDatabase {
	mkdirSync(directory, { recursive: true });
	const sqlite = new Database(join(directory, GATEWAY_DATABASE_FILE));
	try {
		// Other processes (a second gateway, a test's workers) may hold the file's lock: wait, do not fail.
		sqlite.pragma("busy_timeout = 5000");
		sqlite.pragma("journal_mode = WAL");
		sqlite.pragma("foreign_keys = ON");
		migrateSqlite(sqlite, GATEWAY_MIGRATIONS);
	} catch (err) {
		sqlite.close();
		throw err;
	}
	return {
		dialect: "sqlite",
		sqlite,
		async ping() {
			sqlite.prepare("SELECT 1").get();
		},
		async close() {
			if (sqlite.open) sqlite.close();
		},
	};
}

/** Connects one pool to DATABASE_URL and applies pending migrations. */
export async function openPostgresGatewayDatabase(options: PostgresOptions): Promise<PostgresGatewayDatabase> {
	// One pool serves what the key, operator and outbox stores used to spread over three of ten each.
	const postgres = await PostgresDatabase.open({ maxConnections: 20, ...options }, GATEWAY_MIGRATIONS);
	return { dialect: "postgres", postgres, ping: () => postgres.ping(), close: () => postgres.close() };
}

/** PostgreSQL when DATABASE_URL is set (shared by every instance), else SQLite under DATA_DIR. */
export function openGatewayDatabase(place: { databaseUrl?: string; dataDir: string }, log?: (message: string) => void): Promise<GatewayDatabase> {
	return place.databaseUrl !== undefined
		? openPostgresGatewayDatabase({ connectionString: place.databaseUrl, log })
		: Promise.resolve(openSqliteGatewayDatabase(place.dataDir));
}
