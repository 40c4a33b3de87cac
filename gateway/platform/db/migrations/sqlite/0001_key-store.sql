-- gateway/platform/db/migrations/sqlite/0001_key-store.sql
-- API keys, their secrets, audit trail, per-minute usage and the checksum secret (KeyStore).

-- The migrations 0001 to 0004 create what version 2 had, with IF NOT EXISTS and the columns v2
-- added by hand already in place: a file from before numbered migrations runs them too, after the
-- gateway database added the columns its tables lack (see gateway-database.ts).

CREATE TABLE IF NOT EXISTS keys (
	id              TEXT PRIMARY KEY,
	guild_id        TEXT NOT NULL,
	prefix          TEXT NOT NULL,
	name            TEXT,
	state           TEXT NOT NULL CHECK (state IN ('active', 'disabled', 'revoked')),
	scopes          TEXT NOT NULL,
	allowed_cidrs   TEXT NOT NULL,
	created_at      INTEGER NOT NULL,
	updated_at      INTEGER NOT NULL,
	last_used_at    INTEGER,
	expires_at      INTEGER,
	revoked_at      INTEGER,
	-- Null creator: the admin token. Hold: moderated, user_moderated or creator_removed.
	hold            TEXT,
	created_by_id   TEXT,
	created_by_name TEXT,
	description     TEXT,
	-- JSON object of per-category per-minute quotas, or NULL for the defaults.
	rate_limits     TEXT,
	last_used_ip    TEXT
);
CREATE INDEX IF NOT EXISTS keys_by_guild ON keys (guild_id, created_at);
CREATE TABLE IF NOT EXISTS key_secrets (
	key_id     TEXT NOT NULL REFERENCES keys (id) ON DELETE CASCADE,
	hash       TEXT NOT NULL UNIQUE,
	expires_at INTEGER
);
CREATE INDEX IF NOT EXISTS key_secrets_by_key ON key_secrets (key_id);
-- key_id is null for events about no key (members, suspensions, webhooks); actor is JSON from v2 on.
CREATE TABLE IF NOT EXISTS key_audit (
	id       INTEGER PRIMARY KEY AUTOINCREMENT,
	guild_id TEXT NOT NULL,
	key_id   TEXT,
	event    TEXT NOT NULL,
	actor    TEXT NOT NULL,
	address  TEXT,
	at       INTEGER NOT NULL,
	details  TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS key_audit_by_guild ON key_audit (guild_id, at, id);
CREATE TABLE IF NOT EXISTS key_usage (
	key_id TEXT NOT NULL REFERENCES keys (id) ON DELETE CASCADE,
	minute INTEGER NOT NULL,
	count  INTEGER NOT NULL,
	PRIMARY KEY (key_id, minute)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS settings (
	name  TEXT PRIMARY KEY,
	value TEXT NOT NULL
);
