-- gateway/postgres/migrations/0005_operators.sql
-- (v2) Operators: each key's creator and hold, the audit event's address, and the operators' sessions, grants and suspensions.

-- Up Migration

-- Null creator: the admin token (every key made before v2). Hold: moderated, user_moderated or
-- creator_removed, on top of the state, until a roll (or a lifted suspension) clears it.
ALTER TABLE keys ADD COLUMN hold TEXT CHECK (hold IN ('moderated', 'user_moderated', 'creator_removed'));
ALTER TABLE keys ADD COLUMN created_by_id TEXT;
ALTER TABLE keys ADD COLUMN created_by_name TEXT;
CREATE INDEX keys_by_creator ON keys (created_by_id);

-- The actor column holds the actor as JSON from v2 on; rows before it say "admin-api" or "cli".
ALTER TABLE key_audit ADD COLUMN address TEXT;

-- Down Migration

ALTER TABLE key_audit DROP COLUMN address;
DROP INDEX keys_by_creator;
ALTER TABLE keys DROP COLUMN created_by_name;
ALTER TABLE keys DROP COLUMN created_by_id;
ALTER TABLE keys DROP COLUMN hold;
