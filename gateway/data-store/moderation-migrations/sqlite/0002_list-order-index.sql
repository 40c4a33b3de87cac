-- gateway/data-store/moderation-migrations/sqlite/0002_list-order-index.sql
-- The active lists page in creation order by the guild's own values, so a cursor carries no global row id.

DROP INDEX IF EXISTS moderation_records_unlifted_by_id;
CREATE INDEX IF NOT EXISTS moderation_records_unlifted_in_list_order
	ON moderation_records (guild_id, kind, created_at, roblox_id, coalesce(place_id, 0)) WHERE lifted_at IS NULL;
