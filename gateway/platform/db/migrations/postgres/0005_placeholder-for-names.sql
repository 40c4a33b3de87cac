-- gateway/platform/db/migrations/postgres/0005_placeholder-for-names.sql
-- Stands for the "names" branch's 0005 so 0006 runs in sequence on this branch; delete it when that branch is merged.

SELECT 1;
