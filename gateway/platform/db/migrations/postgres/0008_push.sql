-- gateway/platform/db/migrations/postgres/0008_push.sql
-- Push through Roblox (docs/fleets.md, "Push through Roblox"): whether each experience link may publish,
-- a third kind of delivery (`push`, one per change and universe), and a first publish proving each link.

-- unknown until a first publish answers; ok while publishing works; failing after a 401 or 403.
ALTER TABLE experience_links ADD COLUMN push_status TEXT NOT NULL DEFAULT 'unknown' CHECK (push_status IN ('unknown', 'ok', 'failing'));
ALTER TABLE experience_links ADD COLUMN push_error TEXT;
ALTER TABLE experience_links ADD COLUMN last_pushed_at BIGINT;

ALTER TABLE outbox_deliveries DROP CONSTRAINT outbox_deliveries_target_kind_check;
ALTER TABLE outbox_deliveries ADD CONSTRAINT outbox_deliveries_target_kind_check CHECK (target_kind IN ('webhook', 'experience', 'push'));

-- Links made before push are proven by an empty message at where the outbox stands in their guild's log.
INSERT INTO outbox_deliveries (id, guild_id, target_kind, target_id, event, payload, status, tries, next_attempt_at, created_at)
	SELECT 'msg_' || replace(gen_random_uuid()::text, '-', ''), links.guild_id, 'push', links.universe_id, 'probe',
		'{"seq":' || coalesce(cursors.after_seq, 0) || '}', 'pending', 0, now.ms, now.ms
	FROM experience_links AS links
	LEFT JOIN outbox_change_cursors AS cursors ON cursors.guild_id = links.guild_id
	CROSS JOIN (SELECT (extract(epoch FROM clock_timestamp()) * 1000)::bigint AS ms) AS now;
