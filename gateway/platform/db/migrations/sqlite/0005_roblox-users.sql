-- gateway/platform/db/migrations/sqlite/0005_roblox-users.sql
-- Names and faces learnt from Roblox's users and thumbnails APIs (docs/names.md), each with when it was learnt; kept 24 hours.

-- One Roblox user as last learnt; name and display_name are null when Roblox no longer knows the id.
CREATE TABLE IF NOT EXISTS roblox_users (
	id           INTEGER PRIMARY KEY,
	name         TEXT,
	display_name TEXT,
	avatar_url   TEXT,
	learnt_at    INTEGER NOT NULL
);
-- A username as it was asked for (lower case, a former name too) and whom it named; user_id null: nobody.
CREATE TABLE IF NOT EXISTS roblox_usernames (
	username  TEXT PRIMARY KEY,
	user_id   INTEGER,
	learnt_at INTEGER NOT NULL
);
