-- gateway/data-store/moderation-migrations/sqlite/0004_actors.sql
-- Issue 15: who acted from the dashboard. Nothing to do on SQLite: the columns are part of 0001 (see there why).

SELECT 1;
