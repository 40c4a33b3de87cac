-- gateway/data-store/moderation-migrations/postgres/0001_moderation-store.sql
-- Bans and mutes (ModerationStore): one row per record, lifted rows kept as history.

-- An identity never hands out an id twice, so a list cursor (an id) never sees a reused one.
CREATE TABLE moderation_records (
	id           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	guild_id     TEXT   NOT NULL,
	kind         TEXT   NOT NULL CHECK (kind IN ('ban', 'mute')),
	roblox_id    BIGINT NOT NULL,
	place_id     BIGINT,
	reason       TEXT   NOT NULL,
	moderator_id BIGINT NOT NULL,
	job_id       TEXT,
	created_at   BIGINT NOT NULL,
	expires_at   BIGINT,
	lifted_at    BIGINT,
	lifted_by    BIGINT,
	lift_reason  TEXT
);
-- Ban status and lifting read only unlifted rows of one user: a small partial index keeps that one
-- index lookup however much history piles up.
CREATE INDEX moderation_records_unlifted_by_user
	ON moderation_records (guild_id, kind, roblox_id) WHERE lifted_at IS NULL;
-- The active lists page through unlifted rows in id order.
CREATE INDEX moderation_records_unlifted_by_id
	ON moderation_records (guild_id, kind, id) WHERE lifted_at IS NULL;
-- A user's whole history, oldest first.
CREATE INDEX moderation_records_by_user
	ON moderation_records (guild_id, kind, roblox_id, id);
