// gateway/events/event-hub.ts
// Holds the open event streams and long polls per guild, and hands each the changes it has not seen yet.

import type { Logger } from "pino";
import type { ModerationEvent } from "../../shared/records";
import type { ChangeFeed, ChangePage } from "../changes/change-feed";

/** One open stream or long poll of a guild. */
export interface Subscriber {
	/** The last sequence it has; only events above it are delivered. */
	next: number;
	/** Called with new events, oldest first; `next` is already moved past them. */
	deliver(events: ModerationEvent[]): void;
	/** Every 15 s for streams (a comment line keeps proxies from closing them). */
	heartbeat?(): void;
	/** The gateway is stopping: answer or end now. */
	end(): void;
}

/** Where a client starts reading: its backlog, and the sequence it then stands at. */
export interface StartPosition {
	events: ModerationEvent[];
	next: number;
}

interface GuildWatch {
	subscribers: Set<Subscriber>;
	/** The newest sequence the last read of the log found. */
	head: number;
	reading: boolean;
	/** A wake arrived during a read: read once more when it ends. */
	again: boolean;
	/** What the next delivery waits for (the outbox sending the changes first), if anything. */
	first: Promise<unknown> | undefined;
}

export interface EventHubOptions {
	/** Another read of every watched guild this often, for changes whose notice was lost (ms). */
	safetyPollMs?: number;
	heartbeatMs?: number;
	clock?: () => number;
	logger: Logger;
}

/**
 * Reads of the change log are shared: a wake of a guild reads once from the lowest position any of its
 * subscribers holds, whatever their number, and reads arriving meanwhile fold into one more read.
 * So one change costs each watched guild one or two data store reads, not one per open stream.
 */
export class EventHub {
	private readonly guilds = new Map<string, GuildWatch>();
	/** Start reads in flight for subscribers, by guild and position: a fleet arriving at once shares them. */
	private readonly starting = new Map<string, Promise<ChangePage>>();
	private readonly timers: NodeJS.Timeout[];
	private readonly clock: () => number;
	private readonly logger: Logger;
	private closed = false;

	constructor(
		private readonly feed: ChangeFeed,
		{ safetyPollMs = 5_000, heartbeatMs = 15_000, clock = Date.now, logger }: EventHubOptions,
	) {
		this.clock = clock;
		this.logger = logger;
		this.timers = [
			setInterval(() => {
				for (const guildId of this.guilds.keys()) this.wake(guildId);
			}, safetyPollMs),
			setInterval(() => {
				for (const watch of this.guilds.values()) for (const subscriber of watch.subscribers) subscriber.heartbeat?.();
			}, heartbeatMs),
		];
		for (const timer of this.timers) timer.unref();
	}

	/**
	 * The backlog after `after` (undefined: none, start at the newest change). A position the log no
	 * longer covers, or one beyond it (a data store that lost its log), starts with a `reset`.
	 * `subscribing`: the caller subscribes at once after. Then a position at the head the hub last read
	 * for the guild needs no read of its own (the subscription's read covers what landed since), so a
	 * fleet re-polling together after a ban costs the change log a few shared reads, not one each; and
	 * subscribers starting at the same position while a read for it is out share that read (a fleet
	 * arriving at once, before the hub knows the head), which their subscription's read then completes.
	 */
	async start(guildId: string, after: number | undefined, subscribing = false): Promise<StartPosition> {
		if (subscribing && after !== undefined && this.guilds.get(guildId)?.head === after) return { events: [], next: after };
		const page = await (subscribing ? this.sharedRead(guildId, after ?? Number.MAX_SAFE_INTEGER) : this.feed.after(guildId, after ?? Number.MAX_SAFE_INTEGER));
		if (after === undefined) return { events: [], next: page.head };
		const lost = after > page.head || (after < page.head && (page.oldest === null || after < page.oldest - 1));
		if (lost) {
			return { events: [{ id: page.head, event: "reset", at: Math.floor(this.clock() / 1000) }], next: page.head };
		}
		return { events: page.events, next: page.events.at(-1)?.id ?? after };
	}

	private sharedRead(guildId: string, from: number): Promise<ChangePage> {
		const key = `${guildId}:${from}`;
		let read = this.starting.get(key);
		if (read === undefined) {
			read = this.feed.after(guildId, from).finally(() => this.starting.delete(key));
			this.starting.set(key, read);
		}
		return read;
	}

	/** Starts delivering to `subscriber`; returns the function that stops it. */
	subscribe(guildId: string, subscriber: Subscriber): () => void {
		let watch = this.guilds.get(guildId);
		if (watch === undefined) {
			watch = { subscribers: new Set(), head: -1, reading: false, again: false, first: undefined };
			this.guilds.set(guildId, watch);
		}
		watch.subscribers.add(subscriber);
		// A change may have landed between the subscriber's start read and now.
		this.wake(guildId);
		return () => {
			watch.subscribers.delete(subscriber);
			if (watch.subscribers.size === 0 && this.guilds.get(guildId) === watch) this.guilds.delete(guildId);
		};
	}

	/**
	 * Something changed in the guild (here or on another instance): deliver what is new, once `first`
	 * (if given) has settled; the log is read meanwhile. Changes waking it before the next delivery
	 * wait no longer than the earliest of them would.
	 */
	wake(guildId: string, first?: Promise<unknown>): void {
		const watch = this.guilds.get(guildId);
		if (watch === undefined) return;
		if (first !== undefined) watch.first = watch.first === undefined ? first : Promise.race([watch.first, first]);
		if (watch.reading) {
			watch.again = true;
			return;
		}
		watch.reading = true;
		void this.read(guildId, watch).finally(() => {
			watch.reading = false;
		});
	}

	/** Ends every stream and long poll (with a hint to reconnect elsewhere at once) and stops reading. */
	async close(): Promise<void> {
		this.closed = true;
		for (const timer of this.timers) clearInterval(timer);
		for (const watch of this.guilds.values()) for (const subscriber of watch.subscribers) subscriber.end();
		this.guilds.clear();
	}

	private async read(guildId: string, watch: GuildWatch): Promise<void> {
		do {
			watch.again = false;
			const { first } = watch;
			watch.first = undefined;
			// The page starts at the lowest position of those subscribed now; one subscribing later may stand
			// below it, and is served by the read its own wake asks for.
			const readers = [...watch.subscribers];
			if (readers.length === 0) return;
			let from = Number.MAX_SAFE_INTEGER;
			for (const subscriber of readers) from = Math.min(from, subscriber.next);
			let page;
			try {
				page = await this.feed.after(guildId, from);
			} catch (err) {
				// The next wake or safety poll reads again; subscribers keep their positions.
				this.logger.warn({ err, guild: guildId }, "events: the change log could not be read");
				return;
			}
			watch.head = page.head;
			await first?.catch(() => undefined);
			if (this.closed) return;
			for (const subscriber of readers) {
				if (!watch.subscribers.has(subscriber)) continue;
				const fresh = page.events.filter((event) => event.id > subscriber.next);
				if (fresh.length === 0) continue;
				subscriber.next = fresh[fresh.length - 1].id;
				subscriber.deliver(fresh);
			}
			// A full page may not be all: read on from where it ended.
			if (page.events.length > 0 && page.events[page.events.length - 1].id < page.head) watch.again = true;
		} while (watch.again);
	}
}
