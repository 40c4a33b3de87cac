// gateway/changes/change-bus.ts
// Carries "this changed" news between gateway instances so every instance drops stale cache entries.

/** A user's bans or mutes changed: caches drop the user (bans), event streams read the guild's log. */
export type ModerationChangeNotice = { kind: "ban" | "mute"; guildId: string; userId: string };

/** Many users of the guild changed at once (an import): caches drop the whole guild. */
export type GuildResetNotice = { kind: "reset"; guildId: string };

/** An order for live servers joined the guild's change log: event streams and polls read it (docs/fleets.md). */
export type ServerCommandNotice = { kind: "command"; guildId: string };

/** A key changed (revoke, disable, roll, …), a user's bans or mutes, a whole guild's, or live servers were sent a command. */
export type Change = { kind: "key"; keyId: string } | ModerationChangeNotice | GuildResetNotice | ServerCommandNotice;

export interface ChangeBus {
	/** Tells every other instance; the publishing instance has already applied the change itself. */
	publish(change: Change): void;
	/** Called for changes published by other instances. */
	subscribe(listener: (change: Change) => void): void;
	/**
	 * Shared buses only: resolves once every change published anywhere before the call has been applied
	 * here, so a request that follows another instance's answer never sees a cache older than it.
	 * Never rejects. A single instance has no such gap and leaves it out.
	 */
	catchUp?(): Promise<void>;
	close(): Promise<void>;
}

/** A single instance has nobody to tell. */
export class LocalChangeBus implements ChangeBus {
	publish(): void {}
	subscribe(): void {}
	async close(): Promise<void> {}
}
