-- gateway/platform/db/migrations/sqlite/0008_live-servers.sql
-- Issue 20: live game servers (presence, when Redis is not configured) and the commands sent to them with each target's ack.

-- One row per live server; a row unseen for 90 s is gone (read past, pruned on later writes).
CREATE TABLE IF NOT EXISTS live_servers (
	guild_id    TEXT    NOT NULL,
	job_id      TEXT    NOT NULL,
	place_id    INTEGER,
	universe_id INTEGER,
	players     INTEGER,
	follows     TEXT    NOT NULL CHECK (follows IN ('stream', 'poll', 'push')),
	-- Unix milliseconds.
	first_seen  INTEGER  NOT NULL,
	last_seen   INTEGER  NOT NULL,
	PRIMARY KEY (guild_id, job_id)
);
CREATE INDEX IF NOT EXISTS live_servers_by_seen ON live_servers (guild_id, last_seen);

CREATE TABLE IF NOT EXISTS server_commands (
	id         TEXT    PRIMARY KEY,
	guild_id   TEXT    NOT NULL,
	kind       TEXT    NOT NULL CHECK (kind IN ('kick', 'message', 'shutdown')),
	-- Null: every live server.
	job_id     TEXT,
	user_id    TEXT,
	text       TEXT,
	reason     TEXT,
	created_at INTEGER  NOT NULL,
	created_by TEXT    NOT NULL,
	-- JSON array: the JobIds of the servers live when it was sent.
	targets    TEXT    NOT NULL
);
CREATE INDEX IF NOT EXISTS server_commands_by_guild ON server_commands (guild_id, created_at);

-- One row per target, written with the command (outcome null), marked when Technified's command queue hands it
-- over (`delivered_at`), and filled in by the target's first ack. A broadcast reaching a server that came up
-- after it was sent adds that server's row.
CREATE TABLE IF NOT EXISTS server_command_acks (
	command_id TEXT    NOT NULL REFERENCES server_commands (id) ON DELETE CASCADE,
	job_id     TEXT    NOT NULL,
	outcome    TEXT    CHECK (outcome IN ('done', 'failed')),
	result     TEXT,
	acked_at   INTEGER,
	delivered_at INTEGER,
	PRIMARY KEY (command_id, job_id)
);
