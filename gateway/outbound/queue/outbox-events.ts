// gateway/outbound/queue/outbox-events.ts
// Turns what happened (a key's or member's audit event, a change-log entry) into the outbox's events, and an event into its sent JSON.

import type { ModerationEvent, WebhookEvent } from "../../../shared/records";
import type { AuditDraft } from "../../keys/key-store";

/** Events mirrored into Roblox's own bans by every linked experience. */
export const MIRRORED_EVENTS: readonly WebhookEvent[] = ["ban.created", "ban.lifted"];

/** Sent only to the one webhook a test-send names. */
export const TEST_EVENT = "webhook.test";

/** An event as written to the outbox: what happened, in the guild, with the payload's `data`. */
export interface OutboxEvent {
	guildId: string;
	type: WebhookEvent | typeof TEST_EVENT;
	/** Unix milliseconds of the change. */
	at: number;
	data: Record<string, unknown>;
}

/** The key audit events that are also outbox events; the others (enabled, updated, deleted) are not webhook events (docs/api.md, "Webhooks and Roblox's own bans"). */
const KEY_EVENTS: Partial<Record<AuditDraft["event"], WebhookEvent>> = {
	created: "key.created",
	revoked: "key.revoked",
	disabled: "key.disabled",
	rolled: "key.rolled",
};

/** A grant's audit event and the `action` its `member.changed` event names. */
const MEMBER_ACTIONS: Partial<Record<AuditDraft["event"], "added" | "changed" | "removed">> = {
	member_added: "added",
	member_updated: "changed",
	member_removed: "removed",
};

/**
 * The outbox event of an audit event, written by the store in the change's own transaction: key
 * events of a key, `member.changed` of a grant; other audit events send nothing.
 */
export function auditOutboxEvent(guildId: string, keyId: string | null, draft: AuditDraft): OutboxEvent | undefined {
	// The audit details never hold a secret or hash, so they are safe to send as they are.
	const at = draft.at * 1000;
	const action = MEMBER_ACTIONS[draft.event];
	if (keyId === null) {
		return action === undefined ? undefined : { guildId, type: "member.changed", at, data: { guild_id: guildId, action, actor: draft.actor, ...draft.details } };
	}
	const type = KEY_EVENTS[draft.event];
	return type === undefined ? undefined : { guildId, type, at, data: { guild_id: guildId, key_id: keyId, actor: draft.actor, ...draft.details } };
}

const MODERATION_EVENTS: Record<string, WebhookEvent> = {
	ban: "ban.created",
	unban: "ban.lifted",
	mute: "mute.created",
	unmute: "mute.lifted",
};

/** The outbox event of one change-log entry; a `reset` is not a change. */
export function moderationOutboxEvent(guildId: string, change: ModerationEvent): OutboxEvent | undefined {
	const type = MODERATION_EVENTS[change.event];
	if (type === undefined) return undefined;
	const info = change.ban_info ?? change.mute_info ?? {};
	return {
		guildId,
		type,
		at: change.at * 1000,
		data: { guild_id: guildId, sequence: change.id, roblox_id: change.roblox_id, place_id: change.place_id ?? null, job_id: change.job_id ?? null, ...info },
	};
}

/** The JSON event of docs/api.md's "Webhooks and Roblox's own bans", exactly as it is stored, signed and sent. */
export function eventPayload(event: OutboxEvent): string {
	return JSON.stringify({ type: event.type, timestamp: new Date(event.at).toISOString(), data: event.data });
}
