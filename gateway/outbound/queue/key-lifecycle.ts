// gateway/outbound/queue/key-lifecycle.ts
// Notices of keys nearing or past their expiry and auto-expiry, each written exactly once per key and period.

import { AUTO_EXPIRY_SECONDS, autoExpiresAt } from "../../keys/key-expiry";
import type { WebhookEvent } from "../../../shared/records";
import type { ExpiringKey, KeyNotices } from "./key-notices";
import type { OutboxEvent } from "./outbox-events";

const DAY = 86_400;

export interface KeyLifecycleOptions {
	notices: KeyNotices;
	clock: () => number;
	/** How often (ms) keys are looked at. Default 60 000: notices are a minute late at most. */
	scanMs?: number;
	onEnqueued: () => void;
	log: (message: string, err: unknown) => void;
}

interface Notice {
	type: WebhookEvent;
	/** Tells the 7-day and 1-day warnings of one expiry apart. */
	kind: string;
	/** The expiry (or auto-expiry) time the notice is about: a moved expiry is a new period. */
	period: number;
	data: Record<string, unknown>;
}

/** What is due for one key at `now` (unix seconds). Only the latest warning of a period is sent. */
export function dueNotices(key: ExpiringKey, now: number): Notice[] {
	const notices: Notice[] = [];
	const about = { guild_id: key.guildId, key_id: key.id, prefix: key.prefix, name: key.name };
	const expiresAt = key.expiresAt;
	if (expiresAt !== null) {
		const data = { ...about, expires_at: expiresAt };
		if (now >= expiresAt) notices.push({ type: "key.expired", kind: "key.expired", period: expiresAt, data });
		else if (now >= expiresAt - DAY) notices.push({ type: "key.expiring", kind: "key.expiring:1d", period: expiresAt, data: { ...data, days_left: 1 } });
		else if (now >= expiresAt - 7 * DAY) notices.push({ type: "key.expiring", kind: "key.expiring:7d", period: expiresAt, data: { ...data, days_left: 7 } });
	}
	const autoAt = autoExpiresAt(key.lastActivity);
	// A key that expires first never auto-expires.
	if (expiresAt === null || autoAt < expiresAt) {
		const data = { ...about, auto_expires_at: autoAt };
		if (now >= autoAt) notices.push({ type: "key.auto_expired", kind: "key.auto_expired", period: autoAt, data });
		else if (now >= autoAt - 7 * DAY) notices.push({ type: "key.auto_expiring", kind: "key.auto_expiring", period: autoAt, data: { ...data, days_left: 7 } });
	}
	return notices;
}

/**
 * Scans on a timer rather than remembering timers per key: what was noticed is in the store
 * (`noticeOnce`), so a restart, or several instances scanning at once, never sends a notice twice.
 * A key expired more than 7 days ago is left alone (no late notice for a long-dead key).
 */
export class KeyLifecycleScheduler {
	private readonly timer: NodeJS.Timeout;
	private running: Promise<void> | undefined;

	constructor(private readonly options: KeyLifecycleOptions) {
		this.timer = setInterval(() => this.scan(), options.scanMs ?? 60_000);
		this.timer.unref();
		this.scan();
	}

	scan(): Promise<void> {
		this.running ??= this.scanOnce().finally(() => {
			this.running = undefined;
		});
		return this.running;
	}

	private async scanOnce(): Promise<void> {
		const { notices, clock } = this.options;
		try {
			const now = Math.floor(clock() / 1000);
			let written = false;
			for (const key of await notices.keysNearExpiry(now - 7 * DAY, now + 7 * DAY, AUTO_EXPIRY_SECONDS)) {
				for (const notice of dueNotices(key, now)) {
					const event: OutboxEvent = { guildId: key.guildId, type: notice.type, at: now * 1000, data: notice.data };
					if (await notices.noticeOnce(key.id, notice.kind, notice.period, event)) written = true;
				}
			}
			if (written) this.options.onEnqueued();
		} catch (err) {
			this.options.log("key lifecycle scan failed; retrying on the next", err);
		}
	}

	async close(): Promise<void> {
		clearInterval(this.timer);
		await this.running;
	}
}
