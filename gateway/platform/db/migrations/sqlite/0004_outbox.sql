-- gateway/platform/db/migrations/sqlite/0004_outbox.sql
-- The outbox (README, "Webhooks and Roblox's own bans"): webhooks, experience links, deliveries with their attempts, change-log cursors, key notices.

CREATE TABLE IF NOT EXISTS webhooks (
	id            TEXT PRIMARY KEY,
	guild_id      TEXT NOT NULL,
	url           TEXT NOT NULL,
	events        TEXT NOT NULL,
	format        TEXT NOT NULL CHECK (format IN ('standard', 'discord')),
	enabled       INTEGER NOT NULL,
	sealed_secret TEXT,
	created_at    INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS webhooks_by_guild ON webhooks (guild_id, created_at);
CREATE TABLE IF NOT EXISTS experience_links (
	guild_id             TEXT NOT NULL,
	universe_id          TEXT NOT NULL,
	sealed_key           TEXT NOT NULL,
	key_prefix           TEXT NOT NULL,
	exclude_alt_accounts INTEGER NOT NULL,
	status               TEXT NOT NULL CHECK (status IN ('ok', 'failing')),
	last_error           TEXT,
	last_mirrored_at     INTEGER,
	created_at           INTEGER NOT NULL,
	PRIMARY KEY (guild_id, universe_id)
);
-- Times in unix milliseconds; lease_until bounds how long a worker that died mid-send keeps a row.
CREATE TABLE IF NOT EXISTS outbox_deliveries (
	id              TEXT PRIMARY KEY,
	guild_id        TEXT NOT NULL,
	target_kind     TEXT NOT NULL CHECK (target_kind IN ('webhook', 'experience')),
	target_id       TEXT NOT NULL,
	event           TEXT NOT NULL,
	payload         TEXT NOT NULL,
	status          TEXT NOT NULL CHECK (status IN ('pending', 'delivered', 'failed')),
	tries           INTEGER NOT NULL,
	next_attempt_at INTEGER,
	lease_owner     TEXT,
	lease_until     INTEGER,
	created_at      INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS outbox_deliveries_due ON outbox_deliveries (status, next_attempt_at);
CREATE INDEX IF NOT EXISTS outbox_deliveries_by_target ON outbox_deliveries (target_kind, target_id, created_at);
CREATE TABLE IF NOT EXISTS outbox_attempts (
	delivery_id TEXT NOT NULL REFERENCES outbox_deliveries (id) ON DELETE CASCADE,
	at          INTEGER NOT NULL,
	status_code INTEGER,
	error       TEXT
);
CREATE INDEX IF NOT EXISTS outbox_attempts_by_delivery ON outbox_attempts (delivery_id);
-- Where the outbox stands in each followed guild's change log.
CREATE TABLE IF NOT EXISTS outbox_change_cursors (
	guild_id  TEXT PRIMARY KEY,
	after_seq INTEGER NOT NULL
);
-- One row per key lifecycle notice sent: (key, event, period) is noticed exactly once.
CREATE TABLE IF NOT EXISTS key_notices (
	key_id TEXT NOT NULL,
	kind   TEXT NOT NULL,
	period INTEGER NOT NULL,
	PRIMARY KEY (key_id, kind, period)
) WITHOUT ROWID;
