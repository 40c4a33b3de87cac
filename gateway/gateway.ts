// gateway/gateway.ts
// Starts a whole gateway from a Config: stores, embedded data store, caches, limits, HTTP listener.

import { randomBytes } from "node:crypto";
import { mkdir } from "node:fs/promises";
import type { AddressInfo } from "node:net";
import http from "node:http";
import { resolveAdminToken } from "./admin/admin-token";
import { openChangeBus, openKeyStore, openModerationStore, openRateLimits } from "./backends";
import { createGatewayApp } from "./app";
import { BanStatusCache } from "./ban-cache/ban-status-cache";
import type { Config } from "./config";
import { startDataStore, type RunningDataStore } from "./data-store/server";
import { GatewayMetrics, dataStoreReadiness, type ReadinessCheck } from "./health/health";
import { applyChangesFirst } from "./invalidation/apply-changes-first";
import { KeyService } from "./keys/key-service";
import { createForwarder } from "./proxy/forward";

export interface StartOptions {
	/** Unix ms; tests move it to reach expiry. */
	clock?: () => number;
	log?: (message: string) => void;
	/** Milliseconds to wait for the data store before a 504 (default 10 s). */
	upstreamTimeoutMs?: number;
}

export interface RunningGateway {
	url: string;
	port: number;
	adminToken: string;
	/** True when this start generated the admin token (it is printed once). */
	adminTokenGenerated: boolean;
	keys: KeyService;
	/** Stops accepting requests, then flushes pending key usage and closes every store. */
	close(): Promise<void>;
}

export async function startGateway(config: Config, options: StartOptions = {}): Promise<RunningGateway> {
	const log = options.log ?? ((message: string) => console.log(message));
	const clock = options.clock ?? Date.now;
	await mkdir(config.dataDir, { recursive: true });
	const admin = await resolveAdminToken(config.adminToken, config.dataDir);

	const keyStore = await openKeyStore(config);
	const keys = await KeyService.create({ store: keyStore, clock });

	// The embedded data store gets a fresh internal token each start: only this process knows it.
	const internalToken = config.dataStoreToken ?? randomBytes(32).toString("base64url");
	let embedded: RunningDataStore | undefined;
	let dataStoreUrl = config.dataStoreUrl;
	if (dataStoreUrl === undefined) {
		embedded = await startDataStore({ store: await openModerationStore(config, clock), internalToken });
		dataStoreUrl = embedded.url;
	}

	const bus = await openChangeBus(config, log);
	const limits = await openRateLimits(config, log);
	const banCache = new BanStatusCache({ ttlSeconds: config.banCacheTtlSeconds, clock });
	keys.onChange((change) => bus.publish({ kind: "key", keyId: change.keyId }));
	bus.subscribe((change) => {
		if (change.kind === "key") keys.invalidate(change.keyId);
		else banCache.invalidate(change.guildId, change.userId);
	});

	const forwarder = createForwarder({ target: dataStoreUrl, internalToken, log, timeoutMs: options.upstreamTimeoutMs });
	const readiness: ReadinessCheck[] = [
		{ name: "key_store", check: () => keyStore.ping() },
		dataStoreReadiness(dataStoreUrl),
	];
	const app = createGatewayApp({
		config,
		keys,
		adminToken: admin.token,
		authThrottle: limits.authThrottle,
		quotas: limits.quotas,
		forwarder,
		banCache,
		announceBanChange: (guildId, userId) => bus.publish({ kind: "ban", guildId, userId }),
		readiness,
		metrics: new GatewayMetrics(),
		log: (message, err) => log(`${message}: ${err instanceof Error ? err.message : String(err)}`),
	});

	// With a shared bus, each API request first applies changes other instances made (contract: a
	// revocation or ban takes effect on the very next request, on every instance).
	const catchUp = bus.catchUp?.bind(bus);
	const server = http.createServer(catchUp === undefined ? app : applyChangesFirst(catchUp, app));
	// Longer than common load balancers' idle timeouts, so they close idle sockets first.
	server.keepAliveTimeout = 65_000;
	await new Promise<void>((resolve, reject) => {
		server.once("error", reject);
		server.listen(config.port, config.host, () => resolve());
	});
	const port = (server.address() as AddressInfo).port;
	const shownHost = config.host === "0.0.0.0" || config.host === "::" ? "127.0.0.1" : config.host;

	return {
		url: `http://${shownHost.includes(":") ? `[${shownHost}]` : shownHost}:${port}`,
		port,
		adminToken: admin.token,
		adminTokenGenerated: admin.generated,
		keys,
		async close() {
			await new Promise<void>((resolve) => {
				server.close(() => resolve());
				server.closeIdleConnections();
			});
			forwarder.close();
			await keys.close();
			await bus.close();
			await limits.close();
			await embedded?.close();
			await keyStore.close();
		},
	};
}
