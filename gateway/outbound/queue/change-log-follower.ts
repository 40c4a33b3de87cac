// gateway/outbound/queue/change-log-follower.ts
// Moves each followed guild's change log into the outbox: a cursor per guild, advanced in the transaction that writes the events.

import type { ChangeFeed } from "../../changes/change-feed";
import { moderationOutboxEvent } from "./outbox-events";
import type { ChangeCursors } from "./change-cursors";
import type { OutboxEvent } from "./outbox-events";

export interface ChangeLogFollowerOptions {
	cursors: ChangeCursors;
	feed: ChangeFeed;
	/** Another pass over every followed guild this often (ms), for changes whose wake was lost. Default 2000. */
	pollMs?: number;
	/** Called after events were written, so the delivery worker looks at once. */
	onEnqueued: () => void;
	log: (message: string, err: unknown) => void;
}

/**
 * The change log (written in each ban's own transaction) is the durable record; the outbox learns of
 * bans only from it. A guild's cursor moves from `from` to `to` only in the transaction that writes
 * the events between, and only if it still stands at `from`: a crash before the commit re-reads the
 * same page, a second instance that read it too writes nothing. So each change enters the outbox once.
 */
export class ChangeLogFollower {
	private readonly timer: NodeJS.Timeout;
	private running: Promise<void> | undefined;
	private again = false;
	private closed = false;

	constructor(private readonly options: ChangeLogFollowerOptions) {
		this.timer = setInterval(() => this.wake(), options.pollMs ?? 2_000);
		this.timer.unref();
		this.wake();
	}

	/**
	 * A change happened somewhere: read the followed guilds' logs now. Resolves when a pass begun after
	 * this call has ended (never rejects), so what the change put in the outbox is there by then.
	 */
	wake(): Promise<void> {
		if (this.closed) return Promise.resolve();
		if (this.running !== undefined) {
			this.again = true;
			return this.running;
		}
		this.running = this.passes().finally(() => {
			this.running = undefined;
		});
		return this.running;
	}

	private async passes(): Promise<void> {
		do {
			this.again = false;
			try {
				for (const { guildId, after } of await this.options.cursors.followedGuilds()) await this.follow(guildId, after);
			} catch (err) {
				this.options.log("reading the change log into the outbox failed; retrying on the next pass", err);
			}
		} while (this.again && !this.closed);
	}

	private async follow(guildId: string, after: number): Promise<void> {
		let from = after;
		for (;;) {
			const page = await this.options.feed.after(guildId, from);
			// A data store that lost its log (a new database) starts again at its head.
			if (from > page.head) {
				await this.options.cursors.advanceCursor({ guildId, from, to: page.head, events: [], pushes: [] });
				return;
			}
			const last = page.events.at(-1);
			if (last === undefined) return;
			const events = page.events.map((change) => moderationOutboxEvent(guildId, change)).filter((event): event is OutboxEvent => event !== undefined);
			const pushes = page.events.filter((change) => change.event !== "reset");
			if (!(await this.options.cursors.advanceCursor({ guildId, from, to: last.id, events, pushes }))) return;
			if (events.length > 0 || pushes.length > 0) this.options.onEnqueued();
			if (last.id >= page.head) return;
			from = last.id;
		}
	}

	async close(): Promise<void> {
		this.closed = true;
		clearInterval(this.timer);
		await this.running;
	}
}
