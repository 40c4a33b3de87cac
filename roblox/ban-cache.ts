// roblox/ban-cache.ts
// Remembers ban (and mute) answers so rejoins cost no request, and keeps the last good answer for when
// the API fails.

import { currentStatus, PlayerStatus } from "./ban-status";

export interface CacheLifetimes {
	/** Seconds a "banned" answer is trusted. Longer saves requests on rejoin attempts; an unban waits that long. */
	banned: number;
	/** Seconds a "not banned" answer is trusted. Shorter makes a new ban bite sooner on rejoin. */
	clear: number;
}

interface CacheEntry {
	status: PlayerStatus;
	storedAt: number;
	freshUntil: number;
}

export class BanCache {
	private readonly entries = new Map<number, CacheEntry>();
	private count = 0;

	/**
	 * @param maxEntries bound on remembered users; past it the oldest answers go first.
	 * @param lifetimes per-answer lifetimes in seconds, capped further by the API's `max-age`.
	 */
	constructor(
		private readonly maxEntries: number,
		private readonly lifetimes: CacheLifetimes,
	) {}

	/**
	 * @param now monotonic seconds; @param unixNow wall-clock seconds (ban expiry is wall-clock).
	 * @param maxAge the API's `Cache-Control: max-age`, when it sent one.
	 */
	store(userId: number, status: PlayerStatus, now: number, unixNow: number, maxAge?: number) {
		const ban = status.ban;
		let lifetime = ban.banned ? this.lifetimes.banned : this.lifetimes.clear;
		if (maxAge !== undefined) lifetime = math.min(lifetime, maxAge);
		// A temporary ban stops being fresh the moment it ends, whatever the lifetime says.
		if (ban.banned && !ban.isPermanent && ban.expiresAt !== undefined) {
			lifetime = math.min(lifetime, ban.expiresAt - unixNow);
		}
		if (!this.entries.has(userId)) this.count += 1;
		this.entries.set(userId, { status, storedAt: now, freshUntil: now + math.max(0, lifetime) });
		if (this.count > this.maxEntries) this.evict(now);
	}

	/** The answer while it is within its lifetime, with when the API gave it (monotonic seconds). */
	fresh(userId: number, now: number, unixNow: number): { status: PlayerStatus; answeredAt: number } | undefined {
		const entry = this.entries.get(userId);
		if (entry === undefined || now >= entry.freshUntil) return undefined;
		return { status: currentStatus(entry.status, unixNow), answeredAt: entry.storedAt };
	}

	/** The last good answer of any age: what the guard falls back on while the API cannot answer. */
	lastKnown(userId: number, unixNow: number): PlayerStatus | undefined {
		const entry = this.entries.get(userId);
		return entry === undefined ? undefined : currentStatus(entry.status, unixNow);
	}

	/**
	 * Changes a user's answer by what this server learnt (its own write, a live change). Only a known ban
	 * (or mute) is kept: an entry must not claim "not banned" for a user the API was never asked about.
	 */
	amend(userId: number, update: (previous: PlayerStatus | undefined) => PlayerStatus, now: number, unixNow: number) {
		const previous = this.lastKnown(userId, unixNow);
		const status = update(previous);
		if (previous === undefined && !status.ban.banned) return;
		this.store(userId, status, now, unixNow);
	}

	/** Forgets a user's answer (an unban): the next lookup asks the API. */
	forget(userId: number) {
		if (this.entries.delete(userId)) this.count -= 1;
	}

	/** Drops stale answers first, then the oldest, down to 90% so eviction is not paid on every store. */
	private evict(now: number) {
		const target = math.floor(this.maxEntries * 0.9);
		for (const [userId, entry] of this.entries) {
			if (now >= entry.freshUntil) {
				this.entries.delete(userId);
				this.count -= 1;
			}
		}
		if (this.count <= target) return;
		const byAge = new Array<[number, number]>();
		for (const [userId, entry] of this.entries) byAge.push([entry.storedAt, userId]);
		byAge.sort((a, b) => a[0] < b[0]);
		for (const [, userId] of byAge) {
			if (this.count <= target) break;
			this.entries.delete(userId);
			this.count -= 1;
		}
	}
}
