// gateway/data-store/wire.ts
// Shapes store records into the contract's JSON: unix seconds, ids as the hosted API writes them.

import type { BanInfo, HistoryEntry, ModerationEvent, MuteInfo } from "../../shared/records";
import { REPLACED_LIFT_REASON, type ModerationChange, type ModerationRecord } from "./moderation-store";

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

/** The Roblox moderator's id, or who acted from the dashboard (`discord:<user id>`, `admin_token`). */
const imposedBy = (record: ModerationRecord) => record.moderatorActor ?? String(record.moderatorId);

export function toBanInfo(record: ModerationRecord): BanInfo {
	const { reason, ...rest } = commonInfo(record);
	return { reason, banned_by: imposedBy(record), ...rest };
}

export function toMuteInfo(record: ModerationRecord): MuteInfo {
	const { reason, ...rest } = commonInfo(record);
	return { reason, muted_by: imposedBy(record), ...rest };
}

/** What unban and unmute report for each record they lifted. */
export function liftFields(record: ModerationRecord) {
	return {
		lifted_at: toUnixSeconds(record.liftedAt),
		lifted_by: record.liftedByActor ?? (record.liftedBy === null ? null : String(record.liftedBy)),
		lift_reason: record.liftReason,
	};
}

/** Where a record stands at `now`, as the history shows it. */
function historyState(record: ModerationRecord, now: number): HistoryEntry["state"] {
	if (record.liftedAt !== null) return record.liftReason === REPLACED_LIFT_REASON ? "replaced" : "lifted";
	return record.expiresAt !== null && record.expiresAt <= now ? "expired" : "active";
}

/** One record of a user's history (docs/api.md, "API summary"), at the store's clock reading `now` (ms). */
export function toHistoryEntry(record: ModerationRecord, now: number): HistoryEntry {
	return {
		kind: record.kind,
		state: historyState(record, now),
		...commonInfo(record),
		by: imposedBy(record),
		...liftFields(record),
		job_id: record.jobId,
	};
}

/** A change-log entry as the events route sends it: the record's info under `ban_info` or `mute_info`. */
export function toModerationEvent(change: ModerationChange): ModerationEvent {
	// A reset carries only its id, event and time (docs/api.md, "API summary").
	if (change.event === "reset") return { id: change.seq, event: "reset", at: toUnixSeconds(change.at) };
	// A command names its target as the change's `job_id`; the events route hands it to that server only.
	if (change.event === "command") return { id: change.seq, event: "command", command: change.command, job_id: change.jobId, at: toUnixSeconds(change.at) };
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
