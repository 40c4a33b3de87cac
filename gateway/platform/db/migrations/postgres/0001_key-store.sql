-- gateway/platform/db/migrations/postgres/0001_key-store.sql
-- API keys, their secrets, audit trail, per-minute usage and the checksum secret (KeyStore).

CREATE TABLE keys (
	id            TEXT PRIMARY KEY,
	guild_id      TEXT NOT NULL,
	prefix        TEXT NOT NULL,
	name          TEXT,
	state         TEXT NOT NULL CHECK (state IN ('active', 'disabled', 'revoked')),
	-- JSON arrays as text, the same encoding as the SQLite store, so both share one row mapping.
	scopes        TEXT NOT NULL,
	allowed_cidrs TEXT NOT NULL,
	created_at    BIGINT NOT NULL,
	updated_at    BIGINT NOT NULL,
	last_used_at  BIGINT,
	expires_at    BIGINT,
	revoked_at    BIGINT,
	-- Breaks ties of created_at in insertion order (SQLite's rowid plays this part there).
	created_seq   BIGINT GENERATED ALWAYS AS IDENTITY
);
CREATE INDEX keys_by_guild ON keys (guild_id, created_at, created_seq);

CREATE TABLE key_secrets (
	key_id     TEXT NOT NULL REFERENCES keys (id) ON DELETE CASCADE,
	hash       TEXT NOT NULL UNIQUE,
	expires_at BIGINT
);
CREATE INDEX key_secrets_by_key ON key_secrets (key_id);

CREATE TABLE key_audit (
	id       BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	guild_id TEXT NOT NULL,
	key_id   TEXT NOT NULL,
	event    TEXT NOT NULL,
	actor    TEXT NOT NULL,
	at       BIGINT NOT NULL,
	details  TEXT NOT NULL
);
CREATE INDEX key_audit_by_guild ON key_audit (guild_id, at, id);

CREATE TABLE key_usage (
	key_id TEXT NOT NULL REFERENCES keys (id) ON DELETE CASCADE,
	minute BIGINT NOT NULL,
	count  BIGINT NOT NULL,
	PRIMARY KEY (key_id, minute)
);
-- pruneUsage deletes by minute across all keys.
CREATE INDEX key_usage_by_minute ON key_usage (minute);

CREATE TABLE settings (
	name  TEXT PRIMARY KEY,
	value TEXT NOT NULL
);
