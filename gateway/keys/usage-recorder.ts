// gateway/keys/usage-recorder.ts
// Counts authenticated requests per key in memory and writes them to the key store in batches: no write per request.

import type { KeyStore, UsageBatch } from "./key-store";

/** Per-minute usage older than this is pruned. */
export const USAGE_RETENTION_SECONDS = 30 * 86_400;
const PRUNE_EVERY_SECONDS = 3_600;
/** Distinct addresses counted per key between flushes; more (a flood from everywhere) are not counted. */
const MAX_PENDING_ADDRESSES = 1_000;

export interface UsageRecorderOptions {
	store: KeyStore;
	/** Milliseconds since the epoch; tests pass a fake clock. Default `Date.now`. */
	clock?: () => number;
	/** How often (ms) uses are written to the store. Default 5 000. */
	flushIntervalMs?: number;
	/** Where a failed background flush is reported. Default `console.error`. */
	log?: (message: string, err: unknown) => void;
}

interface PendingUse {
	lastUsedAt: number;
	/** Count per minute (unix seconds at the minute's start). */
	minutes: Map<number, number>;
	/** Count and latest use per client address. */
	addresses: Map<string, { count: number; lastSeenAt: number }>;
	/** The address of the latest use. */
	lastAddress: string | null;
}

/** What is known of a key's uses that the store has not seen yet. */
export interface UnflushedUse {
	lastUsedAt: number;
	lastAddress: string | null;
}

/**
 * @example
 * const usage = new UsageRecorder({ store });
 * usage.recordUse(keyId, req.ip); // memory only
 * await usage.close(); // on SIGTERM: writes what is pending
 */
export class UsageRecorder {
	private readonly store: KeyStore;
	private readonly clock: () => number;
	private readonly flushedListeners = new Set<(lastUsedAt: ReadonlyMap<string, number>) => void>();
	private pending = new Map<string, PendingUse>();
	private lastPruneAt = 0;
	private timer: NodeJS.Timeout | undefined;

	constructor(options: UsageRecorderOptions) {
		this.store = options.store;
		this.clock = options.clock ?? Date.now;
		const log = options.log ?? ((message, err) => console.error(message, err));
		this.timer = setInterval(() => {
			this.flush().catch((err: unknown) => log("key usage flush failed", err));
		}, options.flushIntervalMs ?? 5_000);
		this.timer.unref();
	}

	private now(): number {
		return Math.floor(this.clock() / 1000);
	}

	/** Notes one authenticated request, from `address` when known. Memory only: `flush` writes the batch. */
	recordUse(keyId: string, address?: string): void {
		const at = this.now();
		const minute = at - (at % 60);
		let use = this.pending.get(keyId);
		if (use === undefined) {
			use = { lastUsedAt: at, minutes: new Map(), addresses: new Map(), lastAddress: null };
			this.pending.set(keyId, use);
		}
		use.lastUsedAt = Math.max(use.lastUsedAt, at);
		use.minutes.set(minute, (use.minutes.get(minute) ?? 0) + 1);
		if (address === undefined || address === "") return;
		use.lastAddress = address;
		const seen = use.addresses.get(address);
		if (seen !== undefined) {
			seen.count++;
			seen.lastSeenAt = at;
		} else if (use.addresses.size < MAX_PENDING_ADDRESSES) {
			use.addresses.set(address, { count: 1, lastSeenAt: at });
		}
	}

	/** The key's uses not flushed yet, if any: records and auto-expiry count them as the store would. */
	unflushed(keyId: string): UnflushedUse | undefined {
		return this.pending.get(keyId);
	}

	/** Drops what is pending for a deleted key. */
	forget(keyId: string): void {
		this.pending.delete(keyId);
	}

	/** Calls `listener` with each batch's last use per key, before the batch is written. */
	onFlush(listener: (lastUsedAt: ReadonlyMap<string, number>) => void): void {
		this.flushedListeners.add(listener);
	}

	/** Writes the uses gathered since the last flush in one store call; on failure they are kept for the next. */
	async flush(): Promise<void> {
		const now = this.now();
		if (this.pending.size > 0) {
			const taken = this.pending;
			this.pending = new Map();
			const batch = toUsageBatch(taken);
			// Listeners (the verifier's cache) learn of the uses before the write, so auto-expiry never sees an older one.
			for (const listener of this.flushedListeners) listener(batch.lastUsedAt);
			try {
				await this.store.recordUsage(batch);
			} catch (err) {
				this.restore(taken);
				throw err;
			}
		}
		if (now - this.lastPruneAt >= PRUNE_EVERY_SECONDS) {
			this.lastPruneAt = now;
			await this.store.pruneUsage(now - USAGE_RETENTION_SECONDS);
		}
	}

	/** Stops the flush timer and writes what is pending (graceful shutdown). The store stays open. */
	async close(): Promise<void> {
		clearInterval(this.timer);
		this.timer = undefined;
		await this.flush();
	}

	private restore(taken: Map<string, PendingUse>): void {
		for (const [keyId, use] of taken) {
			const current = this.pending.get(keyId);
			if (current === undefined) {
				this.pending.set(keyId, use);
				continue;
			}
			current.lastUsedAt = Math.max(current.lastUsedAt, use.lastUsedAt);
			for (const [minute, count] of use.minutes) current.minutes.set(minute, (current.minutes.get(minute) ?? 0) + count);
			current.lastAddress ??= use.lastAddress;
			for (const [address, seen] of use.addresses) {
				const now = current.addresses.get(address);
				if (now === undefined) current.addresses.set(address, seen);
				else current.addresses.set(address, { count: now.count + seen.count, lastSeenAt: Math.max(now.lastSeenAt, seen.lastSeenAt) });
			}
		}
	}
}

function toUsageBatch(pending: Map<string, PendingUse>): UsageBatch {
	const lastUsedAt = new Map<string, number>();
	const counts: UsageBatch["counts"][number][] = [];
	const addresses: NonNullable<UsageBatch["addresses"]>[number][] = [];
	for (const [keyId, use] of pending) {
		lastUsedAt.set(keyId, use.lastUsedAt);
		for (const [minute, count] of use.minutes) counts.push({ keyId, minute, count });
		for (const [address, seen] of use.addresses) addresses.push({ keyId, address, ...seen });
	}
	return { lastUsedAt, counts, addresses };
}
