// test/gateway/keys/postgres-key-store.test.ts
// Runs the KeyStore contract suite against PostgreSQL (a fresh schema per test), plus what only it has.

import { readdir } from "node:fs/promises";
import { expect, it } from "vitest";
import type { KeyStore } from "../../../gateway/keys/key-store";
import { PostgresKeyStore } from "../../../gateway/keys/postgres-key-store";
import { MIGRATIONS_DIR } from "../../../gateway/platform/db/postgres-database";
import { createTestSchema } from "../platform/db/test-schema";
import { describeKeyStore } from "./key-store.suite";

const quiet = () => {};

describeKeyStore("PostgreSQL", async () => {
	const schema = await createTestSchema("keys");
	const open = () => PostgresKeyStore.open({ connectionString: schema.url, log: quiet });
	const handles: KeyStore[] = [await open()];
	return {
		store: handles[0],
		async openAnother() {
			const store = await open();
			handles.push(store);
			return store;
		},
		async destroy() {
			for (const store of handles) await store.close();
			await schema.drop();
		},
	};
});

it("instances opening an empty schema at once migrate it once and share one checksum secret", async () => {
	const schema = await createTestSchema("keys_race");
	try {
		const stores = await Promise.all(
			Array.from({ length: 4 }, () => PostgresKeyStore.open({ connectionString: schema.url, log: quiet })),
		);
		const secrets = await Promise.all(stores.map((store) => store.checksumSecret()));
		expect(new Set(secrets).size).toBe(1);
		const { rows } = await schema.admin.query(`SELECT name FROM ${schema.name}.technified_migrations ORDER BY id`);
		const migrations = (await readdir(MIGRATIONS_DIR)).filter((name) => name.endsWith(".sql")).sort();
		expect(rows.map((row: { name: string }) => `${row.name}.sql`)).toEqual(migrations);
		for (const store of stores) await store.close();
	} finally {
		await schema.drop();
	}
});

it("ping fails once the store is closed", async () => {
	const schema = await createTestSchema("keys_closed");
	try {
		const store = await PostgresKeyStore.open({ connectionString: schema.url, log: quiet });
		await store.close();
		await expect(store.ping()).rejects.toThrow();
		await expect(store.close()).resolves.toBeUndefined();
	} finally {
		await schema.drop();
	}
});
