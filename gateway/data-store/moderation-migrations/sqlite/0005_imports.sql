-- gateway/data-store/moderation-migrations/sqlite/0005_imports.sql
-- Imports: the change log may hold a `reset` (no record: "re-check everyone"), written once per import.

-- SQLite changes a CHECK or NOT NULL only by rebuilding the table.
CREATE TABLE moderation_changes_v5 (
	guild_id  TEXT    NOT NULL,
	seq       INTEGER NOT NULL,
	event     TEXT    NOT NULL CHECK (event IN ('ban', 'unban', 'mute', 'unmute', 'reset')),
	record_id INTEGER REFERENCES moderation_records (id),
	job_id    TEXT,
	at        INTEGER NOT NULL,
	PRIMARY KEY (guild_id, seq)
) WITHOUT ROWID;
INSERT INTO moderation_changes_v5 (guild_id, seq, event, record_id, job_id, at)
	SELECT guild_id, seq, event, record_id, job_id, at FROM moderation_changes;
DROP TABLE moderation_changes;
ALTER TABLE moderation_changes_v5 RENAME TO moderation_changes;
