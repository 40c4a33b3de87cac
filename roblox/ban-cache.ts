// roblox/ban-cache.ts
// Remembers ban answers so rejoins cost no request, and keeps the last good answer for when the API fails.

import { BanStatus, isActiveBan } from "./ban-status";

export interface CacheLifetimes {
	/** Seconds a "banned" answer is trusted. Longer saves requests on rejoin attempts; an unban waits that long. */
	banned: number;
	/** Seconds a "not banned" answer is trusted. Shorter makes a new ban bite sooner on rejoin. */
	clear: number;
}

interface CacheEntry {
	status: BanStatus;
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
	store(userId: number, status: BanStatus, now: number, unixNow: number, maxAge?: number) {
		let lifetime = status.banned ? this.lifetimes.banned : this.lifetimes.clear;
		if (maxAge !== undefined) lifetime = math.min(lifetime, maxAge);
		// A temporary ban stops being fresh the moment it ends, whatever the lifetime says.
		if (status.banned && !status.isPermanent && status.expiresAt !== undefined) {
			lifetime = math.min(lifetime, status.expiresAt - unixNow);
		}
		if (!this.entries.has(userId)) this.count += 1;
		this.entries.set(userId, { status, storedAt: now, freshUntil: now + math.max(0, lifetime) });
		if (this.count > this.maxEntries) this.evict(now);
	}

	/** The answer while it is within its lifetime, with when the API gave it (monotonic seconds). */
	fresh(userId: number, now: number, unixNow: number): { status: BanStatus; answeredAt: number } | undefined {
		const entry = this.entries.get(userId);
		if (entry === undefined || now >= entry.freshUntil) return undefined;
		return { status: this.current(entry.status, unixNow), answeredAt: entry.storedAt };
	}

	/** The last good answer of any age: what the guard falls back on while the API cannot answer. */
	lastKnown(userId: number, unixNow: number): BanStatus | undefined {
		const entry = this.entries.get(userId);
		return entry === undefined ? undefined : this.current(entry.status, unixNow);
	}

	private current(status: BanStatus, unixNow: number): BanStatus {
		return status.banned && !isActiveBan(status, unixNow) ? { banned: false } : status;
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
