// gateway/keys/key-expiry.ts
// When a key stops working on its own: its `expires_at`, and auto-expiry after 60 days without use or change.

import type { KeyStatus } from "../../shared/records";
import type { StoredKey } from "./key-store";

/**
 * A key unused and unchanged this long is `auto_expired` (docs/api.md, "API summary"). The outbox's key
 * notices pass it to the stores' `keysNearExpiry`, whose SQL takes the latest activity as below.
 */
export const AUTO_EXPIRY_SECONDS = 60 * 86_400;

/** Unix seconds of the key's latest use, change or creation: auto-expiry counts from there. */
export function lastActivityOf(key: Pick<StoredKey, "createdAt" | "updatedAt">, lastUsedAt: number | null): number {
	return Math.max(lastUsedAt ?? 0, key.updatedAt, key.createdAt);
}

/** When a key last active at `lastActivity` auto-expires, unless used or changed before. */
export function autoExpiresAt(lastActivity: number): number {
	return lastActivity + AUTO_EXPIRY_SECONDS;
}

/**
 * The status a key shows at `now`: a hold or a stored state first, then the time-based ones, decided
 * against the clock on every read so they never go stale in storage or a cache.
 */
export function keyStatusAt(key: StoredKey, lastUsedAt: number | null, now: number): KeyStatus {
	if (key.state === "revoked") return "revoked";
	if (key.hold !== null) return key.hold;
	if (key.state !== "active") return key.state;
	if (key.expiresAt !== null && now >= key.expiresAt) return "expired";
	return now >= autoExpiresAt(lastActivityOf(key, lastUsedAt)) ? "auto_expired" : "active";
}
