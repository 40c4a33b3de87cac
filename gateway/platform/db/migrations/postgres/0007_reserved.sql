-- gateway/platform/db/migrations/postgres/0007_reserved.sql
-- Holds number 7 for the live servers' migration (branch `servers`) so that 0008 runs here; the merge replaces it.
SELECT 1;
