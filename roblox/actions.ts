// roblox/actions.ts
// What the module does to players (kick, mute, unmute), told to the game's `onAction` callback for its
// own logs or UI (roblox/README.md).

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
	constructor(private readonly callback?: ActionCallback) {}

	/** In its own thread: a callback that yields or errors cannot hold up or break the guard. */
	report(action: ModerationAction) {
		if (this.callback !== undefined) task.spawn(this.callback, action);
	}
}
