// gateway/outbound/experiences/postgres-experience-store.ts
// Experience links in the gateway database's PostgreSQL tables, each change audited in its own transaction.

import { writePostgresAudit } from "../../keys/audit-writes";
import type { AuditDraft } from "../../keys/key-store";
import type { PostgresDatabase } from "../../platform/db/postgres-database";
import type { OutboxEvent } from "../queue/outbox-events";
import { enqueueInPostgres, enqueueProbeInPostgres } from "../queue/outbox-writes";
import { followFrom, unfollowIfIdle } from "../queue/postgres-queue-stores";
import { toExperience, type ExperienceRow } from "./experience-rows";
import { LINK_PARTS, type ExperienceStore, type LinkPart, type PushingLink, type StoredExperience } from "./experience-store";

export class PostgresExperienceStore implements ExperienceStore {
	constructor(
		private readonly db: PostgresDatabase,
		private readonly clock: () => number,
	) {}

	async createExperience(experience: StoredExperience, changeCursor: number, audit: AuditDraft): Promise<boolean> {
		return this.db.transaction(async (tx) => {
			const rows = await tx.rows(
				`INSERT INTO experience_links (guild_id, universe_id, sealed_key, key_prefix, exclude_alt_accounts, status, last_error,
				 last_mirrored_at, created_at, push_status, push_error, last_pushed_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
				 ON CONFLICT DO NOTHING RETURNING universe_id`,
				[
					experience.guildId,
					experience.universeId,
					experience.sealedKey,
					experience.keyPrefix,
					experience.excludeAltAccounts,
					experience.status,
					experience.lastError,
					experience.lastMirroredAt,
					experience.createdAt,
					experience.pushStatus,
					experience.pushError,
					experience.lastPushedAt,
				],
			);
			await followFrom(tx, experience.guildId, changeCursor);
			if (rows.length > 0) {
				await enqueueProbeInPostgres(tx, experience.guildId, experience.universeId, changeCursor, this.clock());
				await writePostgresAudit(tx, experience.guildId, null, audit);
			}
			return rows.length > 0;
		});
	}

	async listExperiences(guildId: string): Promise<StoredExperience[]> {
		const rows = await this.db.rows<ExperienceRow>("SELECT * FROM experience_links WHERE guild_id = $1 ORDER BY created_at, universe_id", [guildId]);
		return rows.map(toExperience);
	}

	async getExperience(guildId: string, universeId: string): Promise<StoredExperience | undefined> {
		const [row] = await this.db.rows<ExperienceRow>("SELECT * FROM experience_links WHERE guild_id = $1 AND universe_id = $2", [guildId, universeId]);
		return row === undefined ? undefined : toExperience(row);
	}

	async updateExperience(experience: StoredExperience, audit: AuditDraft, probeSeq?: number): Promise<boolean> {
		return this.db.transaction(async (tx) => {
			const rows = await tx.rows(
				`UPDATE experience_links SET sealed_key = $3, key_prefix = $4, exclude_alt_accounts = $5, status = $6, last_error = $7,
				 push_status = $8, push_error = $9 WHERE guild_id = $1 AND universe_id = $2 RETURNING universe_id`,
				[
					experience.guildId,
					experience.universeId,
					experience.sealedKey,
					experience.keyPrefix,
					experience.excludeAltAccounts,
					experience.status,
					experience.lastError,
					experience.pushStatus,
					experience.pushError,
				],
			);
			if (rows.length === 0) return false;
			if (probeSeq !== undefined) await enqueueProbeInPostgres(tx, experience.guildId, experience.universeId, probeSeq, this.clock());
			await writePostgresAudit(tx, experience.guildId, null, audit);
			return true;
		});
	}

	async deleteExperience(guildId: string, universeId: string, audit: AuditDraft): Promise<boolean> {
		return this.db.transaction(async (tx) => {
			const rows = await tx.rows("DELETE FROM experience_links WHERE guild_id = $1 AND universe_id = $2 RETURNING universe_id", [guildId, universeId]);
			await tx.rows("DELETE FROM outbox_deliveries WHERE guild_id = $1 AND target_kind IN ('experience', 'push') AND target_id = $2", [guildId, universeId]);
			await unfollowIfIdle(tx, guildId);
			if (rows.length > 0) await writePostgresAudit(tx, guildId, null, audit);
			return rows.length > 0;
		});
	}

	async markMirrored(guildId: string, universeId: string, at: number): Promise<void> {
		await this.db.rows(
			"UPDATE experience_links SET status = 'ok', last_error = NULL, last_mirrored_at = $3 WHERE guild_id = $1 AND universe_id = $2",
			[guildId, universeId, at],
		);
	}

	async markFailing(guildId: string, universeId: string, words: string, event: OutboxEvent, audit: AuditDraft): Promise<void> {
		await this.markPartFailing(LINK_PARTS.mirror, guildId, universeId, words, event, audit);
	}

	async markPushed(guildId: string, universeId: string, at: number): Promise<void> {
		await this.db.rows(
			"UPDATE experience_links SET push_status = 'ok', push_error = NULL, last_pushed_at = $3 WHERE guild_id = $1 AND universe_id = $2",
			[guildId, universeId, at],
		);
	}

	async markPushFailing(guildId: string, universeId: string, words: string, event: OutboxEvent, audit: AuditDraft): Promise<void> {
		await this.markPartFailing(LINK_PARTS.push, guildId, universeId, words, event, audit);
	}

	/** Turns one part of the link failing, once: its pending deliveries fail with it, and the event and audit say so. */
	private async markPartFailing(part: LinkPart, guildId: string, universeId: string, words: string, event: OutboxEvent, audit: AuditDraft): Promise<void> {
		await this.db.transaction(async (tx) => {
			const rows = await tx.rows(
				`UPDATE experience_links SET ${part.status} = 'failing', ${part.error} = $3
				 WHERE guild_id = $1 AND universe_id = $2 AND ${part.status} <> 'failing' RETURNING universe_id`,
				[guildId, universeId, words],
			);
			if (rows.length === 0) return;
			await tx.rows(
				`UPDATE outbox_deliveries SET status = 'failed', next_attempt_at = NULL, lease_owner = NULL, lease_until = NULL
				 WHERE guild_id = $1 AND target_kind = $3 AND target_id = $2 AND status = 'pending' AND lease_owner IS NULL`,
				[guildId, universeId, part.targetKind],
			);
			await enqueueInPostgres(tx, event, this.clock());
			await writePostgresAudit(tx, guildId, null, audit);
		});
	}

	async listPushing(): Promise<PushingLink[]> {
		const rows = await this.db.rows<{ guild_id: string; universe_id: string }>("SELECT guild_id, universe_id FROM experience_links WHERE push_status = 'ok'");
		return rows.map((row) => ({ guildId: row.guild_id, universeId: row.universe_id }));
	}
}
