-- gateway/platform/db/migrations/postgres/0004_outbox.sql
-- The outbox (README, "Webhooks and Roblox's own bans"): webhooks, experience links, deliveries with their attempts, change-log cursors, key notices.

CREATE TABLE webhooks (
	id            TEXT PRIMARY KEY,
	guild_id      TEXT NOT NULL,
	url           TEXT NOT NULL,
	-- A JSON array as text, the same encoding as the SQLite store.
	events        TEXT NOT NULL,
	format        TEXT NOT NULL CHECK (format IN ('standard', 'discord')),
	enabled       BOOLEAN NOT NULL,
	sealed_secret TEXT,
	created_at    BIGINT NOT NULL
);
CREATE INDEX webhooks_by_guild ON webhooks (guild_id, created_at);

CREATE TABLE experience_links (
	guild_id             TEXT NOT NULL,
	universe_id          TEXT NOT NULL,
	sealed_key           TEXT NOT NULL,
	key_prefix           TEXT NOT NULL,
	exclude_alt_accounts BOOLEAN NOT NULL,
	status               TEXT NOT NULL CHECK (status IN ('ok', 'failing')),
	last_error           TEXT,
	last_mirrored_at     BIGINT,
	created_at           BIGINT NOT NULL,
	PRIMARY KEY (guild_id, universe_id)
);

-- Times in unix milliseconds (retries start 5 s apart); lease_until bounds how long a worker that
-- died mid-send keeps a row from the others.
CREATE TABLE outbox_deliveries (
	id              TEXT PRIMARY KEY,
	guild_id        TEXT NOT NULL,
	target_kind     TEXT NOT NULL CHECK (target_kind IN ('webhook', 'experience')),
	target_id       TEXT NOT NULL,
	event           TEXT NOT NULL,
	payload         TEXT NOT NULL,
	status          TEXT NOT NULL CHECK (status IN ('pending', 'delivered', 'failed')),
	tries           INTEGER NOT NULL,
	next_attempt_at BIGINT,
	lease_owner     TEXT,
	lease_until     BIGINT,
	created_at      BIGINT NOT NULL,
	created_seq     BIGINT GENERATED ALWAYS AS IDENTITY
);
CREATE INDEX outbox_deliveries_due ON outbox_deliveries (next_attempt_at) WHERE status = 'pending';
CREATE INDEX outbox_deliveries_by_target ON outbox_deliveries (target_kind, target_id, created_at);

CREATE TABLE outbox_attempts (
	id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	delivery_id TEXT NOT NULL REFERENCES outbox_deliveries (id) ON DELETE CASCADE,
	at          BIGINT NOT NULL,
	status_code INTEGER,
	error       TEXT
);
CREATE INDEX outbox_attempts_by_delivery ON outbox_attempts (delivery_id);

-- Where the outbox stands in each followed guild's change log (moderation_changes.seq).
CREATE TABLE outbox_change_cursors (
	guild_id  TEXT PRIMARY KEY,
	after_seq BIGINT NOT NULL
);

-- One row per key lifecycle notice sent: (key, event, period) is noticed exactly once.
CREATE TABLE key_notices (
	key_id TEXT NOT NULL,
	kind   TEXT NOT NULL,
	period BIGINT NOT NULL,
	PRIMARY KEY (key_id, kind, period)
);
