// roblox/ban-status.ts
// The ban status a game sees (contract section 6), converted from the API's `ban_info` wire shape.

import type { BanStatusData } from "../shared/records";

/** What `client:getBanStatus(userId)` returns and what a custom kick message function receives. */
export interface BanStatus {
	banned: boolean;
	reason?: string;
	/** Unix seconds; absent for permanent bans. */
	expiresAt?: number;
	isPermanent?: boolean;
}

export function toBanStatus(data: BanStatusData): BanStatus {
	const info = data.ban_info;
	if (!data.banned || info === undefined) return { banned: false };
	return {
		banned: true,
		reason: info.reason,
		expiresAt: info.expires_at ?? undefined,
		isPermanent: info.is_permanent,
	};
}

/** A ban past its `expires_at` is not a ban, even when it comes from a cached answer. */
export function isActiveBan(status: BanStatus, unixNow: number) {
	if (!status.banned) return false;
	if (status.isPermanent || status.expiresAt === undefined) return true;
	return status.expiresAt > unixNow;
}
