// gateway/data-store/moderation-schema.ts
// The moderation store's migrations: its own database (moderation.sqlite, or its tables in PostgreSQL), run by the shared runner.

import { fileURLToPath } from "node:url";
import type Database from "better-sqlite3";
import type { MigrationSet } from "../platform/db/migrations";

/** Who acted from the dashboard: added by hand at open before numbered migrations (issue 15). */
const ACTOR_COLUMNS = ["moderator_actor", "lifted_by_actor"] as const;

export const MODERATION_MIGRATIONS: MigrationSet = {
	label: "moderation database",
	table: "moderation_migrations",
	// Beside this module in the sources; dist/gateway/moderation-migrations beside the bundle.
	dir: fileURLToPath(new URL("./moderation-migrations", import.meta.url)),
	completeUnversionedSqlite(db: Database.Database) {
		const present = db.prepare<[], string>("SELECT name FROM pragma_table_info('moderation_records')").pluck().all();
		if (present.length === 0) return;
		for (const column of ACTOR_COLUMNS) if (!present.includes(column)) db.exec(`ALTER TABLE moderation_records ADD COLUMN ${column} TEXT`);
	},
	// Version 2's numbers, when its one sequence also held the key store's migrations.
	nodePgMigrateNames: { 1: "0002_moderation-store", 2: "0003_list-order-index", 3: "0004_change-log", 4: "0006_console" },
};
