-- gateway/platform/db/migrations/sqlite/0007_discord-interactions.sql
-- Discord interactions already answered (docs/discord.md): a replayed interaction id is answered once, by whichever instance claims it first.

CREATE TABLE discord_interactions (
	id          TEXT PRIMARY KEY,
	received_at INTEGER NOT NULL
);
CREATE INDEX discord_interactions_received_at ON discord_interactions (received_at);
