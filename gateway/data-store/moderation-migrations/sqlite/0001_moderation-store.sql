-- gateway/data-store/moderation-migrations/sqlite/0001_moderation-store.sql
-- Bans and mutes (ModerationStore): one row per record, lifted rows kept as history.

-- The migrations 0001 to 0004 create what version 2 had, with IF NOT EXISTS and the actor columns
-- already in place: a file from before numbered migrations runs them too, after the store added the
-- columns its table lacks (see sqlite-moderation-store.ts).

-- AUTOINCREMENT (not plain rowid) so ids are never reused after a delete by hand: history and
-- replacement read "newest" by id.
CREATE TABLE IF NOT EXISTS moderation_records (
	id              INTEGER PRIMARY KEY AUTOINCREMENT,
	guild_id        TEXT    NOT NULL,
	kind            TEXT    NOT NULL CHECK (kind IN ('ban', 'mute')),
	roblox_id       INTEGER NOT NULL,
	place_id        INTEGER,
	reason          TEXT    NOT NULL,
	moderator_id    INTEGER NOT NULL,
	job_id          TEXT,
	created_at      INTEGER NOT NULL,
	expires_at      INTEGER,
	lifted_at       INTEGER,
	lifted_by       INTEGER,
	lift_reason     TEXT,
	moderator_actor TEXT,
	lifted_by_actor TEXT
);
-- The partial indexes cover only unlifted rows, which are what every hot query reads.
CREATE INDEX IF NOT EXISTS moderation_records_unlifted_by_user
	ON moderation_records (guild_id, kind, roblox_id) WHERE lifted_at IS NULL;
CREATE INDEX IF NOT EXISTS moderation_records_by_user
	ON moderation_records (guild_id, kind, roblox_id, id);
