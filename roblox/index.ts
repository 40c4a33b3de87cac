// roblox/index.ts
// The module's entry (compiles to init.luau): Technified.start(options) wires the parts together and
// starts the join guard; the returned client answers getBanStatus and stops the guard.

import { Players } from "@rbxts/services";
import { BanApi, RobloxHttpTransport } from "./api-client";
import { Backoff } from "./backoff";
import { BanCache } from "./ban-cache";
import { BanLookup } from "./ban-lookup";
import { BanStatus } from "./ban-status";
import { CircuitBreaker } from "./circuit-breaker";
import { robloxClock } from "./clock";
import { Diagnostics } from "./diagnostics";
import { JoinGuard } from "./join-guard";
import { resolveOptions, StartOptions } from "./options";
import { RequestBudget } from "./request-budget";

export type { BanStatus } from "./ban-status";
export type { StartOptions, FailMode } from "./options";

/** Consecutive failures that open the circuit, and its cool-down growing from 15 s to 2 minutes. */
const CIRCUIT_FAILURES = 5;
const CIRCUIT_FIRST_COOLDOWN = 15;
const CIRCUIT_MAX_COOLDOWN = 120;
/** Retries wait up to 1 s, 2 s, 4 s … never more than 30 s (plus any Retry-After). */
const RETRY_BASE_DELAY = 1;
const RETRY_MAX_DELAY = 30;

let running: TechnifiedClient | undefined;

export class TechnifiedClient {
	private stopped = false;

	constructor(
		private readonly lookup: BanLookup,
		private readonly guard: JoinGuard,
	) {}

	/** Yields until the status is known. Errors when no answer can be had: never a silent "not banned". */
	getBanStatus(userId: number): BanStatus {
		if (!typeIs(userId, "number") || userId <= 0 || userId % 1 !== 0) {
			error("[Technified] getBanStatus: userId must be a positive whole number", 2);
		}
		const result = this.lookup.statusOf(userId).await();
		if (result.kind === "unavailable") error(`[Technified] ban status unavailable: ${result.reason}`, 2);
		return result.status;
	}

	/** Stops the guard: no more checks, kicks or requests. Safe to call twice. */
	stop() {
		if (this.stopped) return;
		this.stopped = true;
		this.guard.stop();
		this.lookup.stop("the client was stopped");
		if (running === this) running = undefined;
	}
}

export function start(options: StartOptions): TechnifiedClient {
	if (running !== undefined) {
		error("[Technified] start: already running in this server (is Config.autoStart on as well?)", 2);
	}
	const resolved = resolveOptions(options);
	const clock = robloxClock;
	const diagnostics = new Diagnostics();
	const lookup = new BanLookup({
		api: new BanApi(new RobloxHttpTransport(), resolved.baseUrl, resolved.guildId, resolved.apiKey),
		cache: new BanCache(resolved.cacheSize, {
			banned: resolved.bannedCacheSeconds,
			clear: resolved.clearCacheSeconds,
		}),
		budget: new RequestBudget(resolved.requestsPerMinute, clock.now()),
		circuit: new CircuitBreaker(CIRCUIT_FAILURES, CIRCUIT_FIRST_COOLDOWN, CIRCUIT_MAX_COOLDOWN),
		backoff: new Backoff(RETRY_BASE_DELAY, RETRY_MAX_DELAY),
		clock,
		diagnostics,
		batchWindow: resolved.batchWindow,
	});
	const guard = new JoinGuard(Players, lookup, clock, resolved);
	const client = new TechnifiedClient(lookup, guard);
	running = client;
	guard.start();
	return client;
}
