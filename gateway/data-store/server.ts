// gateway/data-store/server.ts
// Runs the embedded data store (SQLite under the data directory) on a loopback port beside the gateway.

import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { createDataStoreApp } from "./app";
import type { Clock, ModerationStore } from "./moderation-store";
import { SqliteModerationStore } from "./sqlite-moderation-store";

export interface DataStoreOptions {
	/** Directory for the SQLite file (the gateway's DATA_DIR); used when no `store` is given. */
	dataDir?: string;
	/** An already open store (e.g. PostgreSQL); the data store closes it on `close()`. */
	store?: ModerationStore;
	/** Secret the gateway's proxy sends in `x-technified-internal-token`. */
	internalToken: string;
	/** Loopback by default: only the gateway on this machine should reach the store. */
	host?: string;
	/** 0 picks a free port; read the chosen one from `url`. */
	port?: number;
	/** Milliseconds since the epoch; decides ban times and expiry. Default `Date.now`. */
	clock?: Clock;
	log?: (message: string, err: unknown) => void;
}

export interface RunningDataStore {
	/** Base URL to forward to, e.g. `http://127.0.0.1:41873` (no trailing slash). */
	url: string;
	/** Stops accepting connections, lets requests in flight finish, then closes the database. */
	close(): Promise<void>;
}

/**
 * @example
 * const dataStore = await startDataStore({ dataDir: config.dataDir, internalToken });
 * // forward to dataStore.url; on shutdown:
 * await dataStore.close();
 */
export async function startDataStore({
	dataDir,
	store: given,
	internalToken,
	host = "127.0.0.1",
	port = 0,
	clock,
	log,
}: DataStoreOptions): Promise<RunningDataStore> {
	const store = given ?? (dataDir === undefined ? undefined : SqliteModerationStore.open({ dataDir, clock }));
	if (store === undefined) throw new Error("startDataStore needs a store or a dataDir");
	let server: Server;
	try {
		server = createServer(createDataStoreApp({ store, internalToken, clock, log }));
		// The gateway keeps sockets to the store alive; closing them later than any sane client agent's
		// idle timeout avoids the race where the store closes a socket the proxy is just reusing (a 502).
		server.keepAliveTimeout = 65_000;
		server.headersTimeout = 66_000;
		await listen(server, port, host);
	} catch (error) {
		await store.close();
		throw error;
	}
	const address = server.address() as AddressInfo;
	const urlHost = address.family === "IPv6" ? `[${address.address}]` : address.address;
	return {
		url: `http://${urlHost}:${address.port}`,
		close: async () => {
			await new Promise<void>((resolve, reject) => {
				server.close((error) => (error ? reject(error) : resolve()));
				server.closeIdleConnections();
			});
			await store.close();
		},
	};
}

function listen(server: Server, port: number, host: string): Promise<void> {
	return new Promise((resolve, reject) => {
		server.once("error", reject);
		server.listen(port, host, () => {
			server.off("error", reject);
			resolve();
		});
	});
}
