// gateway/roblox-users/postgres-roblox-user-store.ts
// What was learnt of Roblox users, in the gateway database's PostgreSQL tables.

import type { PostgresDatabase } from "../platform/db/postgres-database";
import type { LearntUser, LearntUsername, RobloxUserStore } from "./roblox-user-store";
import { escapeLike, toLearntUser, toLearntUsername, type UserRow, type UsernameRow } from "./roblox-user-rows";

export class PostgresRobloxUserStore implements RobloxUserStore {
	constructor(private readonly db: PostgresDatabase) {}

	async usersById(ids: readonly number[]): Promise<LearntUser[]> {
		if (ids.length === 0) return [];
		const rows = await this.db.rows<UserRow>("SELECT * FROM roblox_users WHERE id = ANY($1::bigint[])", [ids]);
		return rows.map(toLearntUser);
	}

	async usersNamedLike(prefix: string, limit: number): Promise<LearntUser[]> {
		const rows = await this.db.rows<UserRow>("SELECT * FROM roblox_users WHERE name ILIKE $1 ESCAPE '\\' ORDER BY length(name), name LIMIT $2", [`${escapeLike(prefix)}%`, limit]);
		return rows.map(toLearntUser);
	}

	async usernames(usernames: readonly string[]): Promise<LearntUsername[]> {
		if (usernames.length === 0) return [];
		const rows = await this.db.rows<UsernameRow>("SELECT * FROM roblox_usernames WHERE username = ANY($1::text[])", [usernames]);
		return rows.map(toLearntUsername);
	}

	async learn(users: readonly LearntUser[], usernames: readonly LearntUsername[]): Promise<void> {
		if (users.length === 0 && usernames.length === 0) return;
		await this.db.transaction(async (tx) => {
			if (users.length > 0) {
				await tx.rows(
					`INSERT INTO roblox_users (id, name, display_name, avatar_url, learnt_at)
					 SELECT * FROM UNNEST($1::bigint[], $2::text[], $3::text[], $4::text[], $5::bigint[])
					 ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name, display_name = EXCLUDED.display_name,
					 avatar_url = EXCLUDED.avatar_url, learnt_at = EXCLUDED.learnt_at`,
					[users.map((u) => u.id), users.map((u) => u.name), users.map((u) => u.displayName), users.map((u) => u.avatarUrl), users.map((u) => u.learntAt)],
				);
			}
			if (usernames.length > 0) {
				await tx.rows(
					`INSERT INTO roblox_usernames (username, user_id, learnt_at)
					 SELECT * FROM UNNEST($1::text[], $2::bigint[], $3::bigint[])
					 ON CONFLICT (username) DO UPDATE SET user_id = EXCLUDED.user_id, learnt_at = EXCLUDED.learnt_at`,
					[usernames.map((u) => u.username), usernames.map((u) => u.userId), usernames.map((u) => u.learntAt)],
				);
			}
		});
	}

	async forgetBefore(before: number): Promise<number> {
		return this.db.transaction(async (tx) => {
			const users = await tx.rows("DELETE FROM roblox_users WHERE learnt_at < $1 RETURNING id", [before]);
			const usernames = await tx.rows("DELETE FROM roblox_usernames WHERE learnt_at < $1 RETURNING username", [before]);
			return users.length + usernames.length;
		});
	}
}
