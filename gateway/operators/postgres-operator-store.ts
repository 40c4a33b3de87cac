// gateway/operators/postgres-operator-store.ts
// Operators in the shared PostgreSQL database (DATABASE_URL), so every gateway instance honours the same sessions and grants.

import type { Permission } from "./access";
import { writePostgresAudit } from "../keys/audit-writes";
import type { PostgresDatabase, Queryable } from "../platform/db/postgres-database";
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
 * const operators = new PostgresOperatorStore((await openPostgresGatewayDatabase({ connectionString })).postgres);
 */
export class PostgresOperatorStore implements OperatorStore {
	/** On the gateway database's pool (see platform/db/gateway-database.ts), migrated already. */
	constructor(private readonly db: PostgresDatabase) {}

	async upsertOperator(operator: { id: string; name: string; sealedTokens: string | null }): Promise<StoredOperator> {
		const [row] = await this.db.rows<OperatorRow>(
			`INSERT INTO operators (id, name, sealed_tokens) VALUES ($1, $2, $3)
			 ON CONFLICT (id) DO UPDATE SET name = excluded.name, sealed_tokens = excluded.sealed_tokens RETURNING *`,
			[operator.id, operator.name, operator.sealedTokens],
		);
		return toOperator(row);
	}

	async getOperator(id: string): Promise<StoredOperator | undefined> {
		const [row] = await this.db.rows<OperatorRow>("SELECT * FROM operators WHERE id = $1", [id]);
		return row === undefined ? undefined : toOperator(row);
	}

	async setSuspended(id: string, suspendedAt: number | null): Promise<boolean> {
		const rows = await this.db.rows("UPDATE operators SET suspended_at = $1 WHERE id = $2 RETURNING id", [suspendedAt, id]);
		return rows.length > 0;
	}

	async setTokens(id: string, sealedTokens: string | null): Promise<void> {
		await this.db.rows("UPDATE operators SET sealed_tokens = $1 WHERE id = $2", [sealedTokens, id]);
	}

	async replaceGuilds(operatorId: string, guilds: readonly OperatorGuild[], readAt: number): Promise<void> {
		await this.db.transaction(async (tx) => {
			await tx.rows("DELETE FROM operator_guilds WHERE operator_id = $1", [operatorId]);
			if (guilds.length > 0) {
				await tx.rows(
					`INSERT INTO operator_guilds (operator_id, guild_id, name, icon, owner, permissions)
					 SELECT $1, * FROM unnest($2::text[], $3::text[], $4::text[], $5::boolean[], $6::text[])`,
					[
						operatorId,
						guilds.map((guild) => guild.guildId),
						guilds.map((guild) => guild.name),
						guilds.map((guild) => guild.icon),
						guilds.map((guild) => guild.owner),
						guilds.map((guild) => guild.permissions),
					],
				);
			}
			await tx.rows("UPDATE operators SET guilds_read_at = $1 WHERE id = $2", [readAt, operatorId]);
		});
	}

	async guildsOf(operatorId: string): Promise<OperatorGuild[]> {
		const rows = await this.db.rows<GuildRow>("SELECT * FROM operator_guilds WHERE operator_id = $1 ORDER BY name, guild_id", [operatorId]);
		return rows.map(toOperatorGuild);
	}

	async guildNames(guildIds: readonly string[]): Promise<Map<string, { name: string; icon: string | null }>> {
		const rows = await this.db.rows<{ guild_id: string; name: string; icon: string | null }>(
			"SELECT DISTINCT ON (guild_id) guild_id, name, icon FROM operator_guilds WHERE guild_id = ANY($1::text[]) ORDER BY guild_id",
			[guildIds],
		);
		return new Map(rows.map((row) => [row.guild_id, { name: row.name, icon: row.icon }]));
	}

	async createSession(session: StoredSession): Promise<void> {
		await this.db.rows(
			"INSERT INTO operator_sessions (token_hash, operator_id, csrf_token, created_at, last_seen_at) VALUES ($1, $2, $3, $4, $5)",
			[session.tokenHash, session.operatorId, session.csrfToken, session.createdAt, session.lastSeenAt],
		);
	}

	async findSession(tokenHash: string): Promise<{ session: StoredSession; operator: StoredOperator } | undefined> {
		const [row] = await this.db.rows<SessionRow & { operator: OperatorRow }>(
			`SELECT operator_sessions.*, row_to_json(operators.*) AS operator
			 FROM operator_sessions JOIN operators ON operators.id = operator_sessions.operator_id WHERE token_hash = $1`,
			[tokenHash],
		);
		return row === undefined ? undefined : { session: toSession(row), operator: toOperator(row.operator) };
	}

	async touchSession(tokenHash: string, lastSeenAt: number): Promise<void> {
		await this.db.rows("UPDATE operator_sessions SET last_seen_at = GREATEST(last_seen_at, $1) WHERE token_hash = $2", [lastSeenAt, tokenHash]);
	}

	async deleteSession(tokenHash: string): Promise<void> {
		await this.db.rows("DELETE FROM operator_sessions WHERE token_hash = $1", [tokenHash]);
	}

	async deleteSessionsOf(operatorId: string): Promise<void> {
		await this.db.rows("DELETE FROM operator_sessions WHERE operator_id = $1", [operatorId]);
	}

	async operatorsToRefresh(activeSince: number, readBefore: number): Promise<StoredOperator[]> {
		const rows = await this.db.rows<OperatorRow>(
			`SELECT * FROM operators WHERE (guilds_read_at IS NULL OR guilds_read_at < $1)
			 AND EXISTS (SELECT 1 FROM operator_sessions WHERE operator_id = operators.id AND last_seen_at >= $2) ORDER BY id`,
			[readBefore, activeSince],
		);
		return rows.map(toOperator);
	}

	async pruneSessions(idleBefore: number, createdBefore: number): Promise<void> {
		await this.db.rows("DELETE FROM operator_sessions WHERE last_seen_at < $1 OR created_at < $2", [idleBefore, createdBefore]);
	}

	async listMembers(guildId: string): Promise<StoredMember[]> {
		const rows = await this.db.rows<MemberRow>(`${MEMBER_SELECT} WHERE guild_id = $1 ORDER BY added_at, discord_user_id`, [guildId]);
		return rows.map(toMember);
	}

	async grantsOf(discordUserId: string): Promise<Map<string, Permission[]>> {
		const rows = await this.db.rows<MemberRow>(`${MEMBER_SELECT} WHERE discord_user_id = $1`, [discordUserId]);
		return new Map(rows.map((row) => [row.guild_id, toMember(row).permissions]));
	}

	async getMember(guildId: string, discordUserId: string): Promise<StoredMember | undefined> {
		return memberIn(this.db, guildId, discordUserId);
	}

	// Grant changes lock the member row (FOR UPDATE) so the audit's "before" is the one replaced; the
	// audit event and its `member.changed` delivery are written in the same transaction.

	async addMember(member: Omit<StoredMember, "name">, change?: MemberChange): Promise<boolean> {
		return this.db.transaction(async (tx) => {
			const rows = await tx.rows(
				`INSERT INTO guild_members (guild_id, discord_user_id, permissions, added_by, added_at) VALUES ($1, $2, $3, $4, $5)
				 ON CONFLICT (guild_id, discord_user_id) DO NOTHING RETURNING guild_id`,
				[member.guildId, member.discordUserId, JSON.stringify(member.permissions), JSON.stringify(member.addedBy), member.addedAt],
			);
			if (rows.length === 0) return false;
			if (change !== undefined) {
				const after = await memberIn(tx, member.guildId, member.discordUserId);
				await writePostgresAudit(tx, member.guildId, null, memberAudit("member_added", undefined, after, change));
			}
			return true;
		});
	}

	async updateMember(guildId: string, discordUserId: string, permissions: readonly Permission[], change?: MemberChange): Promise<boolean> {
		return this.db.transaction(async (tx) => {
			const before = await memberIn(tx, guildId, discordUserId, " FOR UPDATE OF guild_members");
			if (before === undefined) return false;
			await tx.rows("UPDATE guild_members SET permissions = $1 WHERE guild_id = $2 AND discord_user_id = $3", [
				JSON.stringify(permissions),
				guildId,
				discordUserId,
			]);
			if (change !== undefined) {
				const after = await memberIn(tx, guildId, discordUserId);
				await writePostgresAudit(tx, guildId, null, memberAudit("member_updated", before, after, change));
			}
			return true;
		});
	}

	async deleteMember(guildId: string, discordUserId: string, change?: MemberChange): Promise<boolean> {
		return this.db.transaction(async (tx) => {
			const before = await memberIn(tx, guildId, discordUserId, " FOR UPDATE OF guild_members");
			if (before === undefined) return false;
			await tx.rows("DELETE FROM guild_members WHERE guild_id = $1 AND discord_user_id = $2", [guildId, discordUserId]);
			if (change !== undefined) await writePostgresAudit(tx, guildId, null, memberAudit("member_removed", before, undefined, change));
			return true;
		});
	}
}

async function memberIn(db: Queryable, guildId: string, discordUserId: string, lock = ""): Promise<StoredMember | undefined> {
	const [row] = await db.rows<MemberRow>(`${MEMBER_SELECT} WHERE guild_id = $1 AND discord_user_id = $2${lock}`, [guildId, discordUserId]);
	return row === undefined ? undefined : toMember(row);
}
