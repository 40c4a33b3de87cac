// gateway/servers/sql-presence-stores.ts
// Presence in the gateway database's `live_servers` table (migration 0009), when Redis is not configured.

import type Database from "better-sqlite3";
import type { PostgresDatabase } from "../platform/db/postgres-database";
import type { PresenceStore, ServerFacts, StoredServer } from "./presence-store";

interface ServerRow {
	job_id: string;
	place_id: number | null;
	universe_id: number | null;
	players: number | null;
	follows: StoredServer["follows"];
	first_seen: number;
	last_seen: number;
}

const toServer = (row: ServerRow): StoredServer => ({
	jobId: row.job_id,
	placeId: row.place_id === null ? null : Number(row.place_id),
	universeId: row.universe_id === null ? null : Number(row.universe_id),
	players: row.players,
	follows: row.follows,
	firstSeen: Number(row.first_seen),
	lastSeen: Number(row.last_seen),
});

/**
 * A server back after being gone starts a new first sighting. Sightings are written without waiting,
 * so two may land out of order: an older one never overwrites a newer.
 */
const UPSERT_SET = `place_id = excluded.place_id, universe_id = excluded.universe_id, players = excluded.players,
	follows = excluded.follows, last_seen = excluded.last_seen,
	first_seen = CASE WHEN live_servers.last_seen > $liveSince THEN live_servers.first_seen ELSE excluded.first_seen END
	WHERE live_servers.last_seen <= excluded.last_seen`;

export class SqlitePresenceStore implements PresenceStore {
	private readonly upsert;
	private readonly select;
	private readonly remove;

	constructor(db: Database.Database) {
		this.upsert = db.prepare(
			`INSERT INTO live_servers (guild_id, job_id, place_id, universe_id, players, follows, first_seen, last_seen)
			VALUES (@guildId, @jobId, @placeId, @universeId, @players, @follows, @now, @now)
			ON CONFLICT (guild_id, job_id) DO UPDATE SET ${UPSERT_SET.replace("$liveSince", "@liveSince")}`,
		);
		this.select = db.prepare<{ guildId: string; liveSince: number }, ServerRow>(
			"SELECT * FROM live_servers WHERE guild_id = @guildId AND last_seen > @liveSince",
		);
		this.remove = db.prepare("DELETE FROM live_servers WHERE guild_id = ? AND last_seen <= ?");
	}

	async record(guildId: string, facts: ServerFacts, now: number, liveSince: number): Promise<void> {
		this.upsert.run({ guildId, ...facts, now, liveSince });
	}

	async live(guildId: string, liveSince: number): Promise<StoredServer[]> {
		return this.select.all({ guildId, liveSince }).map(toServer);
	}

	async prune(guildId: string, liveSince: number): Promise<void> {
		this.remove.run(guildId, liveSince);
	}

	async close(): Promise<void> {}
}

export class PostgresPresenceStore implements PresenceStore {
	constructor(private readonly db: PostgresDatabase) {}

	async record(guildId: string, facts: ServerFacts, now: number, liveSince: number): Promise<void> {
		await this.db.rows(
			`INSERT INTO live_servers (guild_id, job_id, place_id, universe_id, players, follows, first_seen, last_seen)
			 VALUES ($1, $2, $3, $4, $5, $6, $7, $7)
			 ON CONFLICT (guild_id, job_id) DO UPDATE SET ${UPSERT_SET.replace("$liveSince", "$8")}`,
			[guildId, facts.jobId, facts.placeId, facts.universeId, facts.players, facts.follows, now, liveSince],
		);
	}

	async live(guildId: string, liveSince: number): Promise<StoredServer[]> {
		const rows = await this.db.rows<ServerRow>(
			"SELECT * FROM live_servers WHERE guild_id = $1 AND last_seen > $2",
			[guildId, liveSince],
		);
		return rows.map(toServer);
	}

	async prune(guildId: string, liveSince: number): Promise<void> {
		await this.db.rows("DELETE FROM live_servers WHERE guild_id = $1 AND last_seen <= $2", [guildId, liveSince]);
	}

	async close(): Promise<void> {}
}
