// gateway/outbound/experiences/sqlite-experience-store.ts
// Experience links in the gateway database's SQLite file, each change audited in its own transaction.

import type Database from "better-sqlite3";
import { SqliteAuditWriter } from "../../keys/audit-writes";
import type { AuditDraft } from "../../keys/key-store";
import type { OutboxEvent } from "../queue/outbox-events";
import { SqliteOutboxWriter } from "../queue/outbox-writes";
import { followFrom, unfollowIfIdle } from "../queue/sqlite-queue-stores";
import { toExperience, type ExperienceRow } from "./experience-rows";
import { LINK_PARTS, type ExperienceStore, type LinkPart, type PushingLink, type StoredExperience } from "./experience-store";

export class SqliteExperienceStore implements ExperienceStore {
	private readonly audit: SqliteAuditWriter;
	private readonly writer: SqliteOutboxWriter;

	constructor(
		private readonly db: Database.Database,
		private readonly clock: () => number,
	) {
		this.audit = new SqliteAuditWriter(db);
		this.writer = new SqliteOutboxWriter(db);
	}

	async createExperience(experience: StoredExperience, changeCursor: number, audit: AuditDraft): Promise<boolean> {
		return this.db
			.transaction(() => {
				const { changes } = this.db
					.prepare(
						`INSERT OR IGNORE INTO experience_links (guild_id, universe_id, sealed_key, key_prefix, exclude_alt_accounts, status,
						 last_error, last_mirrored_at, created_at, push_status, push_error, last_pushed_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
					)
					.run(
						experience.guildId,
						experience.universeId,
						experience.sealedKey,
						experience.keyPrefix,
						experience.excludeAltAccounts ? 1 : 0,
						experience.status,
						experience.lastError,
						experience.lastMirroredAt,
						experience.createdAt,
						experience.pushStatus,
						experience.pushError,
						experience.lastPushedAt,
					);
				followFrom(this.db, experience.guildId, changeCursor);
				if (changes > 0) {
					this.writer.enqueueProbe(experience.guildId, experience.universeId, changeCursor, this.clock());
					this.audit.write(experience.guildId, null, audit);
				}
				return changes > 0;
			})
			.immediate();
	}

	async listExperiences(guildId: string): Promise<StoredExperience[]> {
		return this.db
			.prepare<[string], ExperienceRow>("SELECT * FROM experience_links WHERE guild_id = ? ORDER BY created_at, universe_id")
			.all(guildId)
			.map(toExperience);
	}

	async getExperience(guildId: string, universeId: string): Promise<StoredExperience | undefined> {
		const row = this.db
			.prepare<[string, string], ExperienceRow>("SELECT * FROM experience_links WHERE guild_id = ? AND universe_id = ?")
			.get(guildId, universeId);
		return row === undefined ? undefined : toExperience(row);
	}

	async updateExperience(experience: StoredExperience, audit: AuditDraft, probeSeq?: number): Promise<boolean> {
		return this.db
			.transaction(() => {
				const { changes } = this.db
					.prepare(
						`UPDATE experience_links SET sealed_key = ?, key_prefix = ?, exclude_alt_accounts = ?, status = ?, last_error = ?,
						 push_status = ?, push_error = ? WHERE guild_id = ? AND universe_id = ?`,
					)
					.run(
						experience.sealedKey,
						experience.keyPrefix,
						experience.excludeAltAccounts ? 1 : 0,
						experience.status,
						experience.lastError,
						experience.pushStatus,
						experience.pushError,
						experience.guildId,
						experience.universeId,
					);
				if (changes === 0) return false;
				if (probeSeq !== undefined) this.writer.enqueueProbe(experience.guildId, experience.universeId, probeSeq, this.clock());
				this.audit.write(experience.guildId, null, audit);
				return changes > 0;
			})
			.immediate();
	}

	async deleteExperience(guildId: string, universeId: string, audit: AuditDraft): Promise<boolean> {
		return this.db
			.transaction(() => {
				const { changes } = this.db.prepare("DELETE FROM experience_links WHERE guild_id = ? AND universe_id = ?").run(guildId, universeId);
				this.db
					.prepare("DELETE FROM outbox_deliveries WHERE guild_id = ? AND target_kind IN ('experience', 'push') AND target_id = ?")
					.run(guildId, universeId);
				unfollowIfIdle(this.db, guildId);
				if (changes > 0) this.audit.write(guildId, null, audit);
				return changes > 0;
			})
			.immediate();
	}

	async markMirrored(guildId: string, universeId: string, at: number): Promise<void> {
		this.db
			.prepare("UPDATE experience_links SET status = 'ok', last_error = NULL, last_mirrored_at = ? WHERE guild_id = ? AND universe_id = ?")
			.run(at, guildId, universeId);
	}

	async markFailing(guildId: string, universeId: string, words: string, event: OutboxEvent, audit: AuditDraft): Promise<void> {
		this.markPartFailing(LINK_PARTS.mirror, guildId, universeId, words, event, audit);
	}

	async markPushed(guildId: string, universeId: string, at: number): Promise<void> {
		this.db
			.prepare("UPDATE experience_links SET push_status = 'ok', push_error = NULL, last_pushed_at = ? WHERE guild_id = ? AND universe_id = ?")
			.run(at, guildId, universeId);
	}

	async markPushFailing(guildId: string, universeId: string, words: string, event: OutboxEvent, audit: AuditDraft): Promise<void> {
		this.markPartFailing(LINK_PARTS.push, guildId, universeId, words, event, audit);
	}

	/** Turns one part of the link failing, once: its pending deliveries fail with it, and the event and audit say so. */
	private markPartFailing(part: LinkPart, guildId: string, universeId: string, words: string, event: OutboxEvent, audit: AuditDraft): void {
		this.db
			.transaction(() => {
				const { changes } = this.db
					.prepare(`UPDATE experience_links SET ${part.status} = 'failing', ${part.error} = ? WHERE guild_id = ? AND universe_id = ? AND ${part.status} <> 'failing'`)
					.run(words, guildId, universeId);
				if (changes === 0) return;
				this.db
					.prepare(
						`UPDATE outbox_deliveries SET status = 'failed', next_attempt_at = NULL, lease_owner = NULL, lease_until = NULL
						 WHERE guild_id = ? AND target_kind = ? AND target_id = ? AND status = 'pending' AND lease_owner IS NULL`,
					)
					.run(guildId, part.targetKind, universeId);
				this.writer.enqueue(event, this.clock());
				this.audit.write(guildId, null, audit);
			})
			.immediate();
	}

	async listPushing(): Promise<PushingLink[]> {
		return this.db
			.prepare<[], { guild_id: string; universe_id: string }>("SELECT guild_id, universe_id FROM experience_links WHERE push_status = 'ok'")
			.all()
			.map((row) => ({ guildId: row.guild_id, universeId: row.universe_id }));
	}
}
