-- gateway/platform/db/migrations/postgres/0007_discord-interactions.sql
-- Discord interactions already answered (docs/discord.md): a replayed interaction id is answered once, by whichever instance claims it first.

CREATE TABLE discord_interactions (
	id          TEXT PRIMARY KEY,
	received_at BIGINT NOT NULL
);
CREATE INDEX discord_interactions_received_at ON discord_interactions (received_at);
