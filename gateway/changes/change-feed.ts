// gateway/changes/change-feed.ts
// What the events route and the outbox read a guild's change log through (the data store client serves it).

import type { ModerationEvent } from "../../shared/records";

export interface ChangePage {
	/** Oldest first; at most one page (the data store's list limit). */
	events: ModerationEvent[];
	/** The guild's latest sequence. */
	head: number;
	/** The oldest sequence the data store still keeps; null when it keeps none. */
	oldest: number | null;
}

export interface ChangeFeed {
	/** The guild's changes after `after`, one page; rejects when the data store cannot be read. */
	after(guildId: string, after: number): Promise<ChangePage>;
}
