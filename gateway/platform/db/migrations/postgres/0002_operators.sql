-- gateway/platform/db/migrations/postgres/0002_operators.sql
-- (v2) Operators: each key's creator and hold, the audit event's address, and the operators' sessions, grants and suspensions.

-- Null creator: the admin token (every key made before v2). Hold: moderated, user_moderated or
-- creator_removed, on top of the state, until a roll (or a lifted suspension) clears it.
ALTER TABLE keys ADD COLUMN hold TEXT CHECK (hold IN ('moderated', 'user_moderated', 'creator_removed'));
ALTER TABLE keys ADD COLUMN created_by_id TEXT;
ALTER TABLE keys ADD COLUMN created_by_name TEXT;
CREATE INDEX keys_by_creator ON keys (created_by_id);

-- The actor column holds the actor as JSON from v2 on; rows before it say "admin-api" or "cli".
ALTER TABLE key_audit ADD COLUMN address TEXT;
-- Member events concern no key.
ALTER TABLE key_audit ALTER COLUMN key_id DROP NOT NULL;

-- Discord users who signed in: their latest Discord tokens (sealed by SECRETS_KEY) and any suspension.
CREATE TABLE operators (
	id             TEXT PRIMARY KEY,
	name           TEXT NOT NULL,
	suspended_at   BIGINT,
	guilds_read_at BIGINT,
	sealed_tokens  TEXT
);
-- Each operator's guilds as Discord last reported them (permissions: Discord's decimal bitfield).
CREATE TABLE operator_guilds (
	operator_id TEXT    NOT NULL REFERENCES operators (id) ON DELETE CASCADE,
	guild_id    TEXT    NOT NULL,
	name        TEXT    NOT NULL,
	icon        TEXT,
	owner       BOOLEAN NOT NULL,
	permissions TEXT    NOT NULL,
	PRIMARY KEY (operator_id, guild_id)
);
CREATE INDEX operator_guilds_by_guild ON operator_guilds (guild_id);
-- Dashboard sessions by the SHA-256 of the cookie's token.
CREATE TABLE operator_sessions (
	token_hash   TEXT   PRIMARY KEY,
	operator_id  TEXT   NOT NULL REFERENCES operators (id) ON DELETE CASCADE,
	csrf_token   TEXT   NOT NULL,
	created_at   BIGINT NOT NULL,
	last_seen_at BIGINT NOT NULL
);
CREATE INDEX operator_sessions_by_operator ON operator_sessions (operator_id);
-- Permissions granted per guild by Discord user id (JSON list), with who granted them (JSON actor).
CREATE TABLE guild_members (
	guild_id        TEXT   NOT NULL,
	discord_user_id TEXT   NOT NULL,
	permissions     TEXT   NOT NULL,
	added_by        TEXT   NOT NULL,
	added_at        BIGINT NOT NULL,
	PRIMARY KEY (guild_id, discord_user_id)
);
CREATE INDEX guild_members_by_user ON guild_members (discord_user_id);
