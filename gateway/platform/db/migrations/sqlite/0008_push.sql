-- gateway/platform/db/migrations/sqlite/0008_push.sql
-- Push through Roblox (docs/fleets.md, "Push through Roblox"): whether each experience link may publish,
-- a third kind of delivery (`push`, one per change and universe), and a first publish proving each link.

-- unknown until a first publish answers; ok while publishing works; failing after a 401 or 403.
ALTER TABLE experience_links ADD COLUMN push_status TEXT NOT NULL DEFAULT 'unknown' CHECK (push_status IN ('unknown', 'ok', 'failing'));
ALTER TABLE experience_links ADD COLUMN push_error TEXT;
ALTER TABLE experience_links ADD COLUMN last_pushed_at INTEGER;

-- SQLite cannot change a CHECK in place: the deliveries table is rebuilt. Its attempts are set aside
-- first, since dropping the deliveries would delete them through their foreign key.
CREATE TABLE outbox_attempts_kept AS SELECT rowid AS seq, delivery_id, at, status_code, error FROM outbox_attempts;
DROP TABLE outbox_attempts;
CREATE TABLE outbox_deliveries_new (
	id              TEXT PRIMARY KEY,
	guild_id        TEXT NOT NULL,
	target_kind     TEXT NOT NULL CHECK (target_kind IN ('webhook', 'experience', 'push')),
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
INSERT INTO outbox_deliveries_new SELECT id, guild_id, target_kind, target_id, event, payload, status, tries, next_attempt_at, lease_owner, lease_until, created_at
	FROM outbox_deliveries ORDER BY rowid;
DROP TABLE outbox_deliveries;
ALTER TABLE outbox_deliveries_new RENAME TO outbox_deliveries;
CREATE INDEX outbox_deliveries_due ON outbox_deliveries (status, next_attempt_at);
CREATE INDEX outbox_deliveries_by_target ON outbox_deliveries (target_kind, target_id, created_at);
CREATE TABLE outbox_attempts (
	delivery_id TEXT NOT NULL REFERENCES outbox_deliveries (id) ON DELETE CASCADE,
	at          INTEGER NOT NULL,
	status_code INTEGER,
	error       TEXT
);
INSERT INTO outbox_attempts (delivery_id, at, status_code, error) SELECT delivery_id, at, status_code, error FROM outbox_attempts_kept ORDER BY seq;
DROP TABLE outbox_attempts_kept;
CREATE INDEX outbox_attempts_by_delivery ON outbox_attempts (delivery_id);

-- Links made before push are proven by an empty message at where the outbox stands in their guild's log.
INSERT INTO outbox_deliveries (id, guild_id, target_kind, target_id, event, payload, status, tries, next_attempt_at, created_at)
	SELECT 'msg_' || lower(hex(randomblob(16))), links.guild_id, 'push', links.universe_id, 'probe',
		json_object('seq', coalesce(cursors.after_seq, 0)), 'pending', 0, now.ms, now.ms
	FROM experience_links AS links
	LEFT JOIN outbox_change_cursors AS cursors ON cursors.guild_id = links.guild_id
	CROSS JOIN (SELECT CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER) AS ms) AS now;
