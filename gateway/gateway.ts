// gateway/gateway.ts
// Starts a whole gateway from a Config: stores, embedded data store, caches, limits, HTTP listener.

import { randomBytes } from "node:crypto";
import { mkdir } from "node:fs/promises";
import type { AddressInfo } from "node:net";
import type { Logger } from "pino";
import type { PushNotice } from "../shared/records";
import { resolveAdminToken } from "./operators/admin-token";
import { gatewayStores, openChangeBus, openDatabase, openPresenceStore, openRateLimits } from "./backends";
import { openModerationStore } from "./data-store/open-moderation-store";
import { createGatewayApp } from "./app";
import { BanStatusCache } from "./moderation/ban-status-cache";
import type { Config } from "./config";
import { DataStoreWorker } from "./data-store/data-store-worker";
import { startDataStore } from "./data-store/server";
import { GatewayMetrics, dataStoreReadiness, type ReadinessCheck } from "./health/health";
import { applyChangesFirst } from "./changes/apply-changes-first";
import { startKeys, type Keys } from "./keys/keys";
import { createEdgeServer } from "./platform/http/edge";
import { fanOutChanges } from "./changes/change-fan-out";
import { EventHub } from "./events/event-hub";
import { PostgresWakeups } from "./changes/postgres-wakeups";
import { createLogger, redactingSecrets } from "./platform/logging/logger";
import { startOutbound, type OutboundTiming } from "./outbound/outbound";
import type { PushDirectory } from "./outbound/experiences/push-directory";
import { createForwarder } from "./moderation/forward";
import { DataStoreClient } from "./moderation/data-store-client";
import { SecretBox } from "./platform/secrets/secret-box";
import { DiscordClient } from "./operators/discord-client";
import { OperatorService } from "./operators/operator-service";
import { startRobloxUsers } from "./roblox-users/roblox-users";
import { ImportService } from "./moderation/import-service";
import { OutboundHttp } from "./platform/http/outbound-http";
import { discordCommands } from "./discord/discord-commands";
import { Presence } from "./servers/presence";
import { ServerCommands } from "./servers/server-commands";
import { actorLabel } from "./moderation/console-routes";

export interface StartOptions {
	/** Unix ms; tests move it to reach expiry. */
	clock?: () => number;
	/** Where every line goes; by default a logger made from LOG_LEVEL and LOG_FORMAT, on standard output. */
	logger?: Logger;
	/** Milliseconds to wait for the data store before a 504 (default 10 s). */
	upstreamTimeoutMs?: number;
	/** Milliseconds `close()` lets requests in flight finish before it drops their connections (default 5 s). */
	shutdownGraceMs?: number;
	/**
	 * Runs the embedded data store on the gateway's own event loop instead of a worker thread of its
	 * own (`npm run bench` measures both); without DATA_STORE_URL only.
	 */
	inlineDataStore?: boolean;
	/** Shorter retry and scan intervals of the outbox, for tests. */
	outbound?: OutboundTiming;
	/** Whether a guild's universe is pushed through Roblox (docs/fleets.md); by default the linked experiences whose push works (tests may fake it). */
	pushFor?: (guildId: string, universeId: number) => PushNotice | undefined;
}

export interface RunningGateway {
	url: string;
	port: number;
	adminToken: string;
	/** True when this start generated the admin token (it is printed once). */
	adminTokenGenerated: boolean;
	keys: Keys;
	/** Operators' sessions, guild re-reads, members and suspensions. */
	operators: OperatorService;
	logger: Logger;
	/** The embedded data store's worker thread, when it runs on one. */
	dataStoreWorker?: DataStoreWorker;
	/** `data.push` of the events route: `{"topic":"Technified"}` for a guild's universe pushed through Roblox. */
	pushFor: PushDirectory["pushFor"];
	/** Stops accepting requests, then flushes pending key usage and closes every store. */
	close(): Promise<void>;
}

/**
 * What has been opened, closed in reverse order. Every part is closed even when one fails, so a
 * failed flush cannot leave the database or Redis connections open; the first error is rethrown.
 */
class OpenParts {
	private readonly closers: (() => unknown)[] = [];

	add<T>(part: T, close: (part: T) => unknown): T {
		this.closers.push(() => close(part));
		return part;
	}

	async closeAll(): Promise<void> {
		let failure: unknown;
		for (const close of this.closers.splice(0).reverse()) {
			try {
				await close();
			} catch (err) {
				failure ??= err;
			}
		}
		if (failure !== undefined) throw failure;
	}
}

/** True for the wildcard addresses: every interface, so loopback is the one address sure to reach it here. */
export function listensEverywhere(host: string): boolean {
	return host === "0.0.0.0" || host === "::";
}

export async function startGateway(config: Config, options: StartOptions = {}): Promise<RunningGateway> {
	const logger = options.logger ?? createLogger(config.log);
	// The parts' notices (a database or Redis lost and back, a stale token file) are worth an operator's look.
	const log = (message: string) => logger.warn(message);
	const clock = options.clock ?? Date.now;
	await mkdir(config.dataDir, { recursive: true });
	const admin = await resolveAdminToken(config.adminToken, config.dataDir);
	if (admin.overriddenFile !== undefined) {
		log(
			`ADMIN_TOKEN is set and differs from the token kept in ${admin.overriddenFile}: the set one is used. ` +
				"That file is stale: the keys CLI reads it when its own ADMIN_TOKEN is unset, so set ADMIN_TOKEN there too, or delete the file",
		);
	}
	const parts = new OpenParts();
	try {
		return await startParts(
			config,
			options,
			{
				// From here on, the admin token typed into a URL by mistake is cleaned from the log as keys are.
				logger: redactingSecrets(logger, [admin.token]),
				log,
				clock,
				adminToken: admin.token,
				adminTokenGenerated: admin.generated,
				secrets: await SecretBox.open(config.secretsKey, config.dataDir),
			},
			parts,
		);
	} catch (err) {
		// A failed start (port taken, Redis refused, …) must not leave stores and sockets open.
		await parts.closeAll().catch(() => undefined);
		throw err;
	}
}

async function startParts(
	config: Config,
	options: StartOptions,
	context: {
		logger: Logger;
		log: (message: string) => void;
		clock: () => number;
		adminToken: string;
		adminTokenGenerated: boolean;
		/** Seals the third-party secrets the stores keep (Discord tokens, webhook secrets, Open Cloud keys). */
		secrets: SecretBox;
	},
	parts: OpenParts,
): Promise<RunningGateway> {
	const { logger, log, clock } = context;
	const logFailure = (message: string, err: unknown) => logger.error({ err }, message);
	if (config.databaseUrl !== undefined && config.redisUrl === undefined) {
		log(
			"DATABASE_URL is set without REDIS_URL: if several instances run, each learns of a revoke or ban made " +
				"elsewhere only when its caches expire (keys 30 s, ban status BAN_CACHE_TTL_SECONDS); set REDIS_URL",
		);
	}
	// Closed last: every store below writes through it.
	const database = parts.add(await openDatabase(config, log), (opened) => opened.close());
	const stores = gatewayStores(database, clock);
	// Live servers (docs/fleets.md): who is live, from polls, streams and heartbeats, shared by every instance.
	const presenceStore = parts.add(await openPresenceStore(config, database, log), (store) => store.close());
	const presence = new Presence({ store: presenceStore, clock, log: (message, err) => logger.warn({ err }, message) });
	const keys = parts.add(await startKeys({ store: stores.keys, clock, log: logFailure }), (opened) => opened.close());

	// The embedded data store gets a fresh internal token each start: only this process knows it.
	const internalToken = config.dataStoreToken ?? randomBytes(32).toString("base64url");
	let dataStoreUrl = config.dataStoreUrl;
	let dataStoreWorker: DataStoreWorker | undefined;
	if (dataStoreUrl === undefined && options.inlineDataStore === true) {
		const store = await openModerationStore(config, clock);
		const embedded = parts.add(await startDataStore({ store, internalToken, clock, log: logFailure }), (running) => running.close());
		dataStoreUrl = embedded.url;
	} else if (dataStoreUrl === undefined) {
		const { databaseUrl, dataDir } = config;
		dataStoreWorker = parts.add(
			await DataStoreWorker.start({ databaseUrl, dataDir, internalToken, clock, log: logFailure }),
			(running) => running.close(),
		);
		dataStoreUrl = dataStoreWorker.url;
	}

	// Forwarding, change-log reads and ban counts; closed after everything that reads through it.
	const dataStore = parts.add(
		new DataStoreClient({ target: dataStoreUrl, internalToken, timeoutMs: options.upstreamTimeoutMs }),
		(client) => client.close(),
	);

	const bus = parts.add(await openChangeBus(config, log), (opened) => opened.close());
	const limits = parts.add(await openRateLimits(config, log), (opened) => opened.close());
	const banCache = new BanStatusCache({ ttlSeconds: config.banCacheTtlSeconds, clock });
	const events = new EventHub(dataStore.changes, { clock, logger });
	// Webhooks and Open Cloud mirrors, in the key store's database (docs/api.md, "Webhooks and Roblox's own bans").
	const outbound = parts.add(
		startOutbound(config, {
			stores: stores.outbox,
			feed: dataStore.changes,
			secrets: context.secrets,
			clock,
			logger,
			timing: options.outbound,
			// Roblox's publish rate grows with the universe's players (50 + 5 × players a minute).
			playersInUniverse: (guildId, universeId) => presence.playersInUniverse(guildId, Number(universeId)),
		}),
		(running) => running.close(),
	);
	const pushFor = options.pushFor ?? ((guildId: string, universeId: number) => outbound.push.pushFor(guildId, String(universeId)));
	const changes = fanOutChanges(bus, { keys: keys.verifier, banCache, events, outbox: outbound }, { pushHeadStartMs: options.outbound?.pushHeadStartMs });
	keys.admin.onChange((change) => changes.announce({ kind: "key", keyId: change.keyId }));
	// Without Redis, instances sharing the embedded store's PostgreSQL hear each other's changes from it.
	if (config.databaseUrl !== undefined && config.redisUrl === undefined && config.dataStoreUrl === undefined) {
		const wakeups = PostgresWakeups.start(config.databaseUrl, (guildId) => changes.apply({ kind: "log", guildId }), log);
		parts.add(wakeups, (listening) => listening.close());
	}

	const names = parts.add(
		startRobloxUsers(config, { store: stores.robloxUsers, clock, log: (message, err) => logger.warn({ err }, message) }),
		(running) => running.close(),
	);
	// Imports read remote lists through the outbound policy, like webhooks; a restart reports the jobs it cut short.
	// Destroyed, not drained, at shutdown: a remote list may keep a read waiting for minutes.
	const importHttp = parts.add(new OutboundHttp({ allowLoopback: config.outboundAllowLoopback }, 30_000), (http) => http.destroy());
	const imports = parts.add(
		new ImportService({
			store: stores.imports,
			dataStore,
			experiences: stores.outbox.experiences,
			secrets: context.secrets,
			http: importHttp,
			technifiedUrl: config.technifiedApiUrl,
			openCloudUrl: config.openCloudUrl,
			announceChange: changes.announce,
			clock,
			log: logFailure,
		}),
		(service) => service.close(),
	);
	await imports.reportInterrupted();

	// Commands to live servers ride the change log (docs/fleets.md).
	const serverCommands = new ServerCommands({
		store: stores.commands,
		presence,
		changeLog: dataStore,
		announce: changes.announce,
		audit: (guildId, details, by) => keys.admin.recordEvent(guildId, "server_command_sent", details, by),
		label: (by) => actorLabel(by.actor),
		clock,
	});

	const forwarder = createForwarder(dataStore);
	const discord = config.discord === undefined ? undefined : new DiscordClient(config.discord, clock);
	const operators = new OperatorService({ store: stores.operators, keys: keys.admin, discord, secrets: context.secrets, clock, log: logFailure });
	parts.add(operators, (service) => service.stop());
	operators.start();
	const discordParts = discordCommands(config.discordCommands, {
		forwarder,
		banCache,
		announceChange: changes.announce,
		robloxUsers: names.robloxUsers,
		keys: keys.admin,
		publicUrl: config.publicUrl,
		claims: stores.interactionClaims,
		operators: stores.operators,
		clock,
	});
	const readiness: ReadinessCheck[] = [
		{ name: "key_store", check: () => database.ping() },
		dataStoreReadiness(dataStoreUrl),
	];
	const app = createGatewayApp({
		config,
		keys,
		adminToken: context.adminToken,
		authThrottle: limits.authThrottle,
		quotas: limits.quotas,
		forwarder,
		banCache,
		announceChange: changes.announce,
		outbound: outbound.admin,
		robloxUsers: names.robloxUsers,
		imports: { imports },
		discord: discordParts,
		events,
		presence,
		pushFor,
		servers: { presence, commands: serverCommands, pushFor },
		readiness,
		metrics: new GatewayMetrics(),
		logger,
		operators: {
			operators,
			keys: keys.admin,
			throttle: limits.authThrottle,
			address: { publicUrl: config.publicUrl },
			banCount: (guildId) => dataStore.activeBanCount(guildId),
		},
	});

	// With a shared bus, each API request first applies changes other instances made (contract: a
	// revocation or ban takes effect on the very next request, on every instance).
	const catchUp = bus.catchUp?.bind(bus);
	const server = createEdgeServer(catchUp === undefined ? app : applyChangesFirst(catchUp, app), config.edge, logger);
	// Longer than common load balancers' idle timeouts, so they close idle sockets first.
	server.keepAliveTimeout = 65_000;
	await new Promise<void>((resolve, reject) => {
		server.once("error", reject);
		server.listen(config.port, config.host, () => resolve());
	});
	// Closed first: no new requests while the stores behind it close. A connection still open after
	// the grace (a request stuck in flight, or one a client opened and never used, which Node does not
	// count as idle) is dropped, so stopping always ends.
	parts.add(server, (listening) =>
		new Promise<void>((resolve) => {
			const drop = setTimeout(() => listening.closeAllConnections(), options.shutdownGraceMs ?? 5_000);
			listening.close(() => {
				clearTimeout(drop);
				resolve();
			});
			listening.closeIdleConnections();
		}),
	);
	// Before the listener: open streams and long polls end (told to reconnect elsewhere), so the
	// listener's close does not wait on them.
	parts.add(events, (hub) => hub.close());
	const port = (server.address() as AddressInfo).port;
	const shownHost = listensEverywhere(config.host) ? "127.0.0.1" : config.host;

	return {
		url: `http://${shownHost.includes(":") ? `[${shownHost}]` : shownHost}:${port}`,
		port,
		adminToken: context.adminToken,
		adminTokenGenerated: context.adminTokenGenerated,
		keys,
		operators,
		logger,
		dataStoreWorker,
		pushFor: outbound.push.pushFor,
		close: () => parts.closeAll(),
	};
}
