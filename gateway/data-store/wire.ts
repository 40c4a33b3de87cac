// gateway/data-store/wire.ts
// Shapes store records into the contract's JSON: unix seconds, ids as the hosted API writes them.

import type { BanInfo, ModerationEvent, MuteInfo } from "../../shared/records";
import type { ModerationChange, ModerationRecord } from "./moderation-store";

/** Unix seconds, as every time on the wire; null stays null. */
export function toUnixSeconds(ms: number): number;
export function toUnixSeconds(ms: number | null): number | null;
export function toUnixSeconds(ms: number | null): number | null {
	return ms === null ? null : Math.floor(ms / 1000);
}

function commonInfo(record: ModerationRecord) {
	return {
		reason: record.reason,
		created_at: toUnixSeconds(record.createdAt),
		expires_at: toUnixSeconds(record.expiresAt),
		is_permanent: record.expiresAt === null,
		place_id: record.placeId,
	};
}

export function toBanInfo(record: ModerationRecord): BanInfo {
	const { reason, ...rest } = commonInfo(record);
	return { reason, banned_by: String(record.moderatorId), ...rest };
}

export function toMuteInfo(record: ModerationRecord): MuteInfo {
	const { reason, ...rest } = commonInfo(record);
	return { reason, muted_by: String(record.moderatorId), ...rest };
}

/** What unban and unmute report for each record they lifted. */
export function liftFields(record: ModerationRecord) {
	return {
		lifted_at: toUnixSeconds(record.liftedAt),
		lifted_by: record.liftedBy === null ? null : String(record.liftedBy),
		lift_reason: record.liftReason,
	};
}

/** A change-log entry as the events route sends it: the record's info under `ban_info` or `mute_info`. */
export function toModerationEvent(change: ModerationChange): ModerationEvent {
	const { record } = change;
	return {
		id: change.seq,
		event: change.event,
		roblox_id: String(record.robloxId),
		place_id: record.placeId,
		...(record.kind === "ban" ? { ban_info: toBanInfo(record) } : { mute_info: toMuteInfo(record) }),
		job_id: change.jobId,
		at: toUnixSeconds(change.at),
	};
}
