-- gateway/data-store/moderation-migrations/postgres/0003_change-log.sql
-- Each guild's change log (ModerationStore.changesAfter): one row per ban, unban, mute and unmute, numbered per guild.

-- One row per guild: its latest sequence. The row lock taken when drawing the next number makes a
-- guild's writers take turns, so sequences commit in order and without gaps.
CREATE TABLE moderation_change_heads (
	guild_id TEXT   PRIMARY KEY,
	head     BIGINT NOT NULL
);
CREATE TABLE moderation_changes (
	guild_id  TEXT   NOT NULL,
	seq       BIGINT NOT NULL,
	event     TEXT   NOT NULL CHECK (event IN ('ban', 'unban', 'mute', 'unmute')),
	record_id BIGINT NOT NULL REFERENCES moderation_records (id),
	job_id    TEXT,
	at        BIGINT NOT NULL,
	PRIMARY KEY (guild_id, seq)
);
