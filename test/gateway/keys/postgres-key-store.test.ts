// test/gateway/keys/postgres-key-store.test.ts
// Runs the KeyStore contract suite against PostgreSQL (a fresh schema per test), plus what only it has.

import { expect, it } from "vitest";
import { PostgresKeyStore } from "../../../gateway/keys/postgres-key-store";
import { GATEWAY_MIGRATIONS, openPostgresGatewayDatabase } from "../../../gateway/platform/db/gateway-database";
import { readMigrations } from "../../../gateway/platform/db/migrations";
import { storeHarness } from "../platform/db/test-databases";
import { createTestSchema } from "../platform/db/test-schema";
import { describeKeyStore } from "./key-store.suite";

const quiet = () => {};

describeKeyStore("PostgreSQL", () => storeHarness("postgres", "keys", (stores) => stores.keys));

it("instances opening an empty schema at once migrate it once and share one checksum secret", async () => {
	const schema = await createTestSchema("keys_race");
	try {
		const databases = await Promise.all(
			Array.from({ length: 4 }, () => openPostgresGatewayDatabase({ connectionString: schema.url, log: quiet })),
		);
		const secrets = await Promise.all(databases.map((database) => new PostgresKeyStore(database.postgres).checksumSecret()));
		expect(new Set(secrets).size).toBe(1);
		const { rows } = await schema.admin.query(`SELECT name FROM ${schema.name}.gateway_migrations ORDER BY id`);
		expect(rows.map((row: { name: string }) => row.name)).toEqual(readMigrations(GATEWAY_MIGRATIONS, "postgres").map((migration) => migration.name));
		for (const database of databases) await database.close();
	} finally {
		await schema.drop();
	}
});

it("ping fails once the database is closed", async () => {
	const schema = await createTestSchema("keys_closed");
	try {
		const database = await openPostgresGatewayDatabase({ connectionString: schema.url, log: quiet });
		await expect(database.ping()).resolves.toBeUndefined();
		await database.close();
		await expect(database.ping()).rejects.toThrow();
		await expect(database.close()).resolves.toBeUndefined();
	} finally {
		await schema.drop();
	}
});
