// gateway/servers/presence-store.ts
// Where live servers' presence is kept (docs/fleets.md, "Presence"), shared by every instance: Redis, or the gateway database.

import type { LiveServer, ServerFollowMode } from "../../shared/records";

/** What one sighting of a server says about it. */
export interface ServerFacts {
	jobId: string;
	placeId: number | null;
	universeId: number | null;
	players: number | null;
	follows: ServerFollowMode;
}

/** A server as stored; times in unix milliseconds. */
export interface StoredServer extends ServerFacts {
	firstSeen: number;
	lastSeen: number;
}

export interface PresenceStore {
	/**
	 * Records a sighting at `now`. A server already seen after `liveSince` keeps its first sighting; one
	 * seen before (gone, then back) starts again.
	 */
	record(guildId: string, facts: ServerFacts, now: number, liveSince: number): Promise<void>;
	/** The guild's servers seen after `liveSince`, in no particular order. */
	live(guildId: string, liveSince: number): Promise<StoredServer[]>;
	/** Drops the guild's servers last seen at or before `liveSince`, so gone servers do not pile up. */
	prune(guildId: string, liveSince: number): Promise<void>;
	/** Closes what the store opened of its own (a Redis connection); the gateway database is closed by its owner. */
	close(): Promise<void>;
}

/** A stored server as the admin API shows it: times in unix seconds. */
export function toLiveServer(server: StoredServer): LiveServer {
	return {
		job_id: server.jobId,
		place_id: server.placeId,
		universe_id: server.universeId,
		players: server.players,
		first_seen_at: Math.floor(server.firstSeen / 1000),
		last_seen_at: Math.floor(server.lastSeen / 1000),
		follows: server.follows,
	};
}
