// roblox/actions.ts
// What the module does to players (kick, mute, unmute), told to the game's `onAction` callback for its
// own logs or UI, and the moderation changes behind them, told to Technified.onModeration (roblox/README.md).

import type { ChangeFeed, ModerationChange } from "./changes";

/** Where the decision came from: a join check, the event stream, the periodic re-check, or the game's own call. */
export type ActionSource = "join" | "live" | "recheck" | "api";

export interface ModerationAction {
	kind: "kick" | "mute" | "unmute";
	userId: number;
	reason?: string;
	source: ActionSource;
}

export type ActionCallback = (action: ModerationAction) => void;

export class ActionReporter {
	constructor(
		private readonly callback: ActionCallback | undefined,
		private readonly feed: ChangeFeed,
	) {}

	/** In its own thread: a callback that yields or errors cannot hold up or break the guard. */
	report(action: ModerationAction) {
		if (this.callback !== undefined) task.spawn(this.callback, action);
		// A mute or unmute done here is the change itself; a kick is told as the ban behind it (changed).
		if (action.kind !== "kick") this.feed.publish({ kind: action.kind, userId: action.userId, reason: action.reason, source: action.source });
	}

	/** A change learnt of or made here, whether or not it touched a player in this server. */
	changed(change: ModerationChange) {
		this.feed.publish(change);
	}
}
