// gateway/moderation/ban-status-cache.ts
// Recent ban-status answers per (guild, user, place), dropped the moment a ban or unban is seen.

import { LRUCache } from "lru-cache";

/** The data store's JSON body, kept as the bytes it is sent as (the gateway stores the Buffer it received). */
export type AnswerBody = string | Buffer;

interface CachedAnswer {
	/** Served byte for byte. */
	body: AnswerBody;
	/** Unix ms after which the answer is stale. */
	expiresAt: number;
}

export interface BanStatusCacheOptions {
	/** Seconds an answer is kept; a ban that ends sooner is kept only until it ends. 0 disables the cache. */
	ttlSeconds: number;
	/** Users (per guild) held; each holds its global answer and one per place asked about. */
	maxUsers?: number;
	/** Unix ms. */
	clock?: () => number;
}

/** Answers kept per user: the global one and the places most recently asked about. */
const MAX_PLACES_PER_USER = 32;

/** Taken before a read goes to the data store, so an answer older than a ban is never stored. */
export type ReadTicket = number;

export class BanStatusCache {
	private readonly users: LRUCache<string, Map<string, CachedAnswer>>;
	/** When each guild was last dropped whole (an import), by ticket. */
	private readonly guildResetAt = new Map<string, ReadTicket>();
	/** When each recently changed user was last invalidated, by ticket; entries outlive any read. */
	private readonly changedAt: LRUCache<string, ReadTicket>;
	private nextTicket = 1;
	private readonly clock: () => number;

	constructor(private readonly options: BanStatusCacheOptions) {
		const maxUsers = options.maxUsers ?? 100_000;
		this.clock = options.clock ?? Date.now;
		this.users = new LRUCache({ max: maxUsers });
		this.changedAt = new LRUCache({ max: maxUsers, ttl: 5 * 60_000, ttlAutopurge: false });
	}

	get enabled(): boolean {
		return this.options.ttlSeconds > 0;
	}

	/** The cached body and the whole seconds it stays fresh, or undefined. */
	get(guildId: string, userId: string, placeId: string): { body: AnswerBody; maxAge: number } | undefined {
		const answer = this.users.get(userKey(guildId, userId))?.get(placeId);
		if (answer === undefined) return undefined;
		const remainingMs = answer.expiresAt - this.clock();
		if (remainingMs <= 0) return undefined;
		return { body: answer.body, maxAge: Math.ceil(remainingMs / 1000) };
	}

	beginRead(): ReadTicket {
		return this.nextTicket++;
	}

	/**
	 * Keeps an answer unless the user changed after `ticket` was taken. `banEndsAt` (unix seconds)
	 * shortens the lifetime so an expiring ban is not served past its end.
	 */
	store(ticket: ReadTicket, guildId: string, userId: string, placeId: string, body: AnswerBody, banEndsAt?: number): void {
		if (!this.enabled) return;
		const key = userKey(guildId, userId);
		if ((this.changedAt.get(key) ?? 0) >= ticket || (this.guildResetAt.get(guildId) ?? 0) >= ticket) return;
		const now = this.clock();
		let expiresAt = now + this.options.ttlSeconds * 1000;
		if (banEndsAt !== undefined) expiresAt = Math.min(expiresAt, banEndsAt * 1000);
		if (expiresAt <= now) return;
		let places = this.users.get(key);
		if (places === undefined) {
			places = new Map();
			this.users.set(key, places);
		}
		if (places.size >= MAX_PLACES_PER_USER && !places.has(placeId)) {
			// Oldest first (Map order): a caller cycling place ids cannot grow one user's entry without bound.
			places.delete(places.keys().next().value as string);
		}
		places.set(placeId, { body, expiresAt });
	}

	/** Forgets every answer for the user, and refuses answers from reads that began before now. */
	invalidate(guildId: string, userId: string): void {
		const key = userKey(guildId, userId);
		this.users.delete(key);
		this.changedAt.set(key, this.nextTicket++);
	}

	/** Forgets every answer of the guild (an import changed many users), and refuses answers from reads that began before now. */
	invalidateGuild(guildId: string): void {
		const prefix = userKey(guildId, "");
		for (const key of [...this.users.keys()]) if (key.startsWith(prefix)) this.users.delete(key);
		this.guildResetAt.set(guildId, this.nextTicket++);
	}
}

const userKey = (guildId: string, userId: string) => `${guildId}:${userId}`;
