// gateway/outbound/queue/key-notices.ts
// The storage interface of key lifecycle notices: which keys near their expiry, and which notices were already sent.

import type { OutboxEvent } from "./outbox-events";

/** A key whose expiry or auto-expiry is near or just past (times in unix seconds). */
export interface ExpiringKey {
	id: string;
	guildId: string;
	prefix: string;
	name: string | null;
	expiresAt: number | null;
	/** The latest of last use, last change and creation: auto-expiry runs from it. */
	lastActivity: number;
}

export interface KeyNotices {
	/** Active keys of guilds with webhooks whose expiry or auto-expiry falls in [from, to] (unix seconds). */
	keysNearExpiry(from: number, to: number, autoExpirySeconds: number): Promise<ExpiringKey[]>;
	/** Writes the event unless this (key, kind, period) was already noticed: exactly once, across restarts. */
	noticeOnce(keyId: string, kind: string, period: number, event: OutboxEvent): Promise<boolean>;
}
