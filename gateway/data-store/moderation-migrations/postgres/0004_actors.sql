-- gateway/data-store/moderation-migrations/postgres/0004_actors.sql
-- Issue 15: who acted from the dashboard (`discord:<user id>` or `admin_token`) when no Roblox moderator did.

ALTER TABLE moderation_records ADD COLUMN moderator_actor TEXT;
ALTER TABLE moderation_records ADD COLUMN lifted_by_actor TEXT;
