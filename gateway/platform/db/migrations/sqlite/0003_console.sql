-- gateway/platform/db/migrations/sqlite/0003_console.sql
-- Issue 15: the addresses a key was used from (its description, quota and address columns are in 0001).

CREATE TABLE IF NOT EXISTS key_client_addresses (
	key_id       TEXT    NOT NULL REFERENCES keys (id) ON DELETE CASCADE,
	address      TEXT    NOT NULL,
	count        INTEGER NOT NULL,
	last_seen_at INTEGER NOT NULL,
	PRIMARY KEY (key_id, address)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS key_client_addresses_by_last_seen ON key_client_addresses (last_seen_at);
