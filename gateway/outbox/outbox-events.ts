// gateway/outbox/outbox-events.ts
// Turns what happened (a key's audit event, a change-log entry) into the outbox's events, and an event into its sent JSON.

import type { ModerationEvent } from "../../shared/records";
import type { AuditDraft } from "../keys/key-store";
import type { OutboxEvent, WebhookEvent } from "./outbox-store";

/** The key audit events that are also outbox events; the others (enabled, updated, deleted) are not in section 7. */
const KEY_EVENTS: Partial<Record<AuditDraft["event"], WebhookEvent>> = {
	created: "key.created",
	revoked: "key.revoked",
	disabled: "key.disabled",
	rolled: "key.rolled",
};

/** The outbox event of a key change, written by the key store in the change's own transaction. */
export function keyOutboxEvent(guildId: string, keyId: string, draft: AuditDraft): OutboxEvent | undefined {
	const type = KEY_EVENTS[draft.event];
	if (type === undefined) return undefined;
	// The audit details never hold a secret or hash, so they are safe to send as they are.
	return { guildId, type, at: draft.at * 1000, data: { guild_id: guildId, key_id: keyId, actor: draft.actor, ...draft.details } };
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

/** The JSON event of contract section 7, exactly as it is stored, signed and sent. */
export function eventPayload(event: OutboxEvent): string {
	return JSON.stringify({ type: event.type, timestamp: new Date(event.at).toISOString(), data: event.data });
}
