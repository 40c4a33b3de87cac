// gateway/operators/operator-rows.ts
// The row shapes both SQL operator stores use, and their mapping to the stored types.

import type { Actor } from "../../shared/records";
import type { Permission } from "./access";
import type { AuditDraft } from "../keys/key-store";
import type { MemberChange, OperatorGuild, StoredMember, StoredOperator, StoredSession } from "./operator-store";

export interface OperatorRow {
	id: string;
	name: string;
	suspended_at: number | null;
	guilds_read_at: number | null;
	sealed_tokens: string | null;
}

export interface GuildRow {
	guild_id: string;
	name: string;
	icon: string | null;
	/** SQLite has no boolean: 0 or 1 there, a boolean in PostgreSQL. */
	owner: number | boolean;
	permissions: string;
}

export interface SessionRow {
	token_hash: string;
	operator_id: string;
	csrf_token: string;
	created_at: number;
	last_seen_at: number;
}

export interface MemberRow {
	guild_id: string;
	discord_user_id: string;
	name: string | null;
	/** JSON list of permissions. */
	permissions: string;
	/** JSON of the Actor who added them. */
	added_by: string;
	added_at: number;
}

export function toOperator(row: OperatorRow): StoredOperator {
	return {
		id: row.id,
		name: row.name,
		suspendedAt: row.suspended_at,
		guildsReadAt: row.guilds_read_at,
		sealedTokens: row.sealed_tokens,
	};
}

export function toOperatorGuild(row: GuildRow): OperatorGuild {
	return { guildId: row.guild_id, name: row.name, icon: row.icon, owner: Boolean(row.owner), permissions: row.permissions };
}

export function toSession(row: SessionRow): StoredSession {
	return {
		tokenHash: row.token_hash,
		operatorId: row.operator_id,
		csrfToken: row.csrf_token,
		createdAt: row.created_at,
		lastSeenAt: row.last_seen_at,
	};
}

export function toMember(row: MemberRow): StoredMember {
	return {
		guildId: row.guild_id,
		discordUserId: row.discord_user_id,
		name: row.name,
		permissions: JSON.parse(row.permissions) as Permission[],
		addedBy: JSON.parse(row.added_by) as Actor,
		addedAt: row.added_at,
	};
}

/**
 * The audit event of a grant change: the member's id and name, their permissions after it (none once
 * removed) and before it (none when added). Its `member.changed` outbox event carries the same.
 */
export function memberAudit(
	event: "member_added" | "member_updated" | "member_removed",
	before: StoredMember | undefined,
	after: StoredMember | undefined,
	change: MemberChange,
): AuditDraft {
	const member = (after ?? before)!;
	return {
		event,
		actor: change.actor,
		address: change.address,
		at: change.at,
		details: {
			discord_user_id: member.discordUserId,
			name: member.name,
			permissions: after?.permissions ?? [],
			previous_permissions: before?.permissions ?? [],
		},
	};
}
