// gateway/operators/operator-store.ts
// The storage interface for operators: their sessions, their Discord guilds, the members guilds granted, and suspensions.

import type { Actor } from "../../shared/records";
import type { DiscordGuildRights, Permission } from "./access";
import type { ChangedBy } from "../keys/key-store";

/** A Discord user who signed in at least once. Times are unix seconds. */
export interface StoredOperator {
	id: string;
	name: string;
	suspendedAt: number | null;
	/** When their guilds were last read from Discord (null: never). */
	guildsReadAt: number | null;
	/** Their Discord tokens, sealed by the SecretBox (never stored in the clear); null when none are kept. */
	sealedTokens: string | null;
}

/** One guild as Discord last reported it for an operator. */
export interface OperatorGuild extends DiscordGuildRights {
	guildId: string;
	name: string;
	/** Discord's icon hash; null when the guild has none. */
	icon: string | null;
}

export interface StoredSession {
	/** SHA-256 of the cookie's token: the token itself is never stored. */
	tokenHash: string;
	operatorId: string;
	csrfToken: string;
	createdAt: number;
	lastSeenAt: number;
}

/** An operator of a guild by grant (docs/api.md, "API summary": members routes). */
export interface StoredMember {
	guildId: string;
	discordUserId: string;
	/** Their Discord name once they signed in (from their operator row); null before. */
	name: string | null;
	permissions: Permission[];
	addedBy: Actor;
	addedAt: number;
}

/**
 * Who changed a grant and when (unix seconds). Given one, the store writes the guild's audit event and
 * the `member.changed` outbox event in the grant change's own transaction.
 */
export interface MemberChange extends ChangedBy {
	at: number;
}

/**
 * Every method is async so a networked store fits the same interface; every instance reading the same
 * database sees the same sessions, grants and suspensions.
 */
export interface OperatorStore {
	/** Inserts or refreshes the operator's name and tokens; the suspension and guild read time stay. */
	upsertOperator(operator: { id: string; name: string; sealedTokens: string | null }): Promise<StoredOperator>;
	getOperator(id: string): Promise<StoredOperator | undefined>;
	/** Sets or clears the suspension; false when no such operator exists. */
	setSuspended(id: string, suspendedAt: number | null): Promise<boolean>;
	setTokens(id: string, sealedTokens: string | null): Promise<void>;

	/** Replaces the operator's guilds with what Discord just reported, and notes the time. */
	replaceGuilds(operatorId: string, guilds: readonly OperatorGuild[], readAt: number): Promise<void>;
	guildsOf(operatorId: string): Promise<OperatorGuild[]>;
	/** Name and icon of each guild as any operator's Discord last reported it. */
	guildNames(guildIds: readonly string[]): Promise<Map<string, { name: string; icon: string | null }>>;

	createSession(session: StoredSession): Promise<void>;
	/** The session with its operator; undefined for an unknown token hash. */
	findSession(tokenHash: string): Promise<{ session: StoredSession; operator: StoredOperator } | undefined>;
	touchSession(tokenHash: string, lastSeenAt: number): Promise<void>;
	deleteSession(tokenHash: string): Promise<void>;
	/** Ends every session of the operator (suspension). */
	deleteSessionsOf(operatorId: string): Promise<void>;
	/** Operators with a session that was seen at or after `activeSince`, whose guilds were read before `readBefore` (or never). */
	operatorsToRefresh(activeSince: number, readBefore: number): Promise<StoredOperator[]>;
	/** Drops sessions last seen before `idleBefore` or created before `createdBefore`. */
	pruneSessions(idleBefore: number, createdBefore: number): Promise<void>;

	/** A guild's members by grant, oldest first. */
	listMembers(guildId: string): Promise<StoredMember[]>;
	/** Every grant of one Discord user, by guild. */
	grantsOf(discordUserId: string): Promise<Map<string, Permission[]>>;
	getMember(guildId: string, discordUserId: string): Promise<StoredMember | undefined>;
	/** Adds the member; false when the guild already has them. */
	addMember(member: Omit<StoredMember, "name">, change?: MemberChange): Promise<boolean>;
	/** Sets an existing member's permissions; false when the guild has no such member. */
	updateMember(guildId: string, discordUserId: string, permissions: readonly Permission[], change?: MemberChange): Promise<boolean>;
	deleteMember(guildId: string, discordUserId: string, change?: MemberChange): Promise<boolean>;
}
