// test/gateway/platform/redis/redis-fixtures.ts
// The shared test Redis: a reachability check that fails loudly, a key prefix per suite, and a TCP relay to cut.

import { randomBytes } from "node:crypto";
import net from "node:net";
import type { AddressInfo } from "node:net";
import { Redis } from "ioredis";

export const REDIS_HOST = "127.0.0.1";
export const REDIS_PORT = 6379;

const START_REDIS =
	'redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no --dir /var/lib/redis --logfile /var/log/redis/ci.log';

/** Fails the suite (never skips it) when the shared Redis is not running, saying how to start it. */
export async function requireRedis(): Promise<void> {
	const probe = new Redis({ host: REDIS_HOST, port: REDIS_PORT, lazyConnect: true, connectTimeout: 1_000, maxRetriesPerRequest: 0, retryStrategy: () => null });
	try {
		await probe.connect();
		await probe.ping();
	} catch (err) {
		throw new Error(
			`Redis is not reachable on ${REDIS_HOST}:${REDIS_PORT} (${err instanceof Error ? err.message : String(err)}). Start it with: ${START_REDIS}`,
		);
	} finally {
		probe.disconnect();
	}
}

/** A prefix no other suite (or run) uses: the Redis server is shared. */
export const uniquePrefix = (suite: string) => `test-${suite}-${randomBytes(6).toString("hex")}`;

export const redisUrl = (prefix: string, port = REDIS_PORT) => `redis://${REDIS_HOST}:${port}/0?prefix=${prefix}`;

/** Deletes every key under the prefix (quota counters expire by themselves; the change log would not). */
export async function deletePrefix(prefix: string, server = `redis://${REDIS_HOST}:${REDIS_PORT}`): Promise<void> {
	const redis = new Redis(server, { maxRetriesPerRequest: 0 });
	try {
		let cursor = "0";
		do {
			const [next, keys] = await redis.scan(cursor, "MATCH", `${prefix}:*`, "COUNT", 1000);
			if (keys.length > 0) await redis.del(...keys);
			cursor = next;
		} while (cursor !== "0");
	} finally {
		redis.disconnect();
	}
}

/**
 * A loopback TCP relay in front of the shared Redis. `cut` drops every connection and stops listening
 * (to a gateway, Redis is gone); `restore` listens on the same port again. The shared server itself is
 * never stopped: other suites use it. With `delayMs`, every chunk takes that long each way: a slow link.
 */
export interface RedisRelay {
	port: number;
	cut(): Promise<void>;
	restore(): Promise<void>;
	/** Keeps every connection open but forwards nothing, as a paused Redis would. */
	freeze(): void;
	thaw(): void;
	close(): Promise<void>;
}

export async function startRedisRelay(options: { delayMs?: number } = {}): Promise<RedisRelay> {
	const sockets = new Set<net.Socket>();
	let frozen = false;
	/** Forwards each chunk after `delayMs`: timers of equal delay fire in order, so the stream stays intact. */
	const forward = (from: net.Socket, to: net.Socket) => {
		from.on("data", (chunk: Buffer) => {
			if (frozen) return;
			if (options.delayMs === undefined) to.write(chunk);
			else setTimeout(() => to.writable && to.write(chunk), options.delayMs);
		});
	};
	const server = net.createServer((client) => {
		const upstream = net.connect(REDIS_PORT, REDIS_HOST);
		for (const socket of [client, upstream]) {
			sockets.add(socket);
			socket.on("close", () => {
				sockets.delete(socket);
				client.destroy();
				upstream.destroy();
			});
			socket.on("error", () => {
				client.destroy();
				upstream.destroy();
			});
		}
		forward(client, upstream);
		forward(upstream, client);
	});
	const listen = (port: number) => new Promise<void>((resolve, reject) => {
		server.once("error", reject);
		server.listen(port, REDIS_HOST, () => {
			server.off("error", reject);
			resolve();
		});
	});
	await listen(0);
	const port = (server.address() as AddressInfo).port;
	const cut = async () => {
		if (!server.listening) return;
		const closed = new Promise<void>((resolve) => server.close(() => resolve()));
		for (const socket of sockets) socket.destroy();
		await closed;
	};
	return {
		port,
		cut,
		restore: async () => {
			if (!server.listening) await listen(port);
		},
		freeze: () => {
			frozen = true;
		},
		thaw: () => {
			frozen = false;
		},
		close: cut,
	};
}
