// gateway/changes/change-fan-out.ts
// The one path every change takes on an instance, whoever made it: caches drop it, event streams and the outbox read it.

import type { Change, ChangeBus } from "./change-bus";

/**
 * A guild's change log grew and nothing more is known: a PostgreSQL notification carries only the
 * guild, so cached ban statuses wait for their lifetime, but streams and the outbox read the log.
 */
export type LogGrew = { kind: "log"; guildId: string };

/** What a change touches on this instance. */
export interface ChangeTargets {
	/** Drops the key's cached verification. */
	keys: { invalidate(keyId: string): void };
	/** Drops the user's (or the whole guild's) cached ban statuses. */
	banCache: { invalidate(guildId: string, userId: string): void; invalidateGuild(guildId: string): void };
	/** Wakes the guild's event streams and long polls. */
	events: { wake(guildId: string): void };
	/** Reads the change logs into the outbox now rather than at its next poll. */
	outbox: { changed(): void };
}

export interface ChangeFanOut {
	/** A change made here: applied here, then published to the other instances. */
	announce(change: Change): void;
	/** A change made anywhere (here, another instance, a notification): applied here only. */
	apply(change: Change | LogGrew): void;
}

/** Applies every change the bus brings from other instances, and those announced or applied here. */
export function fanOutChanges(bus: ChangeBus, { keys, banCache, events, outbox }: ChangeTargets): ChangeFanOut {
	const apply = (change: Change | LogGrew) => {
		if (change.kind === "key") return keys.invalidate(change.keyId);
		if (change.kind === "ban") banCache.invalidate(change.guildId, change.userId);
		if (change.kind === "reset") banCache.invalidateGuild(change.guildId);
		events.wake(change.guildId);
		outbox.changed();
	};
	bus.subscribe(apply);
	return {
		apply,
		announce(change) {
			apply(change);
			bus.publish(change);
		},
	};
}
