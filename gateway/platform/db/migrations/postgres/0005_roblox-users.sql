-- gateway/platform/db/migrations/postgres/0005_roblox-users.sql
-- Names and faces learnt from Roblox's users and thumbnails APIs (docs/names.md), each with when it was learnt; kept 24 hours.

-- One Roblox user as last learnt; name and display_name are null when Roblox no longer knows the id.
CREATE TABLE roblox_users (
	id           BIGINT PRIMARY KEY,
	name         TEXT,
	display_name TEXT,
	avatar_url   TEXT,
	learnt_at    BIGINT NOT NULL
);
-- A username as it was asked for (lower case, a former name too) and whom it named; user_id null: nobody.
CREATE TABLE roblox_usernames (
	username  TEXT PRIMARY KEY,
	user_id   BIGINT,
	learnt_at BIGINT NOT NULL
);
