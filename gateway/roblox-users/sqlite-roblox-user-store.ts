// gateway/roblox-users/sqlite-roblox-user-store.ts
// What was learnt of Roblox users, in the gateway database's SQLite file.

import type Database from "better-sqlite3";
import type { LearntUser, LearntUsername, RobloxUserStore } from "./roblox-user-store";
import { escapeLike, toLearntUser, toLearntUsername, type UserRow, type UsernameRow } from "./roblox-user-rows";

export class SqliteRobloxUserStore implements RobloxUserStore {
	constructor(private readonly db: Database.Database) {}

	async usersById(ids: readonly number[]): Promise<LearntUser[]> {
		if (ids.length === 0) return [];
		return this.db
			.prepare<number[], UserRow>(`SELECT * FROM roblox_users WHERE id IN (${ids.map(() => "?").join(", ")})`)
			.all(...ids)
			.map(toLearntUser);
	}

	async usersNamedLike(prefix: string, limit: number): Promise<LearntUser[]> {
		// SQLite's LIKE ignores ASCII case, as Roblox names are matched; `_` is a username character, so escaped.
		return this.db
			.prepare<[string, number], UserRow>("SELECT * FROM roblox_users WHERE name LIKE ? ESCAPE '\\' ORDER BY length(name), name LIMIT ?")
			.all(`${escapeLike(prefix)}%`, limit)
			.map(toLearntUser);
	}

	async usernames(usernames: readonly string[]): Promise<LearntUsername[]> {
		if (usernames.length === 0) return [];
		return this.db
			.prepare<string[], UsernameRow>(`SELECT * FROM roblox_usernames WHERE username IN (${usernames.map(() => "?").join(", ")})`)
			.all(...usernames)
			.map(toLearntUsername);
	}

	async learn(users: readonly LearntUser[], usernames: readonly LearntUsername[]): Promise<void> {
		const user = this.db.prepare("INSERT OR REPLACE INTO roblox_users (id, name, display_name, avatar_url, learnt_at) VALUES (?, ?, ?, ?, ?)");
		const username = this.db.prepare("INSERT OR REPLACE INTO roblox_usernames (username, user_id, learnt_at) VALUES (?, ?, ?)");
		this.db.transaction(() => {
			for (const each of users) user.run(each.id, each.name, each.displayName, each.avatarUrl, each.learntAt);
			for (const each of usernames) username.run(each.username, each.userId, each.learntAt);
		})();
	}

	async forgetBefore(before: number): Promise<number> {
		return this.db.transaction(() => {
			const users = this.db.prepare("DELETE FROM roblox_users WHERE learnt_at < ?").run(before).changes;
			return users + this.db.prepare("DELETE FROM roblox_usernames WHERE learnt_at < ?").run(before).changes;
		})();
	}
}
