// gateway/outbound/experiences/experience-store.ts
// The storage interface of experience links: which Roblox experiences mirror a guild's bans, and whether their key still works.

import type { AuditDraft } from "../../keys/key-store";
import type { OutboxEvent } from "../queue/outbox-events";

export interface StoredExperience {
	guildId: string;
	universeId: string;
	/** The Open Cloud key sealed with the SecretBox. */
	sealedKey: string;
	keyPrefix: string;
	excludeAltAccounts: boolean;
	status: "ok" | "failing";
	lastError: string | null;
	lastMirroredAt: number | null;
	createdAt: number;
}

/**
 * In the gateway database. Each change writes `audit` into the guild's audit (no key) in its own
 * transaction, and only when it happened (a link that was absent records nothing).
 */
export interface ExperienceStore {
	/** false when the guild already links that universe. Also starts following the guild's change log at `changeCursor`. */
	createExperience(experience: StoredExperience, changeCursor: number, audit: AuditDraft): Promise<boolean>;
	listExperiences(guildId: string): Promise<StoredExperience[]>;
	getExperience(guildId: string, universeId: string): Promise<StoredExperience | undefined>;
	updateExperience(experience: StoredExperience, audit: AuditDraft): Promise<boolean>;
	/** Drops its deliveries too, and the guild's cursor when nothing follows the guild any more. */
	deleteExperience(guildId: string, universeId: string, audit: AuditDraft): Promise<boolean>;
	/** Records a mirror that worked: status ok, last_mirrored_at. */
	markMirrored(guildId: string, universeId: string, at: number): Promise<void>;
	/**
	 * Turns the link `failing` with the words, fails its pending deliveries and writes an
	 * `experience.link_failing` event, in one transaction; nothing happens when it already fails.
	 */
	markFailing(guildId: string, universeId: string, words: string, event: OutboxEvent, audit: AuditDraft): Promise<void>;
}
