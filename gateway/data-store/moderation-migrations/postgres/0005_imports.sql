-- gateway/data-store/moderation-migrations/postgres/0005_imports.sql
-- Imports: the change log may hold a `reset` (no record: "re-check everyone"), written once per import.

ALTER TABLE moderation_changes DROP CONSTRAINT IF EXISTS moderation_changes_event_check;
ALTER TABLE moderation_changes ADD CONSTRAINT moderation_changes_event_check
	CHECK (event IN ('ban', 'unban', 'mute', 'unmute', 'reset'));
ALTER TABLE moderation_changes ALTER COLUMN record_id DROP NOT NULL;
