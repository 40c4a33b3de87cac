// gateway/platform/db/store-place.ts
// Names where the stores live in the one start-up failure line, never with DATABASE_URL's password.

/** What decides where the stores live (the data store's worker has only this of the config). */
export interface StorePlace {
	databaseUrl: string | undefined;
	dataDir: string;
}

/** Where the stores live, for an operator: host, port and database of DATABASE_URL (never its password). */
function storePlace(config: StorePlace): string {
	if (config.databaseUrl === undefined) return `SQLite in ${config.dataDir} (DATA_DIR)`;
	const url = new URL(config.databaseUrl);
	const host = url.hostname || url.searchParams.get("host") || "localhost";
	const database = decodeURIComponent(url.pathname.slice(1)) || "(the user's)";
	return `PostgreSQL at ${host}:${url.port || 5432}, database ${database} (DATABASE_URL)`;
}

/** A store that cannot be opened at start-up is named in the one failure line, with the driver's reason. */
export async function opened<T>(config: StorePlace, opening: () => T | Promise<T>): Promise<T> {
	try {
		return await opening();
	} catch (err) {
		throw new Error(`${storePlace(config)} cannot be used: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
	}
}
