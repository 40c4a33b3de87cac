-- gateway/platform/db/migrations/postgres/0003_console.sql
-- Issue 15: key descriptions, quota overrides and client addresses (the ban actors are the moderation store's 0004_actors).

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
