// test/gateway/platform/db/test-databases.ts
// Gateway databases for the store suites: a temporary SQLite directory or a private PostgreSQL schema, opened as often as a test asks.

import { gatewayStores, type GatewayStores } from "../../../../gateway/backends";
import {
	openPostgresGatewayDatabase,
	openSqliteGatewayDatabase,
	type GatewayDatabase,
} from "../../../../gateway/platform/db/gateway-database";
import { tempDir } from "../../keys/fixtures";
import { createTestSchema } from "./test-schema";

export type TestDialect = GatewayDatabase["dialect"];

/** What a store suite's harness gives each test. */
export interface StoreHarness<S> {
	/** A store on new, empty storage. */
	store: S;
	/** Closes the database `store` writes through, as a stopping gateway does. */
	closeStore(): Promise<void>;
	/** A store on another connection to the same storage, as a second gateway instance would open it. */
	openAnother(): Promise<S>;
	/** Closes every database still open and removes the storage. */
	destroy(): Promise<void>;
}

/** One storage of `dialect`; each `open` is a connection (or pool) of its own, as another process would make. */
export async function testStorage(dialect: TestDialect, label: string): Promise<{ open(): Promise<GatewayDatabase>; destroy(): Promise<void> }> {
	const opened: GatewayDatabase[] = [];
	const remember = (database: GatewayDatabase) => {
		opened.push(database);
		return database;
	};
	const closeAll = async () => {
		for (const database of opened.splice(0)) await database.close();
	};
	if (dialect === "sqlite") {
		const dir = tempDir();
		return {
			open: async () => remember(openSqliteGatewayDatabase(dir.path)),
			async destroy() {
				await closeAll();
				dir.remove();
			},
		};
	}
	const schema = await createTestSchema(label);
	return {
		open: async () => remember(await openPostgresGatewayDatabase({ connectionString: schema.url, log: () => {} })),
		async destroy() {
			await closeAll();
			await schema.drop();
		},
	};
}

/** A harness for the store `pick` chooses among the gateway database's stores. */
export async function storeHarness<S>(
	dialect: TestDialect,
	label: string,
	pick: (stores: GatewayStores) => S,
	clock: () => number = Date.now,
): Promise<StoreHarness<S>> {
	const storage = await testStorage(dialect, label);
	const first = await storage.open();
	return {
		store: pick(gatewayStores(first, clock)),
		closeStore: () => first.close(),
		openAnother: async () => pick(gatewayStores(await storage.open(), clock)),
		destroy: () => storage.destroy(),
	};
}
