-- gateway/data-store/moderation-migrations/sqlite/0006_commands.sql
-- Issue 20: the change log may hold a `command` for live servers (no record; the order as JSON, its target in job_id).

-- SQLite changes a CHECK only by rebuilding the table.
CREATE TABLE moderation_changes_v6 (
	guild_id  TEXT    NOT NULL,
	seq       INTEGER NOT NULL,
	event     TEXT    NOT NULL CHECK (event IN ('ban', 'unban', 'mute', 'unmute', 'reset', 'command')),
	record_id INTEGER REFERENCES moderation_records (id),
	job_id    TEXT,
	at        INTEGER NOT NULL,
	command   TEXT,
	PRIMARY KEY (guild_id, seq)
) WITHOUT ROWID;
INSERT INTO moderation_changes_v6 (guild_id, seq, event, record_id, job_id, at)
	SELECT guild_id, seq, event, record_id, job_id, at FROM moderation_changes;
DROP TABLE moderation_changes;
ALTER TABLE moderation_changes_v6 RENAME TO moderation_changes;
