// roblox/join-guard.ts
// Checks every player who joins (and those already in the server), kicks banned ones, mutes muted ones,
// applies failMode when no answer comes in time, and keeps every player's answer younger than one
// re-check interval. Studio test players (user id 0 and below) are let be: the API knows no such user.

import { ActionReporter, ActionSource } from "./actions";
import { BanLookup, LookupResult } from "./ban-lookup";
import { BanStatus, isActiveBan, PlayerStatus } from "./ban-status";
import { Clock } from "./clock";
import { Diagnostics } from "./diagnostics";
import { FailMode } from "./options";
import { KickMessage, renderKickMessage } from "./kick-message";
import { MuteEnforcer } from "./mute-enforcer";

export interface GuardPolicy {
	failMode: FailMode;
	/** Seconds a joining player may wait for an answer before failMode applies. */
	decisionDeadline: number;
	/** No player in the server goes longer than this (seconds) without a fresh answer. */
	recheckInterval: number;
	kickMessage: KickMessage;
	unavailableMessage: string;
}

/**
 * The re-check loop wakes five times per interval and asks for players whose answer is 0.78 of an
 * interval old, so none exceeds one interval. Join batches take those past 0.7 along for free: on a busy
 * server the re-check then needs almost no requests of its own, and ids (the key's quota) stay near one
 * per player per interval.
 */
const TICKS_PER_INTERVAL = 5;
const TICK_AGE = 0.78;
const FILL_AGE = 0.7;

/** The `reason` onAction hears for a failMode "closed" kick. */
const NO_ANSWER = "no ban status could be had in time (failMode closed)";

export class JoinGuard {
	private connections = new Array<RBXScriptConnection>();
	private recheckLoop?: thread;
	private running = false;
	/** When each player in the server last got a fresh answer (monotonic seconds). */
	private readonly checkedAt = new Map<number, number>();
	private readonly kicked = new Set<Player>();
	/** The re-check interval in force: the policy's, or the slower safety net while live updates work. */
	private interval: number;

	constructor(
		private readonly players: Players,
		private readonly lookup: BanLookup,
		private readonly clock: Clock,
		private readonly policy: GuardPolicy,
		private readonly diagnostics: Diagnostics,
		private readonly actions: ActionReporter,
		/** Absent when the game turned enforceMutes off. */
		private readonly mutes?: MuteEnforcer,
	) {
		this.interval = policy.recheckInterval;
	}

	start() {
		this.running = true;
		this.mutes?.start();
		this.lookup.onAnswer((userId, status) => this.heard(userId, status));
		this.lookup.fillBatchesWith((room) => this.dueForRecheck(room, FILL_AGE));
		this.connections.push(this.players.PlayerAdded.Connect((player) => this.admit(player)));
		this.connections.push(
			this.players.PlayerRemoving.Connect((player) => {
				this.checkedAt.delete(player.UserId);
				this.kicked.delete(player);
				this.mutes?.forget(player.UserId);
			}),
		);
		// Players who joined before the guard started (a slow require, a late start call) are checked too.
		for (const player of this.players.GetPlayers()) this.admit(player);
		this.startRecheckLoop();
	}

	stop() {
		this.running = false;
		for (const connection of this.connections) connection.Disconnect();
		this.connections = [];
		this.stopRecheckLoop();
		this.mutes?.stop();
	}

	/**
	 * Sets how often players are re-checked (live updates healthy: a slow safety net; failing: the normal
	 * interval). A sleeping loop is restarted so a shorter interval applies at once.
	 */
	useRecheckInterval(seconds: number) {
		if (seconds === this.interval) return;
		this.interval = seconds;
		if (!this.running) return;
		this.stopRecheckLoop();
		this.startRecheckLoop();
	}

	/** Everyone in the server is asked again (the live position was lost: anything may have changed). */
	recheckEveryone() {
		if (this.running) this.lookup.refresh(this.dueForRecheck(math.huge, 0));
	}

	/** A ban this server learnt of (its own client:ban, or a live change): the player goes at once. */
	banned(userId: number, status: BanStatus, source: ActionSource) {
		const player = this.players.GetPlayerByUserId(userId);
		if (player !== undefined) this.kickIfBanned(player, status, source);
	}

	private startRecheckLoop() {
		this.recheckLoop = task.spawn(() => {
			while (this.running) {
				task.wait(this.interval / TICKS_PER_INTERVAL);
				this.lookup.refresh(this.dueForRecheck(math.huge, TICK_AGE));
			}
		});
	}

	private stopRecheckLoop() {
		if (this.recheckLoop !== undefined && coroutine.status(this.recheckLoop) === "suspended") {
			task.cancel(this.recheckLoop);
		}
		this.recheckLoop = undefined;
	}

	private inServer(player: Player) {
		return this.running && player.Parent === this.players && !this.kicked.has(player);
	}

	private kick(player: Player, message: string, source: ActionSource, reason?: string) {
		if (!this.inServer(player)) return;
		this.kicked.add(player);
		player.Kick(message);
		this.actions.report({ kind: "kick", userId: player.UserId, reason, source });
	}

	private admit(player: Player) {
		if (player.UserId <= 0) {
			this.diagnostics.noticeOnce(
				"studio_players",
				"Studio test players (user id 0 and below) are not checked: the API knows no such users.",
			);
			return;
		}
		const lookup = this.lookup.statusOf(player.UserId);
		let decided = false;
		let deadline: thread | undefined;
		if (this.policy.failMode === "closed" && !lookup.isSettled()) {
			deadline = task.delay(this.policy.decisionDeadline, () => {
				deadline = undefined;
				if (decided) return;
				decided = true;
				this.kick(player, this.policy.unavailableMessage, "join", NO_ANSWER);
			});
		}
		lookup.onSettled((result: LookupResult) => {
			if (deadline !== undefined) task.cancel(deadline);
			if (decided) return;
			decided = true;
			if (result.kind === "unavailable") {
				// failMode "open" lets the player in; with no answer on record the re-check asks again soon.
				if (this.policy.failMode === "closed") this.kick(player, this.policy.unavailableMessage, "join", NO_ANSWER);
				return;
			}
			if (result.answeredAt !== undefined && this.inServer(player)) this.checkedAt.set(player.UserId, result.answeredAt);
			this.act(player, result.status, "join");
		});
	}

	/** Every fresh answer from the API, whoever asked for it. */
	private heard(userId: number, status: PlayerStatus) {
		const player = this.players.GetPlayerByUserId(userId);
		if (player === undefined || !this.inServer(player)) return;
		this.checkedAt.set(userId, this.clock.now());
		this.act(player, status, "recheck");
	}

	private act(player: Player, status: PlayerStatus, source: ActionSource) {
		this.kickIfBanned(player, status.ban, source);
		if (this.inServer(player)) this.mutes?.apply(player.UserId, status.mute, source);
	}

	/** Players whose answer is older than `age` intervals (never-answered first), oldest first. */
	private dueForRecheck(room: number, age: number): number[] {
		const now = this.clock.now();
		const threshold = this.interval * age;
		const due = new Array<[number, number]>();
		for (const player of this.players.GetPlayers()) {
			if (!this.inServer(player) || player.UserId <= 0) continue;
			const checkedAt = this.checkedAt.get(player.UserId) ?? -math.huge;
			if (now - checkedAt >= threshold) due.push([checkedAt, player.UserId]);
		}
		due.sort((a, b) => a[0] < b[0]);
		const userIds = new Array<number>();
		for (const [, userId] of due) {
			if (userIds.size() >= room) break;
			userIds.push(userId);
		}
		return userIds;
	}

	private kickIfBanned(player: Player, status: BanStatus, source: ActionSource) {
		const unixNow = this.clock.unixNow();
		if (!isActiveBan(status, unixNow) || !this.inServer(player)) return;
		// Bans from the game's own calls and live changes are told where they are learnt (index.ts).
		if (source === "join" || source === "recheck") {
			this.actions.changed({ kind: "ban", userId: player.UserId, reason: status.reason, expiresAt: status.expiresAt, source });
		}
		this.kick(player, renderKickMessage(this.policy.kickMessage, status, unixNow), source, status.reason);
	}
}
