// roblox/changes.ts
// The moderation changes this server learns of or makes (bans, unbans, mutes, unmutes), told to the
// listeners of Technified.onModeration: how admin-system integrations mirror them (roblox/README.md).

import type { ActionSource } from "./actions";

export interface ModerationChange {
	kind: "ban" | "unban" | "mute" | "unmute";
	userId: number;
	reason?: string;
	/** Unix seconds; absent for permanent bans and mutes, and for lifts. */
	expiresAt?: number;
	source: ActionSource;
}

export type ChangeListener = (change: ModerationChange) => void;

export class ChangeFeed {
	private readonly listeners = new Set<ChangeListener>();

	/** Returns the function that stops listening. */
	subscribe(listener: ChangeListener): () => void {
		this.listeners.add(listener);
		return () => this.listeners.delete(listener);
	}

	/** Each listener in its own thread: one that yields or errors holds up neither the guard nor the others. */
	publish(change: ModerationChange) {
		for (const listener of this.listeners) task.spawn(listener, change);
	}
}
