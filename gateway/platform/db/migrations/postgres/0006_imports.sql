-- gateway/platform/db/migrations/postgres/0006_imports.sql
-- Issue 23: import jobs (a guild's bans and mutes brought in from a file, the hosted API or Roblox), their progress and outcome.

CREATE TABLE IF NOT EXISTS imports (
	id             TEXT    PRIMARY KEY,
	guild_id       TEXT    NOT NULL,
	source         TEXT    NOT NULL CHECK (source IN ('csv', 'jsonl', 'technified', 'roblox')),
	status         TEXT    NOT NULL CHECK (status IN ('running', 'done', 'failed')),
	actor          TEXT    NOT NULL,
	rows_read      BIGINT NOT NULL DEFAULT 0,
	imported       BIGINT NOT NULL DEFAULT 0,
	skipped        BIGINT NOT NULL DEFAULT 0,
	refused_count  BIGINT NOT NULL DEFAULT 0,
	-- JSON [{"line":…,"reason":…}], the first 1,000 refused lines.
	refused        TEXT    NOT NULL DEFAULT '[]',
	error          TEXT,
	created_at     BIGINT NOT NULL,
	-- Written while the job runs: a running job whose heartbeat stopped was cut short by a restart.
	heartbeat_at   BIGINT NOT NULL,
	finished_at    BIGINT
);
-- One running import per guild, whichever instance runs it.
CREATE UNIQUE INDEX IF NOT EXISTS imports_one_running ON imports (guild_id) WHERE status = 'running';
CREATE INDEX IF NOT EXISTS imports_by_guild ON imports (guild_id, created_at);
