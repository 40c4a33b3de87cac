-- gateway/data-store/moderation-migrations/postgres/0006_commands.sql
-- Issue 20: the change log may hold a `command` for live servers (no record; the order as JSON, its target in job_id).

ALTER TABLE moderation_changes DROP CONSTRAINT IF EXISTS moderation_changes_event_check;
ALTER TABLE moderation_changes ADD CONSTRAINT moderation_changes_event_check
	CHECK (event IN ('ban', 'unban', 'mute', 'unmute', 'reset', 'command'));
ALTER TABLE moderation_changes ADD COLUMN IF NOT EXISTS command TEXT;
