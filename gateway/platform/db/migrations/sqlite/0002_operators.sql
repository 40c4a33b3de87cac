-- gateway/platform/db/migrations/sqlite/0002_operators.sql
-- (v2) Operators: their sessions, Discord guilds, grants and suspensions; keys found by their creator.

CREATE INDEX IF NOT EXISTS keys_by_creator ON keys (created_by_id);
CREATE TABLE IF NOT EXISTS operators (
	id             TEXT PRIMARY KEY,
	name           TEXT NOT NULL,
	suspended_at   INTEGER,
	guilds_read_at INTEGER,
	sealed_tokens  TEXT
);
CREATE TABLE IF NOT EXISTS operator_guilds (
	operator_id TEXT NOT NULL REFERENCES operators (id) ON DELETE CASCADE,
	guild_id    TEXT NOT NULL,
	name        TEXT NOT NULL,
	icon        TEXT,
	owner       INTEGER NOT NULL,
	permissions TEXT NOT NULL,
	PRIMARY KEY (operator_id, guild_id)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS operator_guilds_by_guild ON operator_guilds (guild_id);
CREATE TABLE IF NOT EXISTS operator_sessions (
	token_hash   TEXT PRIMARY KEY,
	operator_id  TEXT NOT NULL REFERENCES operators (id) ON DELETE CASCADE,
	csrf_token   TEXT NOT NULL,
	created_at   INTEGER NOT NULL,
	last_seen_at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS operator_sessions_by_operator ON operator_sessions (operator_id);
CREATE TABLE IF NOT EXISTS guild_members (
	guild_id        TEXT NOT NULL,
	discord_user_id TEXT NOT NULL,
	permissions     TEXT NOT NULL,
	added_by        TEXT NOT NULL,
	added_at        INTEGER NOT NULL,
	PRIMARY KEY (guild_id, discord_user_id)
);
CREATE INDEX IF NOT EXISTS guild_members_by_user ON guild_members (discord_user_id);
