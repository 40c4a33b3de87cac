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
	/**
	 * Whether the key may publish to the universe's topic (docs/fleets.md, "Push through Roblox"):
	 * `unknown` until a first publish answers, `ok` while publishing works, `failing` after a 401 or 403.
	 */
	pushStatus: PushStatus;
	pushError: string | null;
	/** Unix seconds of the last message published. */
	lastPushedAt: number | null;
}

export type PushStatus = "unknown" | "ok" | "failing";

/** A link whose push works: its servers are told to subscribe. */
export interface PushingLink {
	guildId: string;
	universeId: string;
}

/**
 * In the gateway database. Each change writes `audit` into the guild's audit (no key) in its own
 * transaction, and only when it happened (a link that was absent records nothing).
 */
export interface ExperienceStore {
	/**
	 * false when the guild already links that universe. Also starts following the guild's change log at
	 * `changeCursor`, and queues the first publish (an empty message at that sequence) that proves push.
	 */
	createExperience(experience: StoredExperience, changeCursor: number, audit: AuditDraft): Promise<boolean>;
	listExperiences(guildId: string): Promise<StoredExperience[]>;
	getExperience(guildId: string, universeId: string): Promise<StoredExperience | undefined>;
	/** With `probeSeq` (a new key), also queues a first publish at that sequence, which proves push again. */
	updateExperience(experience: StoredExperience, audit: AuditDraft, probeSeq?: number): Promise<boolean>;
	/** Drops its deliveries (mirrors and pushes) too, and the guild's cursor when nothing follows the guild any more. */
	deleteExperience(guildId: string, universeId: string, audit: AuditDraft): Promise<boolean>;
	/** Records a mirror that worked: status ok, last_mirrored_at. */
	markMirrored(guildId: string, universeId: string, at: number): Promise<void>;
	/**
	 * Turns the link `failing` with the words, fails its pending deliveries and writes an
	 * `experience.link_failing` event, in one transaction; nothing happens when it already fails.
	 */
	markFailing(guildId: string, universeId: string, words: string, event: OutboxEvent, audit: AuditDraft): Promise<void>;
	/** Records a publish that worked: push ok, last_pushed_at (unix seconds). */
	markPushed(guildId: string, universeId: string, at: number): Promise<void>;
	/**
	 * Turns push `failing` with the words, fails its pending pushes and writes an
	 * `experience.link_failing` event, in one transaction; nothing happens when push already fails.
	 * The mirror is not touched: its status is its own.
	 */
	markPushFailing(guildId: string, universeId: string, words: string, event: OutboxEvent, audit: AuditDraft): Promise<void>;
	/** Every link, of every guild, whose push is `ok`. */
	listPushing(): Promise<PushingLink[]>;
}

/** A link's two parts fail apart, each in its own columns and with its own deliveries: the ban mirror and the push. */
export interface LinkPart {
	status: "status" | "push_status";
	error: "last_error" | "push_error";
	targetKind: "experience" | "push";
}

export const LINK_PARTS = {
	mirror: { status: "status", error: "last_error", targetKind: "experience" },
	push: { status: "push_status", error: "push_error", targetKind: "push" },
} as const satisfies Record<string, LinkPart>;
