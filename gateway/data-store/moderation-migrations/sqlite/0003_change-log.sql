-- gateway/data-store/moderation-migrations/sqlite/0003_change-log.sql
-- Each guild's change log (ModerationStore.changesAfter): one row per ban, unban, mute and unmute, numbered per guild.

CREATE TABLE IF NOT EXISTS moderation_change_heads (
	guild_id TEXT    PRIMARY KEY,
	head     INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS moderation_changes (
	guild_id  TEXT    NOT NULL,
	seq       INTEGER NOT NULL,
	event     TEXT    NOT NULL CHECK (event IN ('ban', 'unban', 'mute', 'unmute')),
	record_id INTEGER NOT NULL REFERENCES moderation_records (id),
	job_id    TEXT,
	at        INTEGER NOT NULL,
	PRIMARY KEY (guild_id, seq)
) WITHOUT ROWID;
