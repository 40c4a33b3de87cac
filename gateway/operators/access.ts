// gateway/operators/access.ts
// Who is calling the management API and what they may do in a guild: the one place a route's permission is checked.

import type { Request, RequestHandler, Response } from "express";
import type { Actor, ApiKeyRecord } from "../../shared/records";
import { ApiError } from "../platform/http/envelope";
import type { ChangedBy } from "../keys/key-store";
import type { Guard } from "../platform/http/route";
import { PERMISSIONS, type Permission } from "../../shared/records";

export type { Actor };

export { PERMISSIONS, type Permission };

/** The caller of one admin request, as its credentials established it. */
export interface Access {
	actor: Actor;
	/** What the caller may do in `guildId`. */
	permissionsIn(guildId: string): ReadonlySet<Permission>;
	/** True when the caller holds some permission in some guild. */
	inSomeGuild(): boolean;
}

const EVERY_PERMISSION: ReadonlySet<Permission> = new Set(PERMISSIONS);
const NO_PERMISSION: ReadonlySet<Permission> = new Set();

/** The holder of ADMIN_TOKEN: every guild, every action. */
export const PLATFORM_OPERATOR: Access = { actor: { type: "admin_token" }, permissionsIn: () => EVERY_PERMISSION, inSomeGuild: () => true };

/** Discord's permission bits (`GET /users/@me/guilds` reports them as a decimal string) that give every permission. */
const ADMINISTRATOR = 0x8n;
const MANAGE_GUILD = 0x20n;

/** A guild as Discord last reported it for the operator. */
export interface DiscordGuildRights {
	owner: boolean;
	/** The bitfield as Discord sends it: a decimal string. */
	permissions: string;
}

/** True for the guild's owner and for holders of Administrator or Manage Server (docs/api.md, "API summary"). */
export function discordGrantsAll(guild: DiscordGuildRights): boolean {
	if (guild.owner) return true;
	let bits: bigint;
	try {
		bits = BigInt(guild.permissions);
	} catch {
		return false;
	}
	return (bits & (ADMINISTRATOR | MANAGE_GUILD)) !== 0n;
}

/** What an operator may do in one guild: everything through Discord, else what members with manage_members granted. */
export function operatorPermissions(discord: DiscordGuildRights | undefined, granted: readonly Permission[]): ReadonlySet<Permission> {
	if (discord !== undefined && discordGrantsAll(discord)) return EVERY_PERMISSION;
	return granted.length === 0 ? NO_PERMISSION : new Set(granted);
}

/**
 * A signed-in operator's access. `discordGuilds` is their guilds as Discord last reported them,
 * `grants` what was granted to them per guild.
 */
export function operatorAccess(
	operator: { id: string; name: string },
	discordGuilds: ReadonlyMap<string, DiscordGuildRights>,
	grants: ReadonlyMap<string, readonly Permission[]>,
): Access {
	const cache = new Map<string, ReadonlySet<Permission>>();
	return {
		actor: { type: "operator", id: operator.id, name: operator.name },
		permissionsIn(guildId) {
			let permissions = cache.get(guildId);
			if (permissions === undefined) {
				permissions = operatorPermissions(discordGuilds.get(guildId), grants.get(guildId) ?? []);
				cache.set(guildId, permissions);
			}
			return permissions;
		},
		inSomeGuild() {
			return [...discordGuilds.keys(), ...grants.keys()].some((guildId) => this.permissionsIn(guildId).size > 0);
		},
	};
}

/** Set by the router's authentication step; every admin route runs after it. */
export function accessOf(res: Response): Access {
	const access = res.locals.access as Access | undefined;
	if (access === undefined) throw new Error("admin route reached without authentication");
	return access;
}

export function grantAccess(res: Response, access: Access): void {
	res.locals.access = access;
}

/** The actor and address a change made by this request is recorded against (audit, logs). */
export function changedBy(req: Request, res: Response): ChangedBy {
	return { actor: accessOf(res).actor, address: req.ip ?? null };
}

const denied = (permission: Permission) => new ApiError(403, "permission_denied", `You lack the ${permission} permission in this guild`);

/** Refuses, with 403, a caller who holds none of `permissions` (usually one) in the route's `:guildId`. */
export function requirePermission(...permissions: [Permission, ...Permission[]]): RequestHandler {
	return (req, res, next) => {
		const { guildId } = req.params as { guildId?: string };
		const held = guildId === undefined ? NO_PERMISSION : accessOf(res).permissionsIn(guildId);
		if (permissions.some((permission) => held.has(permission))) return next();
		next(denied(permissions[0]));
	};
}

/** Refuses, with 403, an operator who holds no permission in any guild. */
export const requireSomeGuild: RequestHandler = (_req, res, next) => {
	if (accessOf(res).inSomeGuild()) return next();
	next(new ApiError(403, "permission_denied", "You hold no permission in any guild"));
};

/** Refuses, with 403, anyone but the holder of ADMIN_TOKEN (moderating keys, suspending operators). */
export const requirePlatformOperator: RequestHandler = (_req, res, next) => {
	if (accessOf(res).actor.type === "admin_token") return next();
	next(new ApiError(403, "permission_denied", "Only the platform operator (ADMIN_TOKEN) may do this"));
};

/**
 * What a key route needs: `view` reads a key (its usage), `change` acts on it. `administer_keys`
 * allows both on every key of the guild, `view` allows reading; `create_keys` alone allows both only
 * on the keys the caller generated (docs/api.md, "API summary": "Create group API keys").
 */
export type KeyNeed = "view" | "change";

/** `creatorId`: the operator who generated the key's current secret, null for the admin token. */
function allowsKey(access: Access, guildId: string, need: KeyNeed, creatorId: string | null): boolean {
	const permissions = access.permissionsIn(guildId);
	if (permissions.has("administer_keys") || (need === "view" && permissions.has("view"))) return true;
	return permissions.has("create_keys") && access.actor.type === "operator" && creatorId === access.actor.id;
}

/** The keys of a listing the caller may see: all with `view` or `administer_keys`, else their own. */
export function visibleKeys(access: Access, guildId: string, keys: readonly ApiKeyRecord[]): ApiKeyRecord[] {
	return keys.filter((key) => allowsKey(access, guildId, "view", key.created_by.id));
}

/** Listing keys: `view`, `administer_keys` or `create_keys` (which then sees only its own, `visibleKeys`). */
export const requireKeyListing: RequestHandler = (req, res, next) => {
	const { guildId } = req.params as { guildId?: string };
	const permissions = guildId === undefined ? NO_PERMISSION : accessOf(res).permissionsIn(guildId);
	if (permissions.has("view") || permissions.has("administer_keys") || permissions.has("create_keys")) return next();
	next(denied("view"));
};

/**
 * Guards a route on one key (`:guildId`, `:keyId`). A caller with no permission that could reach the
 * key is refused before the key is looked up; `creatorOf` answers 404 for a key the guild does not have.
 */
export function requireKeyPermission(need: KeyNeed, creatorOf: (guildId: string, keyId: string) => Promise<string | null>): RequestHandler {
	const permission: Permission = need === "view" ? "view" : "administer_keys";
	return async (req, res, next) => {
		const { guildId, keyId } = req.params as { guildId?: string; keyId?: string };
		if (guildId === undefined || keyId === undefined) return next(denied(permission));
		const access = accessOf(res);
		const permissions = access.permissionsIn(guildId);
		if (permissions.has("administer_keys") || (need === "view" && permissions.has("view"))) return next();
		if (!permissions.has("create_keys")) return next(denied(permission));
		if (allowsKey(access, guildId, need, await creatorOf(guildId, keyId))) return next();
		next(new ApiError(403, "permission_denied", "You may change only the keys you generated in this guild"));
	};
}

/**
 * The guard of each admin route, compiled once at registration: the one check its declaration names
 * (`route.ts`), after the admin mount's authentication. `creatorOf` serves the key routes' `create_keys` rule.
 */
export function adminGuards(creatorOf: (guildId: string, keyId: string) => Promise<string | null>): (guard: Guard) => RequestHandler[] {
	return (guard) => {
		if (guard.caller !== "admin") throw new Error(`a route for the ${guard.caller} caller registered behind the admin API's authentication`);
		if (guard.need === undefined) return [];
		const { need } = guard;
		if ("permission" in need) return [requirePermission(...need.permission)];
		if ("key" in need) return [requireKeyPermission(need.key, creatorOf)];
		if ("keyListing" in need) return [requireKeyListing];
		if ("someGuild" in need) return [requireSomeGuild];
		return [requirePlatformOperator];
	};
}
