// gateway/roblox-users/roblox-users-service.ts
// Names and faces of Roblox users: from the gateway database while fresh (24 h), else from Roblox; ids alone when Roblox cannot answer.

import type { LearntUser, LearntUsername, RobloxUserStore } from "./roblox-user-store";
import { RobloxUnavailable, type RobloxUsersClient } from "./roblox-users-client";

/** How long what was learnt is trusted. */
export const FRESH_MS = 24 * 60 * 60 * 1000;

/** One user as the admin API answers it: `name` null when Roblox does not know the id or could not be asked. */
export interface ResolvedUser {
	id: number;
	name: string | null;
	display_name: string | null;
	avatar_url: string | null;
	/** Unix seconds when this was learnt from Roblox; null when it is not known. */
	learnt_at: number | null;
	/** For a lookup by username: the name as asked (a former name when it differs from `name`). */
	requested_username?: string;
}

export interface Resolution {
	users: ResolvedUser[];
	/** Usernames that name nobody, as asked. */
	not_found: string[];
	/** False when Roblox could not be asked for some of them: those are ids alone, or missing for usernames. */
	complete: boolean;
}

/** A user known by id alone: Roblox does not know it, or could not be asked. */
export const idAlone = (id: number): ResolvedUser => ({ id, name: null, display_name: null, avatar_url: null, learnt_at: null });
const toResolved = (user: LearntUser): ResolvedUser => ({
	id: user.id,
	name: user.name,
	display_name: user.displayName,
	avatar_url: user.avatarUrl,
	learnt_at: Math.floor(user.learntAt / 1000),
});

export class RobloxUsers {
	constructor(
		private readonly parts: { store: RobloxUserStore; client: RobloxUsersClient; clock: () => number; log: (message: string, err?: unknown) => void },
	) {}

	async byIds(ids: readonly number[]): Promise<Resolution> {
		const { users, complete } = await this.learnIds([...new Set(ids)]);
		return { users: ids.filter((id, index) => ids.indexOf(id) === index).map((id) => users.get(id) ?? idAlone(id)), not_found: [], complete };
	}

	/** Users learnt before (stale ones too) whose name starts with `prefix`: suggestions while a name is typed; Roblox is not asked. */
	async namedLike(prefix: string, limit: number): Promise<ResolvedUser[]> {
		return (await this.parts.store.usersNamedLike(prefix, limit)).map(toResolved);
	}

	/** `usernames` as asked; matched without regard to case, as Roblox does. */
	async byUsernames(usernames: readonly string[]): Promise<Resolution> {
		const { store, client, clock } = this.parts;
		const asked = [...new Map(usernames.map((name) => [name.toLowerCase(), name])).entries()];
		const now = clock();
		const known = new Map((await store.usernames(asked.map(([lower]) => lower))).filter((row) => now - row.learntAt < FRESH_MS).map((row) => [row.username, row]));
		const unknown = asked.filter(([lower]) => !known.has(lower)).map(([, name]) => name);
		let complete = true;
		if (unknown.length > 0) {
			try {
				const matches = await client.byUsernames(unknown);
				const byName = new Map(matches.map((match) => [match.requestedUsername.toLowerCase(), match.id]));
				const learnt: LearntUsername[] = unknown.map((name) => ({ username: name.toLowerCase(), userId: byName.get(name.toLowerCase()) ?? null, learntAt: clock() }));
				await store.learn([], learnt);
				for (const row of learnt) known.set(row.username, row);
			} catch (err) {
				if (!(err instanceof RobloxUnavailable)) throw err;
				this.parts.log("Roblox usernames could not be resolved", err);
				complete = false;
			}
		}
		const ids = [...new Set([...known.values()].flatMap((row) => (row.userId === null ? [] : [row.userId])))];
		const people = await this.learnIds(ids);
		const users: ResolvedUser[] = [];
		const notFound: string[] = [];
		for (const [lower, name] of asked) {
			const row = known.get(lower);
			if (row === undefined) continue;
			if (row.userId === null) notFound.push(name);
			else users.push({ ...(people.users.get(row.userId) ?? idAlone(row.userId)), requested_username: name });
		}
		return { users, not_found: notFound, complete: complete && people.complete };
	}

	/** Fresh rows from the database, the rest from Roblox (learnt when both its APIs answered), stale rows when it cannot answer. */
	private async learnIds(ids: readonly number[]): Promise<{ users: Map<number, ResolvedUser>; complete: boolean }> {
		const { store, client, clock } = this.parts;
		const now = clock();
		const stored = new Map((await store.usersById(ids)).map((user) => [user.id, user]));
		const users = new Map<number, ResolvedUser>();
		for (const user of stored.values()) if (now - user.learntAt < FRESH_MS) users.set(user.id, toResolved(user));
		const missing = ids.filter((id) => !users.has(id));
		if (missing.length === 0) return { users, complete: true };
		try {
			const found = new Map((await client.byIds(missing)).map((user) => [user.id, user]));
			let headshots: Map<number, string | null> | undefined;
			try {
				headshots = await client.headshots([...found.keys()]);
			} catch (err) {
				if (!(err instanceof RobloxUnavailable)) throw err;
				this.parts.log("Roblox headshots could not be fetched", err);
			}
			const learnt: LearntUser[] = missing.map((id) => {
				const user = found.get(id);
				return { id, name: user?.name ?? null, displayName: user?.displayName ?? null, avatarUrl: headshots?.get(id) ?? null, learntAt: clock() };
			});
			// Without headshots the names are shown but not kept: the next lookup asks for both again.
			if (headshots !== undefined) await store.learn(learnt, []);
			for (const user of learnt) users.set(user.id, toResolved(user));
			return { users, complete: headshots !== undefined };
		} catch (err) {
			if (!(err instanceof RobloxUnavailable)) throw err;
			this.parts.log("Roblox users could not be resolved", err);
			for (const id of missing) {
				const old = stored.get(id);
				if (old !== undefined) users.set(id, toResolved(old));
			}
			return { users, complete: false };
		}
	}
}
