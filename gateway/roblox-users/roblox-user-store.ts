// gateway/roblox-users/roblox-user-store.ts
// The storage interface of what the gateway learnt from Roblox about users: names, display names, headshots, and usernames asked for.

/** One Roblox user as learnt; `name` null when Roblox no longer knows the id. */
export interface LearntUser {
	id: number;
	name: string | null;
	displayName: string | null;
	avatarUrl: string | null;
	/** Unix milliseconds. */
	learntAt: number;
}

/** A username as asked for, lower case (a former name too), and the id it named; null: nobody. */
export interface LearntUsername {
	username: string;
	userId: number | null;
	learntAt: number;
}

/** In the gateway database; callers decide what is fresh from `learntAt`. */
export interface RobloxUserStore {
	usersById(ids: readonly number[]): Promise<LearntUser[]>;
	/** Up to `limit` users whose current name starts with `prefix` (any case), shortest names first: suggestions as a name is typed. */
	usersNamedLike(prefix: string, limit: number): Promise<LearntUser[]>;
	/** `usernames` lower case. */
	usernames(usernames: readonly string[]): Promise<LearntUsername[]>;
	/** Replaces what was known of each. */
	learn(users: readonly LearntUser[], usernames: readonly LearntUsername[]): Promise<void>;
	/** Forgets whatever was learnt before `before` (unix ms); answers how many rows went. */
	forgetBefore(before: number): Promise<number>;
}
