// gateway/operators/sqlite-operator-store.ts
// Operators in the gateway database's SQLite file (keys.sqlite): sessions, Discord guilds, grants, suspensions.

import type Database from "better-sqlite3";
import type { Permission } from "./access";
import { SqliteAuditWriter } from "../keys/audit-writes";
import type { AuditDraft } from "../keys/key-store";
import type { MemberChange, OperatorGuild, OperatorStore, StoredMember, StoredOperator, StoredSession } from "./operator-store";
import {
	memberAudit,
	toMember,
	toOperator,
	toOperatorGuild,
	toSession,
	type GuildRow,
	type MemberRow,
	type OperatorRow,
	type SessionRow,
} from "./operator-rows";

const MEMBER_SELECT = `SELECT guild_members.*, operators.name AS name FROM guild_members
	LEFT JOIN operators ON operators.id = guild_members.discord_user_id`;

/**
 * @example
 * const operators = new SqliteOperatorStore(openSqliteGatewayDatabase(dataDir).sqlite); // beside the keys
 */
export class SqliteOperatorStore implements OperatorStore {
	private readonly auditWriter: SqliteAuditWriter;

	/** On the gateway database's connection (see platform/db/gateway-database.ts), migrated already. */
	constructor(private readonly db: Database.Database) {
		this.auditWriter = new SqliteAuditWriter(db);
	}

	/** Writes the grant change's audit event and `member.changed` delivery; call inside the change's transaction. */
	private audit(guildId: string, draft: AuditDraft): void {
		this.auditWriter.write(guildId, null, draft);
	}

	async upsertOperator(operator: { id: string; name: string; sealedTokens: string | null }): Promise<StoredOperator> {
		const row = this.db
			.prepare<[string, string, string | null], OperatorRow>(
				`INSERT INTO operators (id, name, sealed_tokens) VALUES (?, ?, ?)
				 ON CONFLICT (id) DO UPDATE SET name = excluded.name, sealed_tokens = excluded.sealed_tokens RETURNING *`,
			)
			.get(operator.id, operator.name, operator.sealedTokens)!;
		return toOperator(row);
	}

	async getOperator(id: string): Promise<StoredOperator | undefined> {
		const row = this.db.prepare<[string], OperatorRow>("SELECT * FROM operators WHERE id = ?").get(id);
		return row === undefined ? undefined : toOperator(row);
	}

	async setSuspended(id: string, suspendedAt: number | null): Promise<boolean> {
		return this.db.prepare("UPDATE operators SET suspended_at = ? WHERE id = ?").run(suspendedAt, id).changes > 0;
	}

	async setTokens(id: string, sealedTokens: string | null): Promise<void> {
		this.db.prepare("UPDATE operators SET sealed_tokens = ? WHERE id = ?").run(sealedTokens, id);
	}

	async replaceGuilds(operatorId: string, guilds: readonly OperatorGuild[], readAt: number): Promise<void> {
		const insert = this.db.prepare(
			"INSERT INTO operator_guilds (operator_id, guild_id, name, icon, owner, permissions) VALUES (?, ?, ?, ?, ?, ?)",
		);
		this.db
			.transaction(() => {
				this.db.prepare("DELETE FROM operator_guilds WHERE operator_id = ?").run(operatorId);
				for (const guild of guilds) insert.run(operatorId, guild.guildId, guild.name, guild.icon, guild.owner ? 1 : 0, guild.permissions);
				this.db.prepare("UPDATE operators SET guilds_read_at = ? WHERE id = ?").run(readAt, operatorId);
			})
			.immediate();
	}

	async guildsOf(operatorId: string): Promise<OperatorGuild[]> {
		return this.db
			.prepare<[string], GuildRow>("SELECT * FROM operator_guilds WHERE operator_id = ? ORDER BY name, guild_id")
			.all(operatorId)
			.map(toOperatorGuild);
	}

	async guildNames(guildIds: readonly string[]): Promise<Map<string, { name: string; icon: string | null }>> {
		const names = new Map<string, { name: string; icon: string | null }>();
		const find = this.db.prepare<[string], { name: string; icon: string | null }>(
			"SELECT name, icon FROM operator_guilds WHERE guild_id = ? LIMIT 1",
		);
		for (const guildId of guildIds) {
			const row = find.get(guildId);
			if (row !== undefined) names.set(guildId, row);
		}
		return names;
	}

	async createSession(session: StoredSession): Promise<void> {
		this.db
			.prepare("INSERT INTO operator_sessions (token_hash, operator_id, csrf_token, created_at, last_seen_at) VALUES (?, ?, ?, ?, ?)")
			.run(session.tokenHash, session.operatorId, session.csrfToken, session.createdAt, session.lastSeenAt);
	}

	async findSession(tokenHash: string): Promise<{ session: StoredSession; operator: StoredOperator } | undefined> {
		const row = this.db
			.prepare<[string], SessionRow & { o_id: string; o_name: string; o_suspended_at: number | null; o_guilds_read_at: number | null; o_sealed_tokens: string | null }>(
				`SELECT operator_sessions.*, operators.id AS o_id, operators.name AS o_name, operators.suspended_at AS o_suspended_at,
				 operators.guilds_read_at AS o_guilds_read_at, operators.sealed_tokens AS o_sealed_tokens
				 FROM operator_sessions JOIN operators ON operators.id = operator_sessions.operator_id WHERE token_hash = ?`,
			)
			.get(tokenHash);
		if (row === undefined) return undefined;
		return {
			session: toSession(row),
			operator: toOperator({
				id: row.o_id,
				name: row.o_name,
				suspended_at: row.o_suspended_at,
				guilds_read_at: row.o_guilds_read_at,
				sealed_tokens: row.o_sealed_tokens,
			}),
		};
	}

	async touchSession(tokenHash: string, lastSeenAt: number): Promise<void> {
		this.db.prepare("UPDATE operator_sessions SET last_seen_at = max(last_seen_at, ?) WHERE token_hash = ?").run(lastSeenAt, tokenHash);
	}

	async deleteSession(tokenHash: string): Promise<void> {
		this.db.prepare("DELETE FROM operator_sessions WHERE token_hash = ?").run(tokenHash);
	}

	async deleteSessionsOf(operatorId: string): Promise<void> {
		this.db.prepare("DELETE FROM operator_sessions WHERE operator_id = ?").run(operatorId);
	}

	async operatorsToRefresh(activeSince: number, readBefore: number): Promise<StoredOperator[]> {
		return this.db
			.prepare<[number, number], OperatorRow>(
				`SELECT * FROM operators WHERE (guilds_read_at IS NULL OR guilds_read_at < ?)
				 AND EXISTS (SELECT 1 FROM operator_sessions WHERE operator_id = operators.id AND last_seen_at >= ?) ORDER BY id`,
			)
			.all(readBefore, activeSince)
			.map(toOperator);
	}

	async pruneSessions(idleBefore: number, createdBefore: number): Promise<void> {
		this.db.prepare("DELETE FROM operator_sessions WHERE last_seen_at < ? OR created_at < ?").run(idleBefore, createdBefore);
	}

	async listMembers(guildId: string): Promise<StoredMember[]> {
		return this.db
			.prepare<[string], MemberRow>(`${MEMBER_SELECT} WHERE guild_id = ? ORDER BY added_at, discord_user_id`)
			.all(guildId)
			.map(toMember);
	}

	async grantsOf(discordUserId: string): Promise<Map<string, Permission[]>> {
		const rows = this.db.prepare<[string], MemberRow>(`${MEMBER_SELECT} WHERE discord_user_id = ?`).all(discordUserId);
		return new Map(rows.map((row) => [row.guild_id, toMember(row).permissions]));
	}

	async getMember(guildId: string, discordUserId: string): Promise<StoredMember | undefined> {
		return this.memberNow(guildId, discordUserId);
	}

	private memberNow(guildId: string, discordUserId: string): StoredMember | undefined {
		const row = this.db.prepare<[string, string], MemberRow>(`${MEMBER_SELECT} WHERE guild_id = ? AND discord_user_id = ?`).get(guildId, discordUserId);
		return row === undefined ? undefined : toMember(row);
	}

	async addMember(member: Omit<StoredMember, "name">, change?: MemberChange): Promise<boolean> {
		return this.db
			.transaction((): boolean => {
				const result = this.db
					.prepare(
						`INSERT INTO guild_members (guild_id, discord_user_id, permissions, added_by, added_at) VALUES (?, ?, ?, ?, ?)
						 ON CONFLICT (guild_id, discord_user_id) DO NOTHING`,
					)
					.run(member.guildId, member.discordUserId, JSON.stringify(member.permissions), JSON.stringify(member.addedBy), member.addedAt);
				if (result.changes === 0) return false;
				if (change !== undefined) {
					this.audit(member.guildId, memberAudit("member_added", undefined, this.memberNow(member.guildId, member.discordUserId), change));
				}
				return true;
			})
			.immediate();
	}

	async updateMember(guildId: string, discordUserId: string, permissions: readonly Permission[], change?: MemberChange): Promise<boolean> {
		return this.db
			.transaction((): boolean => {
				const before = this.memberNow(guildId, discordUserId);
				if (before === undefined) return false;
				this.db
					.prepare("UPDATE guild_members SET permissions = ? WHERE guild_id = ? AND discord_user_id = ?")
					.run(JSON.stringify(permissions), guildId, discordUserId);
				if (change !== undefined) this.audit(guildId, memberAudit("member_updated", before, this.memberNow(guildId, discordUserId), change));
				return true;
			})
			.immediate();
	}

	async deleteMember(guildId: string, discordUserId: string, change?: MemberChange): Promise<boolean> {
		return this.db
			.transaction((): boolean => {
				const before = this.memberNow(guildId, discordUserId);
				if (before === undefined) return false;
				this.db.prepare("DELETE FROM guild_members WHERE guild_id = ? AND discord_user_id = ?").run(guildId, discordUserId);
				if (change !== undefined) this.audit(guildId, memberAudit("member_removed", before, undefined, change));
				return true;
			})
			.immediate();
	}
}
