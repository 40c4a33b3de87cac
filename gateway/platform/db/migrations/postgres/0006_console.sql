-- gateway/postgres/migrations/0006_console.sql
-- Issue 15: dashboard actors on bans and mutes, a user's history across kinds, and key descriptions, quota overrides and client addresses.

-- Up Migration

-- Who acted from the dashboard (`discord:<user id>` or `admin_token`) when no Roblox moderator did.
ALTER TABLE moderation_records ADD COLUMN moderator_actor TEXT;
ALTER TABLE moderation_records ADD COLUMN lifted_by_actor TEXT;

ALTER TABLE keys ADD COLUMN description TEXT;
-- JSON object of per-category per-minute quotas, or NULL for the defaults.
ALTER TABLE keys ADD COLUMN rate_limits TEXT;
ALTER TABLE keys ADD COLUMN last_used_ip TEXT;

-- The addresses a key was used from: one row per address, counted as uses are flushed.
CREATE TABLE key_client_addresses (
	key_id       TEXT   NOT NULL REFERENCES keys (id) ON DELETE CASCADE,
	address      TEXT   NOT NULL,
	count        BIGINT NOT NULL,
	last_seen_at BIGINT NOT NULL,
	PRIMARY KEY (key_id, address)
);
CREATE INDEX key_client_addresses_by_last_seen ON key_client_addresses (last_seen_at);

-- Down Migration

DROP TABLE key_client_addresses;
ALTER TABLE keys DROP COLUMN last_used_ip;
ALTER TABLE keys DROP COLUMN rate_limits;
ALTER TABLE keys DROP COLUMN description;
ALTER TABLE moderation_records DROP COLUMN lifted_by_actor;
ALTER TABLE moderation_records DROP COLUMN moderator_actor;
