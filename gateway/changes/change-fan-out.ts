// gateway/changes/change-fan-out.ts
// The one path every change takes on an instance, whoever made it: caches drop it, event streams and the outbox read it.

import { setTimeout as delay } from "node:timers/promises";
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
	/** Wakes the guild's event streams and long polls, which answer no earlier than `first` settles. */
	events: { wake(guildId: string, first?: Promise<unknown>): void };
	/**
	 * Reads the change logs into the outbox now rather than at its next poll; resolves once that is sent.
	 * `push` says which guilds' changes are published through Roblox.
	 */
	outbox: { changed(): Promise<void>; push: { guildPushed(guildId: string): boolean } };
}

/**
 * How long a pushed guild's streams and long polls wait for the outbox to send what a change put in it
 * (ms). One Open Cloud message tells every pushed server at once, while answering a fleet's held polls
 * and taking their next ones holds the event loop for hundreds of milliseconds (docs/fleets.md): the
 * publish goes first, and polling servers wait at most this much for it (a slow webhook, say).
 */
export const PUSH_HEAD_START_MS = 200;

export interface ChangeFanOut {
	/** A change made here: applied here, then published to the other instances. */
	announce(change: Change): void;
	/** A change made anywhere (here, another instance, a notification): applied here only. */
	apply(change: Change | LogGrew): void;
}

/** Applies every change the bus brings from other instances, and those announced or applied here. */
export function fanOutChanges(
	bus: ChangeBus,
	{ keys, banCache, events, outbox }: ChangeTargets,
	{ pushHeadStartMs = PUSH_HEAD_START_MS }: { pushHeadStartMs?: number } = {},
): ChangeFanOut {
	const apply = (change: Change | LogGrew) => {
		if (change.kind === "key") return keys.invalidate(change.keyId);
		if (change.kind === "ban") banCache.invalidate(change.guildId, change.userId);
		if (change.kind === "reset") banCache.invalidateGuild(change.guildId);
		const sent = outbox.changed();
		const pushed = outbox.push.guildPushed(change.guildId);
		events.wake(change.guildId, pushed ? Promise.race([sent, delay(pushHeadStartMs, undefined, { ref: false })]) : undefined);
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
