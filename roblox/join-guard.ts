// roblox/join-guard.ts
// Checks every player who joins (and those already in the server), kicks banned ones, applies failMode
// when no answer comes in time, and re-checks everyone in the server periodically.

import { BanLookup, LookupResult } from "./ban-lookup";
import { isActiveBan } from "./ban-status";
import { Clock } from "./clock";
import { FailMode } from "./options";
import { KickMessage, renderKickMessage } from "./kick-message";

export interface GuardPolicy {
	failMode: FailMode;
	/** Seconds a joining player may wait for an answer before failMode applies. */
	decisionDeadline: number;
	/** Seconds between re-checks of everyone in the server. */
	recheckInterval: number;
	kickMessage: KickMessage;
	unavailableMessage: string;
}

export class JoinGuard {
	private connection?: RBXScriptConnection;
	private recheckLoop?: thread;
	private running = false;

	constructor(
		private readonly players: Players,
		private readonly lookup: BanLookup,
		private readonly clock: Clock,
		private readonly policy: GuardPolicy,
	) {}

	start() {
		this.running = true;
		this.connection = this.players.PlayerAdded.Connect((player) => this.admit(player));
		// Players who joined before the guard started (a slow require, a late start call) are checked too.
		for (const player of this.players.GetPlayers()) this.admit(player);
		this.recheckLoop = task.spawn(() => {
			while (this.running) {
				task.wait(this.policy.recheckInterval);
				this.recheckEveryone();
			}
		});
	}

	stop() {
		this.running = false;
		this.connection?.Disconnect();
		this.connection = undefined;
		if (this.recheckLoop !== undefined && coroutine.status(this.recheckLoop) === "suspended") {
			task.cancel(this.recheckLoop);
		}
		this.recheckLoop = undefined;
	}

	private inServer(player: Player) {
		return this.running && player.Parent === this.players;
	}

	private admit(player: Player) {
		const lookup = this.lookup.statusOf(player.UserId);
		let decided = false;
		let deadline: thread | undefined;
		if (this.policy.failMode === "closed" && !lookup.isSettled()) {
			deadline = task.delay(this.policy.decisionDeadline, () => {
				deadline = undefined;
				if (decided || !this.inServer(player)) return;
				decided = true;
				player.Kick(this.policy.unavailableMessage);
			});
		}
		lookup.onSettled((result) => {
			if (deadline !== undefined) task.cancel(deadline);
			if (decided || !this.inServer(player)) return;
			decided = true;
			if (result.kind === "unavailable") {
				// failMode "open" lets the player in; the periodic re-check asks again.
				if (this.policy.failMode === "closed") player.Kick(this.policy.unavailableMessage);
				return;
			}
			this.kickIfBanned(player, result);
		});
	}

	private recheckEveryone() {
		for (const player of this.players.GetPlayers()) {
			// A failed re-check never removes an admitted player: only a known ban does.
			this.lookup.statusOf(player.UserId, true).onSettled((result) => {
				if (this.inServer(player)) this.kickIfBanned(player, result);
			});
		}
	}

	private kickIfBanned(player: Player, result: LookupResult) {
		if (result.kind !== "known") return;
		const unixNow = this.clock.unixNow();
		if (!isActiveBan(result.status, unixNow)) return;
		player.Kick(renderKickMessage(this.policy.kickMessage, result.status, unixNow));
	}
}
