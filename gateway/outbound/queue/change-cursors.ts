// gateway/outbound/queue/change-cursors.ts
// The storage interface of where the outbox stands in each followed guild's change log, so each ban or mute enters it once.

import type { ModerationEvent } from "../../../shared/records";
import type { OutboxEvent } from "./outbox-events";

/** A change-log page turned into events, to write with the guild's cursor moved from `from` to `to`. */
export interface CursorAdvance {
	guildId: string;
	from: number;
	to: number;
	events: OutboxEvent[];
	/** The page's changes (commands included), published to each linked universe that may be pushed to. */
	pushes: ModerationEvent[];
}

/** A guild is followed while it has a webhook or an experience link; its cursor is set when the first is made. */
export interface ChangeCursors {
	/** Guilds with a webhook or experience link, with where their change-log cursor stands. */
	followedGuilds(): Promise<{ guildId: string; after: number }[]>;
	/**
	 * Writes the events and moves the cursor in one transaction, only if it still stands at `from`
	 * (another instance got there first otherwise: false, nothing written). So each change enters once.
	 */
	advanceCursor(advance: CursorAdvance): Promise<boolean>;
}
