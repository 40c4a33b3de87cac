// gateway/operators/operator-service.ts
// Operators' lifecycle: Discord sign-in, sessions (idle and absolute lifetimes), guild re-reads, members, suspensions, and the key holds they cause.

import { createHash, randomBytes } from "node:crypto";
import { generateCodeVerifier, generateState } from "arctic";
import type { Actor } from "../../shared/records";
import {
	operatorAccess,
	operatorPermissions,
	PERMISSIONS,
	type Access,
	type DiscordGuildRights,
	type Permission,
} from "./access";
import { ApiError, notFound } from "../platform/http/envelope";
import type { KeyAdmin } from "../keys/key-admin";
import type { ChangedBy } from "../keys/key-store";
import type { SecretBox } from "../platform/secrets/secret-box";
import { DiscordRefused, type DiscordClient, type DiscordTokens } from "./discord-client";
import type { OperatorGuild, OperatorStore, StoredMember, StoredOperator, StoredSession } from "./operator-store";

/** A session ends after this long without a request… */
export const SESSION_IDLE_SECONDS = 12 * 3_600;
/** …and this long after sign-in whatever happens: then Discord is asked again. */
export const SESSION_LIFETIME_SECONDS = 7 * 86_400;
/** docs/api.md's "API summary": a signed-in operator's guilds are read again at least this often. */
export const GUILDS_REREAD_SECONDS = 3_600;
/** Last-seen times are written at most this often per session: a request is not a write. */
const TOUCH_EVERY_SECONDS = 60;
/** How often the background pass looks for stale guild lists (well inside the hour). */
const REFRESH_PASS_MS = 5 * 60_000;
const TOKENS_PURPOSE = "discord-tokens";

const hashToken = (token: string) => createHash("sha256").update(token).digest("hex");
const randomToken = () => randomBytes(32).toString("base64url");

/** create_keys or administer_keys: what a creator must keep for their keys to keep working. */
const mayGenerateKeys = (permissions: ReadonlySet<Permission>) => permissions.has("create_keys") || permissions.has("administer_keys");

export interface SignInStart {
	url: string;
	state: string;
	codeVerifier: string;
}

export interface SignedInSession {
	access: Access;
	session: StoredSession;
	operator: StoredOperator;
}

export interface MemberRecord {
	discord_user_id: string;
	name: string | null;
	permissions: Permission[];
	added_by: Actor;
	added_at: number;
}

/** A grant of permissions in a guild to a Discord user, as the members route parsed it. */
export interface NewMember {
	discordUserId: string;
	permissions: Permission[];
}

export interface OperatorServiceOptions {
	store: OperatorStore;
	keys: KeyAdmin;
	/** Undefined without DISCORD_CLIENT_ID/SECRET: then only the admin token signs in. */
	discord: DiscordClient | undefined;
	secrets: SecretBox;
	clock?: () => number;
	log?: (message: string, err: unknown) => void;
}

const memberRecord = (member: StoredMember): MemberRecord => ({
	discord_user_id: member.discordUserId,
	name: member.name,
	permissions: member.permissions,
	added_by: member.addedBy,
	added_at: member.addedAt,
});

/**
 * @example
 * const operators = new OperatorService({ store, keys, discord, secrets });
 * const { url, state, codeVerifier } = operators.beginSignIn(redirectUri); // redirect the browser to url
 * const { token } = await operators.completeSignIn({ code, codeVerifier, redirectUri }); // the session cookie's value
 * const signedIn = await operators.sessionOf(token); // on each request: undefined once it ended
 */
export class OperatorService {
	private readonly store: OperatorStore;
	private readonly keys: KeyAdmin;
	private readonly discord: DiscordClient | undefined;
	private readonly secrets: SecretBox;
	private readonly clock: () => number;
	private readonly log: (message: string, err: unknown) => void;
	private timer: NodeJS.Timeout | undefined;

	constructor(options: OperatorServiceOptions) {
		this.store = options.store;
		this.keys = options.keys;
		this.discord = options.discord;
		this.secrets = options.secrets;
		this.clock = options.clock ?? Date.now;
		this.log = options.log ?? ((message, err) => console.error(message, err));
	}

	private now(): number {
		return Math.floor(this.clock() / 1000);
	}

	get discordEnabled(): boolean {
		return this.discord !== undefined;
	}

	private requireDiscord(): DiscordClient {
		if (this.discord === undefined) throw notFound("Discord sign-in is not configured on this gateway (DISCORD_CLIENT_ID and DISCORD_CLIENT_SECRET)");
		return this.discord;
	}

	/** Where to send the browser, with the state and PKCE verifier the callback must see again. */
	beginSignIn(redirectUri: string): SignInStart {
		const discord = this.requireDiscord();
		const state = generateState();
		const codeVerifier = generateCodeVerifier();
		return { url: discord.authorizationUrl(state, codeVerifier, redirectUri).toString(), state, codeVerifier };
	}

	/**
	 * Trades Discord's code for tokens, reads who the user is and their guilds, and opens a new session
	 * (a session the browser already had, `previousToken`, ends: sessions rotate at sign-in). Answers the
	 * new session's token with the operator. A suspended operator is refused.
	 */
	async completeSignIn(input: {
		code: string;
		codeVerifier: string;
		redirectUri: string;
		previousToken?: string;
	}): Promise<{ token: string; operator: StoredOperator }> {
		const discord = this.requireDiscord();
		const tokens = await discord.exchangeCode(input.code, input.codeVerifier, input.redirectUri);
		const identity = await discord.identity(tokens.accessToken);
		const known = await this.store.getOperator(identity.id);
		if (known?.suspendedAt != null) {
			throw new ApiError(403, "permission_denied", "Your operator account is suspended by the platform operator");
		}
		const operator = await this.store.upsertOperator({ ...identity, sealedTokens: this.seal(tokens) });
		await this.applyGuilds(operator, await discord.guilds(tokens.accessToken));
		if (input.previousToken !== undefined) await this.store.deleteSession(hashToken(input.previousToken));
		const token = randomToken();
		const now = this.now();
		await this.store.createSession({ tokenHash: hashToken(token), operatorId: operator.id, csrfToken: randomToken(), createdAt: now, lastSeenAt: now });
		return { token, operator };
	}

	/** The live session of a cookie's token, or undefined when it is unknown or ended (idle, too old, suspended). */
	async sessionOf(token: string): Promise<SignedInSession | undefined> {
		const tokenHash = hashToken(token);
		const found = await this.store.findSession(tokenHash);
		if (found === undefined) return undefined;
		const { session, operator } = found;
		const now = this.now();
		if (now >= this.expiresAt(session) || operator.suspendedAt !== null) {
			await this.store.deleteSession(tokenHash);
			return undefined;
		}
		if (now - session.lastSeenAt >= TOUCH_EVERY_SECONDS) await this.store.touchSession(tokenHash, now);
		return { access: await this.accessOf(operator), session, operator };
	}

	/** When the session ends if nothing else ends it first: idle time from now on, capped by its lifetime. */
	expiresAt(session: StoredSession): number {
		return Math.min(session.lastSeenAt + SESSION_IDLE_SECONDS, session.createdAt + SESSION_LIFETIME_SECONDS);
	}

	async signOut(token: string): Promise<void> {
		await this.store.deleteSession(hashToken(token));
	}

	/** Per guild: what Discord says the operator is there, and what members granted them. */
	async accessOf(operator: { id: string; name: string }): Promise<Access> {
		const [guilds, grants] = await Promise.all([this.store.guildsOf(operator.id), this.store.grantsOf(operator.id)]);
		return operatorAccess(operator, new Map(guilds.map((guild) => [guild.guildId, guild])), grants);
	}

	/** The operator's guilds with any permission (Discord's or granted), named as Discord names them. */
	async guildsOfOperator(operator: { id: string; name: string }): Promise<{ id: string; name: string | null; icon: string | null; permissions: Permission[] }[]> {
		const [guilds, grants] = await Promise.all([this.store.guildsOf(operator.id), this.store.grantsOf(operator.id)]);
		const byId = new Map(guilds.map((guild) => [guild.guildId, guild]));
		const ids = [...new Set([...byId.keys(), ...grants.keys()])];
		const names = await this.store.guildNames(ids.filter((id) => !byId.has(id)));
		return ids
			.map((id) => {
				const permissions = operatorPermissions(byId.get(id), grants.get(id) ?? []);
				const named = byId.get(id) ?? names.get(id);
				return { id, name: named?.name ?? null, icon: named?.icon ?? null, permissions: PERMISSIONS.filter((p) => permissions.has(p)) };
			})
			.filter((guild) => guild.permissions.length > 0)
			.sort((a, b) => (a.name ?? "").localeCompare(b.name ?? "") || a.id.localeCompare(b.id));
	}

	/** Discord names and icons of guilds, as any operator's last read saw them. */
	guildNames(guildIds: readonly string[]): Promise<Map<string, { name: string; icon: string | null }>> {
		return this.store.guildNames(guildIds);
	}

	/**
	 * Reads the operator's guilds from Discord again with their kept tokens (refreshing an expired access
	 * token). When Discord no longer accepts them, the tokens are dropped and the operator's sessions end:
	 * nothing can be known of their rights until they sign in again.
	 */
	async refreshGuilds(operator: StoredOperator): Promise<void> {
		const discord = this.requireDiscord();
		if (operator.sealedTokens === null) return;
		let tokens = JSON.parse(this.secrets.open(operator.sealedTokens, TOKENS_PURPOSE)) as DiscordTokens;
		try {
			if (tokens.expiresAt <= this.now() && tokens.refreshToken !== null) {
				tokens = await discord.refresh(tokens.refreshToken);
				await this.store.setTokens(operator.id, this.seal(tokens));
			}
			await this.applyGuilds(operator, await discord.guilds(tokens.accessToken));
		} catch (err) {
			if (!(err instanceof DiscordRefused)) throw err;
			await this.store.setTokens(operator.id, null);
			await this.store.deleteSessionsOf(operator.id);
		}
	}

	/** One pass: every operator active within the idle time whose guilds are over an hour old is read again. */
	async refreshStale(): Promise<void> {
		if (this.discord === undefined) return;
		const now = this.now();
		await this.store.pruneSessions(now - SESSION_IDLE_SECONDS, now - SESSION_LIFETIME_SECONDS);
		for (const operator of await this.store.operatorsToRefresh(now - SESSION_IDLE_SECONDS, now - GUILDS_REREAD_SECONDS)) {
			await this.refreshGuilds(operator).catch((err: unknown) => this.log(`re-reading the Discord guilds of operator ${operator.id} failed`, err));
		}
	}

	/** Starts the background re-reads (several instances may all run them: a re-read is idempotent). */
	start(): void {
		if (this.discord === undefined || this.timer !== undefined) return;
		this.timer = setInterval(() => {
			this.refreshStale().catch((err: unknown) => this.log("the operators' guild re-read pass failed", err));
		}, REFRESH_PASS_MS);
		this.timer.unref();
	}

	stop(): void {
		clearInterval(this.timer);
		this.timer = undefined;
	}

	/** Stores what Discord reported, then holds the operator's keys in every guild where they can no longer generate keys. */
	private async applyGuilds(operator: { id: string; name: string }, guilds: readonly OperatorGuild[]): Promise<void> {
		await this.store.replaceGuilds(operator.id, guilds, this.now());
		const access = await this.accessOf(operator);
		const by: ChangedBy = { actor: { type: "operator", id: operator.id, name: operator.name }, address: null };
		await this.keys.holdKeysOf(operator.id, "creator_removed", (guildId) => !mayGenerateKeys(access.permissionsIn(guildId)), by);
	}

	/** After a grant changed: the member's keys in the guild are held if they can no longer generate keys there. */
	private async followGrant(guildId: string, discordUserId: string, by: ChangedBy): Promise<void> {
		const [guilds, member] = await Promise.all([this.store.guildsOf(discordUserId), this.store.getMember(guildId, discordUserId)]);
		const discord: DiscordGuildRights | undefined = guilds.find((guild) => guild.guildId === guildId);
		if (mayGenerateKeys(operatorPermissions(discord, member?.permissions ?? []))) return;
		await this.keys.holdKeysOf(discordUserId, "creator_removed", (keyGuild) => keyGuild === guildId, by);
	}

	async listMembers(guildId: string): Promise<MemberRecord[]> {
		return (await this.store.listMembers(guildId)).map(memberRecord);
	}

	/** 409 `member_exists` when the guild already has them. */
	async addMember(guildId: string, { discordUserId, permissions }: NewMember, by: ChangedBy): Promise<MemberRecord> {
		const now = this.now();
		const added = await this.store.addMember({ guildId, discordUserId, permissions, addedBy: by.actor, addedAt: now }, { ...by, at: now });
		if (!added) throw new ApiError(409, "member_exists", "This Discord user is already a member of the guild; change their permissions instead");
		return memberRecord((await this.store.getMember(guildId, discordUserId))!);
	}

	async updateMember(guildId: string, discordUserId: string, permissions: readonly Permission[], by: ChangedBy): Promise<MemberRecord> {
		if (!(await this.store.updateMember(guildId, discordUserId, permissions, { ...by, at: this.now() }))) throw notFound("No such member in this guild");
		await this.followGrant(guildId, discordUserId, by);
		return memberRecord((await this.store.getMember(guildId, discordUserId))!);
	}

	async removeMember(guildId: string, discordUserId: string, by: ChangedBy): Promise<void> {
		if (!(await this.store.deleteMember(guildId, discordUserId, { ...by, at: this.now() }))) throw notFound("No such member in this guild");
		await this.followGrant(guildId, discordUserId, by);
	}

	/**
	 * Ends the operator's sessions and holds every key they generated (`user_moderated`); each guild where
	 * they hold a permission records the suspension in its audit. 404 for someone who never signed in.
	 */
	async suspend(discordUserId: string, by: ChangedBy): Promise<{ operator: StoredOperator; keysChanged: number }> {
		const now = this.now();
		if (!(await this.store.setSuspended(discordUserId, now))) throw notFound("No operator with this Discord user id has signed in");
		await this.store.deleteSessionsOf(discordUserId);
		const keysChanged = await this.keys.holdKeysOf(discordUserId, "user_moderated", () => true, by);
		const operator = (await this.store.getOperator(discordUserId))!;
		await this.auditInGuildsOf(operator, "operator_suspended", by);
		return { operator, keysChanged };
	}

	/** Lifts the suspension: their `user_moderated` keys are back to what they were. */
	async unsuspend(discordUserId: string, by: ChangedBy): Promise<{ operator: StoredOperator; keysChanged: number }> {
		if (!(await this.store.setSuspended(discordUserId, null))) throw notFound("No operator with this Discord user id has signed in");
		const keysChanged = await this.keys.releaseKeysOf(discordUserId, by);
		const operator = (await this.store.getOperator(discordUserId))!;
		await this.auditInGuildsOf(operator, "operator_unsuspended", by);
		return { operator, keysChanged };
	}

	private async auditInGuildsOf(operator: StoredOperator, event: "operator_suspended" | "operator_unsuspended", by: ChangedBy): Promise<void> {
		for (const guild of await this.guildsOfOperator(operator)) {
			await this.keys.recordEvent(guild.id, event, { discord_user_id: operator.id, name: operator.name }, by);
		}
	}

	private seal(tokens: DiscordTokens): string {
		return this.secrets.seal(JSON.stringify(tokens), TOKENS_PURPOSE);
	}
}
