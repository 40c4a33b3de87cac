// gateway/changes/postgres-wakeups.ts
// Without Redis, instances on one PostgreSQL hear of each other's moderation changes through LISTEN/NOTIFY.

import pg from "pg";
import { CHANGE_NOTIFY_CHANNEL } from "../data-store/postgres-moderation-store";

/**
 * Holds one connection that LISTENs on the channel the PostgreSQL moderation store notifies in each
 * change's transaction (payload: the guild). A lost connection is replaced after a second; what was
 * notified meanwhile reaches the streams and the outbox through their own periodic reads.
 */
export class PostgresWakeups {
	private client: pg.Client | undefined;
	private retry: NodeJS.Timeout | undefined;
	private closed = false;

	private constructor(
		private readonly connectionString: string,
		private readonly wake: (guildId: string) => void,
		private readonly log: (message: string) => void,
	) {}

	static start(connectionString: string, wake: (guildId: string) => void, log: (message: string) => void): PostgresWakeups {
		const wakeups = new PostgresWakeups(connectionString, wake, log);
		void wakeups.connect();
		return wakeups;
	}

	async close(): Promise<void> {
		this.closed = true;
		clearTimeout(this.retry);
		await this.client?.end().catch(() => undefined);
	}

	private async connect(): Promise<void> {
		const client = new pg.Client({ connectionString: this.connectionString, connectionTimeoutMillis: 3_000, keepAlive: true });
		let lost = false;
		const reconnect = (reason: string) => {
			if (lost) return;
			lost = true;
			if (this.client === client) this.client = undefined;
			void client.end().catch(() => undefined);
			if (this.closed) return;
			this.log(`events: PostgreSQL notifications lost (${reason}); reconnecting`);
			this.retry = setTimeout(() => void this.connect(), 1_000);
			this.retry.unref();
		};
		client.on("notification", (notice) => {
			if (notice.channel === CHANGE_NOTIFY_CHANNEL && notice.payload) this.wake(notice.payload);
		});
		client.on("error", (err) => reconnect(err.message));
		client.on("end", () => reconnect("connection ended"));
		try {
			await client.connect();
			await client.query(`LISTEN ${CHANGE_NOTIFY_CHANNEL}`);
			if (this.closed) await client.end();
			else this.client = client;
		} catch (err) {
			reconnect(err instanceof Error ? err.message : String(err));
		}
	}
}
