// gateway/platform/db/postgres-database.ts
// One PostgreSQL connection pool for a database: its migrations at open, timeouts, and outages as JSON 503s.

import pg from "pg";
import { ApiError } from "../http/envelope";
import { migratePostgres, type MigrationSet } from "./migrations";

export interface PostgresOptions {
	/**
	 * `postgres://…` (DATABASE_URL). The tables live in the connection's current schema: `public` unless
	 * the URL sets another, e.g. `?options=-c%20search_path%3Dtechnified` (the schema must exist).
	 */
	connectionString: string;
	/** Names the pool's connections in `pg_stat_activity`; a URL `application_name` wins. */
	applicationName?: string;
	/**
	 * Longest wait (ms) for a connection, from the pool or a new one, before a 503. Default 3000: short,
	 * so a dead database answers well before the gateway's 10 s upstream timeout turns it into a 504.
	 */
	connectTimeoutMs?: number;
	/**
	 * Longest a query may take (ms), enforced by the server (statement_timeout) and, for a connection
	 * that went silent, by the client. Default 5000; the ban-status lookup takes well under 1 ms.
	 */
	queryTimeoutMs?: number;
	/** Connections kept at most. Default 10. */
	maxConnections?: number;
	/** Reports applied migrations and connections that failed while idle. Default: console. */
	log?: (message: string) => void;
}

// BIGINT (20) and COUNT (also int8) come back as numbers: every int8 this project stores is a unix
// time, a Roblox id or a row id, all below 2^53. A pool-level parser leaves other pg users untouched.
const INT8_OID = 20;
const types = {
	getTypeParser: ((oid: number, format?: "text" | "binary") =>
		oid === INT8_OID ? (value: string) => Number(value) : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
};

/** SQLSTATEs meaning the server went away or refused us, not that the query was wrong. */
const UNAVAILABLE_STATES = new Set(["57P01", "57P02", "57P03", "53300", "57014"]);
/** Socket errors of a connection that cannot be made or was cut. */
const SOCKET_ERRORS = new Set(["ECONNREFUSED", "ECONNRESET", "ETIMEDOUT", "EPIPE", "EHOSTUNREACH", "ENETUNREACH", "ENOTFOUND", "EAI_AGAIN"]);
/** pg's and pg-pool's own messages for a lost, timed-out or unusable connection. */
const LOST_CONNECTION = /^(Connection terminated|timeout exceeded when trying to connect|Query read timeout|Client has encountered a connection error|timeout expired)/;

/** True when `err` says the database cannot be reached now, as opposed to a bug or a constraint. */
export function isDatabaseUnavailable(err: unknown): boolean {
	if (!(err instanceof Error)) return false;
	const code = (err as { code?: unknown }).code;
	if (typeof code === "string" && (code.startsWith("08") || UNAVAILABLE_STATES.has(code) || SOCKET_ERRORS.has(code))) return true;
	return LOST_CONNECTION.test(err.message);
}

/** The answer while PostgreSQL is down; it names no host, user or password. */
export const databaseUnavailable = () => new ApiError(503, "service_unavailable", "The database is unavailable; try again shortly");

function translate(err: unknown): unknown {
	return isDatabaseUnavailable(err) ? databaseUnavailable() : err;
}

/** What a transaction's work runs its statements through. */
export interface Queryable {
	rows<R>(text: string, values?: readonly unknown[]): Promise<R[]>;
}

/**
 * A pool plus the database's schema. Broken connections are dropped by the pool and replaced on the next
 * query, so the store recovers by itself when the database comes back; until then every call rejects
 * with a 503 `ApiError`.
 */
export class PostgresDatabase implements Queryable {
	private closed = false;

	private constructor(
		private readonly pool: pg.Pool,
		/** The schema the tables were migrated into (the connection's current schema). */
		readonly schema: string,
	) {}

	/** Connects, finds the schema and applies the set's pending migrations (waiting for another instance doing so). */
	static async open(options: PostgresOptions, migrations: MigrationSet): Promise<PostgresDatabase> {
		const log = options.log ?? ((message: string) => console.log(message));
		const queryTimeoutMs = options.queryTimeoutMs ?? 5_000;
		const pool = new pg.Pool({
			connectionString: options.connectionString,
			application_name: options.applicationName ?? "technified-gateway",
			connectionTimeoutMillis: options.connectTimeoutMs ?? 3_000,
			statement_timeout: queryTimeoutMs,
			// The client-side limit catches a connection that stopped answering altogether (no RST ever comes).
			query_timeout: queryTimeoutMs + 1_000,
			keepAlive: true,
			max: options.maxConnections ?? 10,
			types,
		});
		// An idle connection the server closed (restart, pg_terminate_backend) is reported here and
		// dropped by the pool; without a listener the process would exit on it.
		pool.on("error", (err) => log(`PostgreSQL connection lost while idle: ${err.message}`));
		try {
			const [{ schema }] = (await pool.query<{ schema: string | null }>("SELECT current_schema() AS schema")).rows;
			if (schema === null) throw new Error("DATABASE_URL: no schema of the search_path exists; create it first");
			const applied = await migratePostgres(pool, schema, migrations);
			if (applied.length > 0) log(`PostgreSQL: applied ${migrations.label} migrations ${applied.join(", ")} in schema ${schema}`);
			return new PostgresDatabase(pool, schema);
		} catch (err) {
			await pool.end();
			throw err;
		}
	}

	async rows<R>(text: string, values?: readonly unknown[]): Promise<R[]> {
		try {
			return (await this.pool.query(text, values as unknown[] | undefined)).rows as R[];
		} catch (err) {
			throw translate(err);
		}
	}

	/** Runs `work` in one transaction on one connection: committed when it resolves, rolled back otherwise. */
	async transaction<T>(work: (tx: Queryable) => Promise<T>): Promise<T> {
		let client: pg.PoolClient;
		try {
			client = await this.pool.connect();
		} catch (err) {
			throw translate(err);
		}
		// The pool listens for errors only on idle clients: a connection lost while checked out would
		// otherwise be an uncaught 'error' event (a crash). The statement in flight rejects on its own.
		const ignoreLostConnection = () => {};
		client.on("error", ignoreLostConnection);
		const release = (err?: Error) => {
			client.removeListener("error", ignoreLostConnection);
			client.release(err);
		};
		const tx: Queryable = {
			rows: async <R>(text: string, values?: readonly unknown[]) =>
				(await client.query(text, values as unknown[] | undefined)).rows as R[],
		};
		try {
			await client.query("BEGIN");
			const result = await work(tx);
			await client.query("COMMIT");
			release();
			return result;
		} catch (err) {
			// A connection that failed mid-transaction is destroyed rather than returned to the pool.
			if (isDatabaseUnavailable(err)) release(err as Error);
			else {
				await client.query("ROLLBACK").then(
					() => release(),
					(rollbackErr: Error) => release(rollbackErr),
				);
			}
			throw translate(err);
		}
	}

	async ping(): Promise<void> {
		await this.rows("SELECT 1");
	}

	/** Idempotent. */
	async close(): Promise<void> {
		if (this.closed) return;
		this.closed = true;
		await this.pool.end();
	}
}
