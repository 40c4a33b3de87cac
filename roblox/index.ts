// roblox/index.ts
// The module's entry (compiles to init.luau): Technified.start(options) wires the parts together and
// starts the join guard; the returned client answers getBanStatus/getMuteStatus, moderates from the game
// (ban, unban, mute, unmute) and stops the guard. Technified.client() reaches the running client however
// it was started, and Technified.onModeration hears every change, for admin-system integrations.

import { Players, RunService, TextChatService } from "@rbxts/services";
import { ActionReporter } from "./actions";
import { BanApi, RobloxHttpTransport } from "./api-client";
import { Backoff } from "./backoff";
import { BanCache } from "./ban-cache";
import { BanLookup } from "./ban-lookup";
import { BanStatus, MuteStatus } from "./ban-status";
import { ChangeFeed, ChangeListener } from "./changes";
import { CircuitBreaker } from "./circuit-breaker";
import { robloxClock } from "./clock";
import { Diagnostics } from "./diagnostics";
import { JoinGuard } from "./join-guard";
import { LiveUpdates } from "./live-updates";
import { BanOptions, checkUserId, LiftOptions, Moderation, MuteOptions } from "./moderation";
import { MuteEnforcer } from "./mute-enforcer";
import { resolveOptions, StartOptions } from "./options";
import { placementProblem } from "./placement";
import { RequestBudget } from "./request-budget";
import { ServerCommands } from "./server-commands";

export type { BanStatus, MuteStatus } from "./ban-status";
export type { StartOptions, FailMode } from "./options";
export type { ModerationAction, ActionSource } from "./actions";
export type { ModerationChange, ChangeListener } from "./changes";
export type { BanOptions, MuteOptions, LiftOptions } from "./moderation";

/** Consecutive failures that open the circuit, and its cool-down growing from 15 s to 2 minutes. */
const CIRCUIT_FAILURES = 5;
const CIRCUIT_FIRST_COOLDOWN = 15;
const CIRCUIT_MAX_COOLDOWN = 120;
/** Retries wait up to 1 s, 2 s, 4 s … never more than 30 s (plus any Retry-After). */
const RETRY_BASE_DELAY = 1;
const RETRY_MAX_DELAY = 30;

let running: TechnifiedClient | undefined;
/** Outlives any one client: an integration may listen before the guard starts, and across a restart. */
const changes = new ChangeFeed();

export class TechnifiedClient {
	private stopped = false;

	constructor(
		private readonly lookup: BanLookup,
		private readonly guard: JoinGuard,
		private readonly moderation: Moderation,
		private readonly mutes: MuteEnforcer | undefined,
		private readonly live: LiveUpdates | undefined,
		private readonly commands: ServerCommands | undefined,
	) {}

	/** Yields until the status is known. Errors when no answer can be had: never a silent "not banned". */
	getBanStatus(userId: number): BanStatus {
		checkUserId("getBanStatus", userId);
		const result = this.lookup.statusOf(userId).await();
		if (result.kind === "unavailable") error(`[Technified] ban status unavailable: ${result.reason}`, 2);
		return result.status.ban;
	}

	/** Yields; with mutes enforced it shares the ban lookups (and their cache), otherwise it asks the API. */
	getMuteStatus(userId: number): MuteStatus {
		checkUserId("getMuteStatus", userId);
		if (this.mutes !== undefined) {
			const result = this.lookup.statusOf(userId).await();
			if (result.kind === "known" && result.status.mute !== undefined) return result.status.mute;
		}
		return this.moderation.askMuteStatus(userId);
	}

	/** Yields; bans through the API and kicks the player from this server at once. */
	ban(userId: number, options: BanOptions): BanStatus {
		return this.moderation.ban(userId, options);
	}

	unban(userId: number, options: LiftOptions) {
		this.moderation.unban(userId, options);
	}

	/** Yields; mutes through the API and silences the player in this server at once. */
	mute(userId: number, options: MuteOptions): MuteStatus {
		return this.moderation.mute(userId, options);
	}

	unmute(userId: number, options: LiftOptions) {
		this.moderation.unmute(userId, options);
	}

	/** Stops the guard: no more checks, kicks, mutes or requests; muted players can chat again. Safe to call twice. */
	stop() {
		if (this.stopped) return;
		this.stopped = true;
		this.live?.stop();
		this.commands?.stop();
		this.guard.stop();
		this.lookup.stop("the client was stopped");
		if (running === this) running = undefined;
	}
}

export function start(options: StartOptions): TechnifiedClient {
	if (RunService.IsClient()) error("[Technified] start: runs on the server only (from a Script, never a LocalScript)", 2);
	const misplaced = placementProblem(script, "the Technified module");
	if (misplaced !== undefined) error(`[Technified] start: refused: ${misplaced}`, 2);
	if (running !== undefined) {
		error("[Technified] start: already running in this server: reach it with Technified.client() (or set Config.autoStart = false)", 2);
	}
	const resolved = resolveOptions(options);
	const clock = robloxClock;
	const diagnostics = new Diagnostics();
	const actions = new ActionReporter(resolved.onAction, changes);
	const placeId = game.PlaceId > 0 ? game.PlaceId : undefined;
	const jobId = game.JobId !== "" ? game.JobId : undefined;
	const universeId = game.GameId > 0 ? game.GameId : undefined;
	const api = new BanApi(
		new RobloxHttpTransport(),
		resolved.baseUrl,
		resolved.guildId,
		resolved.apiKey,
		{ placeId, includeMutes: resolved.enforceMutes },
		() => ({ job_id: jobId, place_id: placeId, universe_id: universeId, players: Players.GetPlayers().size() }),
	);
	const cache = new BanCache(resolved.cacheSize, {
		banned: resolved.bannedCacheSeconds,
		clear: resolved.clearCacheSeconds,
	});
	const budget = new RequestBudget(resolved.requestsPerMinute, clock.now());
	const lookup = new BanLookup({
		api,
		cache,
		budget,
		circuit: new CircuitBreaker(CIRCUIT_FAILURES, CIRCUIT_FIRST_COOLDOWN, CIRCUIT_MAX_COOLDOWN),
		backoff: new Backoff(RETRY_BASE_DELAY, RETRY_MAX_DELAY),
		clock,
		diagnostics,
		batchWindow: resolved.batchWindow,
	});
	const mutes = resolved.enforceMutes ? new MuteEnforcer(TextChatService, clock, diagnostics, actions) : undefined;
	const guard = new JoinGuard(Players, lookup, clock, resolved, diagnostics, actions, mutes);
	const moderation = new Moderation(
		api,
		budget,
		cache,
		clock,
		{
			banned: (userId, status) => {
				actions.changed({ kind: "ban", userId, reason: status.reason, expiresAt: status.expiresAt, source: "api" });
				guard.banned(userId, status, "api");
			},
			unbanned: (userId) => actions.changed({ kind: "unban", userId, source: "api" }),
			muted: (userId, status) => {
				if (Players.GetPlayerByUserId(userId) !== undefined) mutes?.mute(userId, status, "api");
			},
			unmuted: (userId) => mutes?.unmute(userId, "api"),
		},
		{ placeId, jobId },
	);
	const backoff = new Backoff(RETRY_BASE_DELAY, RETRY_MAX_DELAY);
	const inServer = (userId: number) => Players.GetPlayerByUserId(userId) !== undefined;
	const commands = resolved.liveUpdates ? new ServerCommands({ api, budget, backoff, clock, jobId }) : undefined;
	const live = resolved.liveUpdates
		? new LiveUpdates({
				api,
				budget,
				backoff,
				clock,
				diagnostics,
				placeId,
				guildId: resolved.guildId,
				effects: {
					banned: (userId, status) => {
						cache.amend(userId, (previous) => ({ ban: status, mute: previous?.mute }), clock.now(), clock.unixNow());
						actions.changed({ kind: "ban", userId, reason: status.reason, expiresAt: status.expiresAt, source: "live" });
						guard.banned(userId, status, "live");
					},
					unbanned: (userId) => {
						cache.forget(userId);
						actions.changed({ kind: "unban", userId, source: "live" });
					},
					muted: (userId, status) => {
						cache.amend(userId, (previous) => ({ ban: previous?.ban ?? { banned: false }, mute: status }), clock.now(), clock.unixNow());
						if (inServer(userId)) mutes?.mute(userId, status, "live");
					},
					unmuted: (userId) => {
						cache.amend(userId, (previous) => ({ ban: previous?.ban ?? { banned: false }, mute: { muted: false } }), clock.now(), clock.unixNow());
						mutes?.unmute(userId, "live");
					},
					reset: () => guard.recheckEveryone(),
					health: (healthy) => guard.useRecheckInterval(healthy ? resolved.liveRecheckInterval : resolved.recheckInterval),
					command: (command) => commands?.receive(command),
				},
			})
		: undefined;
	const client = new TechnifiedClient(lookup, guard, moderation, mutes, live, commands);
	running = client;
	guard.start();
	live?.start();
	return client;
}

/** The running client, however it was started (the drop-in Config or start from code), or nil. */
export function client(): TechnifiedClient | undefined {
	return running;
}

/**
 * Hears every ban, unban, mute and unmute this server makes or learns of (from any running client, now
 * or later); returns the function that stops listening.
 */
export function onModeration(listener: ChangeListener): () => void {
	return changes.subscribe(listener);
}
