// test/gateway/platform/db/test-schema.ts
// A private schema in the shared test database for one suite, so parallel runs never see each other.

import { randomBytes } from "node:crypto";
import pg from "pg";

/** The shared development and CI server (trust auth); TEST_DATABASE_URL points elsewhere. */
export const TEST_DATABASE_URL = process.env.TEST_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/test";

const HOW_TO_START =
	"Start it with: pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start " +
	"(or set TEST_DATABASE_URL to a server where database 'test' exists)";

export interface TestSchema {
	name: string;
	/** A connection string whose search_path is this schema, as an operator would give DATABASE_URL. */
	url: string;
	/** `url` sent to 127.0.0.1:`port` instead, e.g. through a relay. */
	urlVia(port: number): string;
	/** Runs SQL as the suite's administrator (outside the schema's search_path). */
	admin: pg.Client;
	/** Drops the schema with everything in it and disconnects. */
	drop(): Promise<void>;
}

/** Creates `test_<label>_<random>`; fails (never skips) with how to start PostgreSQL when it is down. */
export async function createTestSchema(label: string): Promise<TestSchema> {
	const admin = new pg.Client({ connectionString: TEST_DATABASE_URL, connectionTimeoutMillis: 5_000 });
	try {
		await admin.connect();
	} catch (err) {
		throw new Error(`PostgreSQL is not reachable for the PostgreSQL suites (${(err as Error).message}). ${HOW_TO_START}`);
	}
	const name = `test_${label}_${randomBytes(4).toString("hex")}`;
	await admin.query(`CREATE SCHEMA ${name}`);
	const withSearchPath = (port?: number) => {
		const url = new URL(TEST_DATABASE_URL);
		if (port !== undefined) {
			url.hostname = "127.0.0.1";
			url.port = String(port);
		}
		url.searchParams.set("options", `-c search_path=${name}`);
		return url.toString();
	};
	return {
		name,
		url: withSearchPath(),
		urlVia: withSearchPath,
		admin,
		async drop() {
			await admin.query(`DROP SCHEMA IF EXISTS ${name} CASCADE`);
			await admin.end();
		},
	};
}
