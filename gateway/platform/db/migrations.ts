// gateway/platform/db/migrations.ts
// One migration runner for SQLite and PostgreSQL: numbered SQL files side by side per dialect, applied once each, recorded in a table.

import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type Database from "better-sqlite3";
import type pg from "pg";

export type Dialect = "sqlite" | "postgres";

/** One `NNNN_name.sql` file: run whole, in one transaction with the others pending. */
export interface Migration {
	id: number;
	name: string;
	sql: string;
}

/**
 * The migrations of one database: `<dir>/sqlite/NNNN_name.sql` and `<dir>/postgres/NNNN_name.sql`
 * (each change written once per dialect, as Kong keeps each backend's DDL side by side).
 */
export interface MigrationSet {
	/** Names the database in messages, e.g. "gateway database". */
	label: string;
	/** The table, in the database itself, recording the migrations applied (`id`, `name`, `applied_at` ms). */
	table: string;
	/**
	 * Holds `sqlite/` and `postgres/`. Resolve it from the module declaring the set with a path that
	 * also holds in the bundle, where tools/build-gateway.ts copies it beside main.js.
	 */
	dir: string;
	/**
	 * A SQLite file from before numbered migrations (no `table` in it) may hold tables that lack
	 * columns later code added by hand; this adds them, so the set's first migrations (written with
	 * IF NOT EXISTS) can run on such a file as on an empty one.
	 */
	completeUnversionedSqlite?: (db: Database.Database) => void;
	/**
	 * Version 2 ran the PostgreSQL migrations with node-pg-migrate, every database's in one sequence
	 * recorded in `technified_migrations`. A schema without `table` that has that one counts the
	 * migrations listed here (our id → its name there) as applied.
	 */
	nodePgMigrateNames?: Readonly<Record<number, string>>;
}

const NODE_PG_MIGRATE_TABLE = "technified_migrations";
/** Migrations and the wait for another instance's may take longer than the pool's query timeouts allow. */
const MIGRATION_TIMEOUT_MS = 3_600_000;
const FILE_NAME = /^(\d{4})_[a-z0-9-]+\.sql$/;

/** The set's migrations for `dialect`, in order; numbered 1, 2, 3 … without gaps. */
export function readMigrations(set: MigrationSet, dialect: Dialect): Migration[] {
	const dir = join(set.dir, dialect);
	return readdirSync(dir)
		.filter((file) => file.endsWith(".sql"))
		.sort()
		.map((file, index): Migration => {
			const match = FILE_NAME.exec(file);
			if (match === null || Number(match[1]) !== index + 1) throw new Error(`${set.label}: migration ${file} is out of sequence (expected ${index + 1})`);
			return { id: index + 1, name: file.slice(0, -".sql".length), sql: readFileSync(join(dir, file), "utf8") };
		});
}

function refuseNewer(set: MigrationSet, applied: readonly number[], migrations: readonly Migration[]): void {
	const newest = Math.max(0, ...applied);
	if (newest > migrations.length) {
		throw new Error(`${set.label} schema ${newest} is newer than this program (${migrations.length}); run the newer version`);
	}
}

/**
 * Applies the pending migrations in one IMMEDIATE transaction (a second process opening the file at
 * once waits, then finds them applied). Call with foreign keys and WAL already set. Returns the names applied.
 */
export function migrateSqlite(db: Database.Database, set: MigrationSet, now: () => number = Date.now): string[] {
	const migrations = readMigrations(set, "sqlite");
	return db
		.transaction((): string[] => {
			const versioned = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?").get(set.table) !== undefined;
			if (!versioned) {
				set.completeUnversionedSqlite?.(db);
				db.exec(`CREATE TABLE ${set.table} (id INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)`);
			}
			const applied = db.prepare<[], number>(`SELECT id FROM ${set.table}`).pluck().all();
			refuseNewer(set, applied, migrations);
			const record = db.prepare(`INSERT INTO ${set.table} (id, name, applied_at) VALUES (?, ?, ?)`);
			const pending = migrations.filter((migration) => !applied.includes(migration.id));
			for (const migration of pending) {
				db.exec(migration.sql);
				record.run(migration.id, migration.name, now());
			}
			return pending.map((migration) => migration.name);
		})
		.immediate();
}

/**
 * Applies the pending migrations in one transaction on one connection of `pool`, in the connection's
 * current schema. An advisory lock named after the schema and set makes instances starting together
 * take turns: the second finds everything applied. Returns the names applied.
 */
export async function migratePostgres(pool: pg.Pool, schema: string, set: MigrationSet, now: () => number = Date.now): Promise<string[]> {
	const migrations = readMigrations(set, "postgres");
	const client = await pool.connect();
	// pg reads `query_timeout` from a query's config too, though its types do not list it.
	const unhurried = (text: string, values?: unknown[]) => client.query({ text, values, query_timeout: MIGRATION_TIMEOUT_MS } as pg.QueryConfig);
	const record = (migration: Migration) =>
		client.query(`INSERT INTO ${set.table} (id, name, applied_at) VALUES ($1, $2, $3)`, [migration.id, migration.name, now()]);
	try {
		await client.query("BEGIN");
		await client.query("SET LOCAL statement_timeout = 0");
		await unhurried("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))", [`technified.migrations:${schema}:${set.table}`]);
		const exists = async (table: string) =>
			(await client.query<{ found: string | null }>("SELECT to_regclass(format('%I.%I', $1::text, $2::text)) AS found", [schema, table])).rows[0]
				.found !== null;
		if (!(await exists(set.table))) {
			await client.query(`CREATE TABLE ${set.table} (id INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)`);
			if (set.nodePgMigrateNames !== undefined && (await exists(NODE_PG_MIGRATE_TABLE))) {
				const ran = new Set((await client.query<{ name: string }>(`SELECT name FROM ${NODE_PG_MIGRATE_TABLE}`)).rows.map((row) => row.name));
				for (const migration of migrations) {
					if (ran.has(set.nodePgMigrateNames[migration.id] ?? "")) await record(migration);
				}
			}
		}
		const applied = (await client.query<{ id: number }>(`SELECT id FROM ${set.table}`)).rows.map((row) => row.id);
		refuseNewer(set, applied, migrations);
		const pending = migrations.filter((migration) => !applied.includes(migration.id));
		for (const migration of pending) {
			await unhurried(migration.sql);
			await record(migration);
		}
		await client.query("COMMIT");
		client.release();
		return pending.map((migration) => migration.name);
	} catch (err) {
		await client.query("ROLLBACK").catch(() => {});
		// Destroyed rather than pooled: the connection may be the reason it failed.
		client.release(err instanceof Error ? err : true);
		throw err;
	}
}
