// test/gateway/platform/db/tcp-relay.ts
// A loopback TCP relay in front of PostgreSQL that a test can cut, black-hole and restore.

import net from "node:net";
import type { AddressInfo } from "node:net";

export type RelayMode = "open" | "cut" | "black-hole";

export interface TcpRelay {
	port: number;
	/** open: forwards; cut: resets every connection, old and new; black-hole: accepts, never answers. */
	set(mode: RelayMode): void;
	/** Local ports of the relay's connections to the target (`client_port` in pg_stat_activity). */
	upstreamPorts(): number[];
	close(): Promise<void>;
}

export async function startTcpRelay(target: { host: string; port: number }): Promise<TcpRelay> {
	let mode: RelayMode = "open";
	const pairs = new Set<{ client: net.Socket; upstream: net.Socket }>();
	const held = new Set<net.Socket>();

	const server = net.createServer((client) => {
		client.on("error", () => {});
		if (mode === "cut") return client.resetAndDestroy();
		if (mode === "black-hole") {
			held.add(client);
			return;
		}
		const upstream = net.connect(target.port, target.host);
		upstream.on("error", () => client.destroy());
		const pair = { client, upstream };
		pairs.add(pair);
		client.on("close", () => {
			upstream.destroy();
			pairs.delete(pair);
		});
		upstream.on("close", () => client.destroy());
		client.pipe(upstream);
		upstream.pipe(client);
	});
	await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));

	return {
		port: (server.address() as AddressInfo).port,
		set(next) {
			mode = next;
			for (const pair of pairs) {
				if (next === "cut") {
					pair.client.resetAndDestroy();
					pair.upstream.destroy();
				} else if (next === "black-hole") {
					// Bytes stop flowing both ways, as on a partitioned network: no FIN, no RST.
					pair.client.unpipe(pair.upstream);
					pair.upstream.unpipe(pair.client);
					pair.client.pause();
					pair.upstream.pause();
				}
			}
			if (next === "open") {
				// A healed partition: connections that went silent are given up, as their clients already did.
				for (const pair of pairs) if (pair.client.isPaused()) pair.client.destroy();
				for (const socket of held) socket.destroy();
				held.clear();
			}
		},
		upstreamPorts: () => [...pairs].map((pair) => pair.upstream.localPort).filter((port) => port !== undefined),
		async close() {
			for (const pair of pairs) pair.client.destroy();
			for (const socket of held) socket.destroy();
			await new Promise<void>((resolve) => server.close(() => resolve()));
		},
	};
}
