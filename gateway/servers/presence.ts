// gateway/servers/presence.ts
// Which game servers of a guild are live (docs/fleets.md, "Presence"): learnt from polls, streams and heartbeats, written cheaply.

import type { LiveServer } from "../../shared/records";
import { ApiError } from "../platform/http/envelope";
import { toLiveServer, type PresenceStore, type ServerFacts } from "./presence-store";

/** A server unseen this long is gone (docs/fleets.md). */
export const PRESENCE_TTL_MS = 90_000;
/**
 * A sighting that repeats what this instance wrote for the server less than this ago is not written:
 * a fleet of 1,000 servers polling every few seconds must not mean 1,000 writes a second. Far below
 * the TTL, so a skipped write never lets a live server lapse.
 */
export const PRESENCE_WRITE_EVERY_MS = 15_000;

/** What a request that needs the presence store is told while it cannot be reached. */
const unavailable = () => new ApiError(503, "service_unavailable", "Live server presence is unavailable; try again");

/** What a write says of a server, to compare with the next sighting. */
const factsOf = (facts: ServerFacts) => `${facts.placeId}|${facts.universeId}|${facts.players}|${facts.follows}`;

export interface PresenceOptions {
	store: PresenceStore;
	clock: () => number;
	/** A write that failed: the next sighting tries again. */
	log: (message: string, err: unknown) => void;
}

export class Presence {
	/** Per guild and server, what this instance last wrote and when. */
	private readonly written = new Map<string, { facts: string; at: number }>();
	private lastSweep = 0;
	/** When a failed write was last logged: a store down must not log once per poll of a whole fleet. */
	private lastWarned = -Infinity;

	constructor(private readonly options: PresenceOptions) {}

	/**
	 * The server was seen now. Never waits and never fails the request that saw it; writes only when
	 * the facts changed or the last write is getting old.
	 */
	seen(guildId: string, facts: ServerFacts): void {
		const now = this.options.clock();
		this.sweep(now);
		const id = `${guildId}\n${facts.jobId}`;
		const described = factsOf(facts);
		const last = this.written.get(id);
		if (last !== undefined && last.facts === described && now - last.at < PRESENCE_WRITE_EVERY_MS) return;
		this.written.set(id, { facts: described, at: now });
		this.options.store.record(guildId, facts, now, now - PRESENCE_TTL_MS).catch((err: unknown) => {
			this.written.delete(id);
			if (now - this.lastWarned < 60_000) return;
			this.lastWarned = now;
			this.options.log("presence: a live server's sighting could not be written (logged at most once a minute)", err);
		});
	}

	/** The same, waiting for the write: a heartbeat answers only once its server is listed (503 while the store is down). */
	async heartbeat(guildId: string, facts: ServerFacts): Promise<void> {
		const now = this.options.clock();
		await this.options.store.record(guildId, facts, now, now - PRESENCE_TTL_MS).catch(() => {
			throw unavailable();
		});
		this.written.set(`${guildId}\n${facts.jobId}`, { facts: factsOf(facts), at: now });
	}

	/** The guild's live servers, the most recently started (first seen) first: a list that holds still while they poll (503 while the store is down). */
	async live(guildId: string): Promise<LiveServer[]> {
		const liveSince = this.options.clock() - PRESENCE_TTL_MS;
		const servers = await this.options.store
			.prune(guildId, liveSince)
			.then(() => this.options.store.live(guildId, liveSince))
			.catch(() => {
				throw unavailable();
			});
		return servers.sort((a, b) => b.firstSeen - a.firstSeen || (a.jobId < b.jobId ? -1 : 1)).map(toLiveServer);
	}

	/** Live players in the guild's servers of one universe (Open Cloud allows 50 + 5 × players messages a minute). */
	async playersInUniverse(guildId: string, universeId: number): Promise<number> {
		const liveSince = this.options.clock() - PRESENCE_TTL_MS;
		const servers = await this.options.store.live(guildId, liveSince);
		return servers.reduce((sum, server) => sum + (server.universeId === universeId ? (server.players ?? 0) : 0), 0);
	}

	/** Forgets what was written long enough ago that the next sighting writes anyway. */
	private sweep(now: number): void {
		if (now - this.lastSweep < PRESENCE_WRITE_EVERY_MS) return;
		this.lastSweep = now;
		for (const [id, last] of this.written) if (now - last.at >= PRESENCE_WRITE_EVERY_MS) this.written.delete(id);
	}
}
