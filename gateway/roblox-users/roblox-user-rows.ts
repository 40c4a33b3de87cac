// gateway/roblox-users/roblox-user-rows.ts
// The rows of roblox_users and roblox_usernames as both dialects return them, and the records made from them.

import type { LearntUser, LearntUsername } from "./roblox-user-store";

export interface UserRow {
	id: number;
	name: string | null;
	display_name: string | null;
	avatar_url: string | null;
	learnt_at: number;
}

export interface UsernameRow {
	username: string;
	user_id: number | null;
	learnt_at: number;
}

export const toLearntUser = (row: UserRow): LearntUser => ({
	id: row.id,
	name: row.name,
	displayName: row.display_name,
	avatarUrl: row.avatar_url,
	learntAt: row.learnt_at,
});

export const toLearntUsername = (row: UsernameRow): LearntUsername => ({ username: row.username, userId: row.user_id, learntAt: row.learnt_at });

/** `text` matched literally by LIKE with `ESCAPE '\'`: its `%`, `_` and `\` lose their meaning. */
export const escapeLike = (text: string) => text.replace(/[\\%_]/g, (char) => `\\${char}`);
