// roblox/ban-status.ts
// The ban and mute statuses a game sees (roblox/README.md), converted from the API's `ban_info` and
// `mute_info` wire shapes, and what one answer tells the guard about one player.

import type { BanStatusBatchResult, MuteInfo } from "../shared/records";

/** What `client:getBanStatus(userId)` returns and what a custom kick message function receives. */
export interface BanStatus {
	banned: boolean;
	reason?: string;
	/** Unix seconds; absent for permanent bans. */
	expiresAt?: number;
	isPermanent?: boolean;
}

/** What `client:getMuteStatus(userId)` returns. */
export interface MuteStatus {
	muted: boolean;
	reason?: string;
	/** Unix seconds; absent for permanent mutes. */
	expiresAt?: number;
}

/** One answer about one player: the ban always, the mute when it was asked for (absent: unknown). */
export interface PlayerStatus {
	ban: BanStatus;
	mute?: MuteStatus;
}

export function toBanStatus(data: BanStatusBatchResult): BanStatus {
	const info = data.ban_info;
	if (!data.banned || info === undefined) return { banned: false };
	return {
		banned: true,
		reason: info.reason,
		expiresAt: info.expires_at ?? undefined,
		isPermanent: info.is_permanent,
	};
}

export function toMuteStatus(muted: boolean, info: MuteInfo | undefined): MuteStatus {
	if (!muted || info === undefined) return { muted: false };
	return { muted: true, reason: info.reason, expiresAt: info.is_permanent ? undefined : (info.expires_at ?? undefined) };
}

/** A batch result: the ban, and the mute when the answer carries one (`include_mutes`). */
export function toPlayerStatus(data: BanStatusBatchResult): PlayerStatus {
	const ban = toBanStatus(data);
	return data.muted === undefined ? { ban } : { ban, mute: toMuteStatus(data.muted, data.mute_info) };
}

/** A ban past its `expires_at` is not a ban, even when it comes from a cached answer. */
export function isActiveBan(status: BanStatus, unixNow: number) {
	if (!status.banned) return false;
	if (status.isPermanent || status.expiresAt === undefined) return true;
	return status.expiresAt > unixNow;
}

/** A mute past its `expires_at` is not a mute either. */
export function isActiveMute(status: MuteStatus | undefined, unixNow: number) {
	if (status === undefined || !status.muted) return false;
	return status.expiresAt === undefined || status.expiresAt > unixNow;
}

/** The status as it stands at `unixNow`: ended bans and mutes read as none. */
export function currentStatus(status: PlayerStatus, unixNow: number): PlayerStatus {
	const ban = status.ban.banned && !isActiveBan(status.ban, unixNow) ? { banned: false } : status.ban;
	const mute = status.mute !== undefined && status.mute.muted && !isActiveMute(status.mute, unixNow) ? { muted: false } : status.mute;
	return { ban, mute };
}
