// roblox/mute-enforcer.ts
// Keeps muted players quiet through TextChatService: each of their TextSources, in every TextChannel,
// gets CanSend = false, including channels and sources created later, until the mute ends or is lifted.

import { Clock } from "./clock";
import { ActionReporter, ActionSource } from "./actions";
import { isActiveMute, MuteStatus } from "./ban-status";
import { Diagnostics } from "./diagnostics";

interface ActiveMute {
	status: MuteStatus;
	/** Lifts a temporary mute when it ends, without waiting for the next answer. */
	ends?: thread;
	/** The sources this module silenced, each with the watch that keeps it silent. */
	silenced: Map<TextSource, Silenced>;
}

interface Silenced {
	watch: RBXScriptConnection;
	/**
	 * What CanSend should be once the mute ends: its value before (Roblox itself keeps it false for users
	 * whose settings forbid chat), or what a game script set meanwhile.
	 */
	after: boolean;
}

export class MuteEnforcer {
	private readonly muted = new Map<number, ActiveMute>();
	private added?: RBXScriptConnection;

	constructor(
		private readonly chat: TextChatService,
		private readonly clock: Clock,
		private readonly diagnostics: Diagnostics,
		private readonly actions: ActionReporter,
	) {}

	start() {
		if (this.chat.ChatVersion === Enum.ChatVersion.LegacyChatService) {
			this.diagnostics.warnOnce(
				"legacy_chat",
				"this game uses the legacy chat (TextChatService.ChatVersion = LegacyChatService): mutes need TextChatService and are not enforced here; bans still are",
			);
		}
		this.added = this.chat.DescendantAdded.Connect((descendant) => {
			if (!descendant.IsA("TextSource")) return;
			const mute = this.muted.get(descendant.UserId);
			if (mute !== undefined) this.silence(descendant, mute);
		});
	}

	/** Lets go of every player: a stopped guard enforces nothing. */
	stop() {
		this.added?.Disconnect();
		this.added = undefined;
		for (const [userId] of this.muted) this.release(userId);
	}

	isMuted(userId: number) {
		return this.muted.has(userId);
	}

	/** An answer about a player in the server: mute, lift, or (mute unknown) leave as it is. */
	apply(userId: number, status: MuteStatus | undefined, source: ActionSource) {
		if (status === undefined) return;
		if (isActiveMute(status, this.clock.unixNow())) this.mute(userId, status, source);
		else this.unmute(userId, source);
	}

	mute(userId: number, status: MuteStatus, source: ActionSource) {
		const existing = this.muted.get(userId);
		if (existing !== undefined) {
			// Already muted here: the newer answer only moves the end.
			existing.status = status;
			this.scheduleEnd(userId, existing);
			return;
		}
		const mute: ActiveMute = { status, silenced: new Map() };
		this.muted.set(userId, mute);
		this.scheduleEnd(userId, mute);
		for (const descendant of this.chat.GetDescendants()) {
			if (descendant.IsA("TextSource") && descendant.UserId === userId) this.silence(descendant, mute);
		}
		this.actions.report({ kind: "mute", userId, reason: status.reason, source });
	}

	unmute(userId: number, source: ActionSource) {
		if (!this.muted.has(userId)) return;
		this.release(userId);
		this.actions.report({ kind: "unmute", userId, source });
	}

	/** The player left: their sources go with them, nothing to report. */
	forget(userId: number) {
		const mute = this.muted.get(userId);
		if (mute === undefined) return;
		this.cancelEnd(mute);
		for (const [, silenced] of mute.silenced) silenced.watch.Disconnect();
		this.muted.delete(userId);
	}

	private silence(source: TextSource, mute: ActiveMute) {
		if (mute.silenced.has(source)) return;
		const before = source.CanSend;
		source.CanSend = false;
		// A game script that manages CanSend (team channels, a chat toggle) must not unmute a muted player;
		// what it wanted applies once the mute ends.
		const watch = source.GetPropertyChangedSignal("CanSend").Connect(() => {
			if (!source.CanSend) return;
			const silenced = mute.silenced.get(source);
			if (silenced !== undefined) silenced.after = true;
			source.CanSend = false;
		});
		mute.silenced.set(source, { watch, after: before });
	}

	private release(userId: number) {
		const mute = this.muted.get(userId);
		if (mute === undefined) return;
		this.muted.delete(userId);
		this.cancelEnd(mute);
		for (const [source, silenced] of mute.silenced) {
			silenced.watch.Disconnect();
			if (source.Parent !== undefined) source.CanSend = silenced.after;
		}
	}

	private scheduleEnd(userId: number, mute: ActiveMute) {
		this.cancelEnd(mute);
		const endsAt = mute.status.expiresAt;
		if (endsAt === undefined) return;
		// The end is local knowledge (the answer said when): reported with the safety net's source.
		mute.ends = task.delay(math.max(0, endsAt - this.clock.unixNow()), () => {
			mute.ends = undefined;
			this.unmute(userId, "recheck");
		});
	}

	private cancelEnd(mute: ActiveMute) {
		if (mute.ends !== undefined && coroutine.status(mute.ends) === "suspended") task.cancel(mute.ends);
		mute.ends = undefined;
	}
}
