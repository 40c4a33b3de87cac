// gateway/admin/access.ts
// Who is calling the management API and what they may do in a guild: the one place a route's permission is checked.

import type { RequestHandler, Response } from "express";
import { ApiError } from "../http/envelope";

/** The permissions of contract section 4, after Roblox's group API-key permissions. */
export const PERMISSIONS = ["administer_keys", "create_keys", "moderate", "view", "manage_members"] as const;
export type Permission = (typeof PERMISSIONS)[number];

/** Who a change is recorded against (audit, logs, `banned_by`). */
export type Actor = { type: "admin_token" } | { type: "operator"; id: string; name: string };

/** The caller of one admin request, as its credentials established it. */
export interface Access {
	actor: Actor;
	/** What the caller may do in `guildId`. */
	permissionsIn(guildId: string): ReadonlySet<Permission>;
}

const EVERY_PERMISSION: ReadonlySet<Permission> = new Set(PERMISSIONS);

/** The holder of ADMIN_TOKEN: every guild, every action. */
export const PLATFORM_OPERATOR: Access = { actor: { type: "admin_token" }, permissionsIn: () => EVERY_PERMISSION };

/** Set by the router's authentication step; every admin route runs after it. */
export function accessOf(res: Response): Access {
	const access = res.locals.access as Access | undefined;
	if (access === undefined) throw new Error("admin route reached without authentication");
	return access;
}

export function grantAccess(res: Response, access: Access): void {
	res.locals.access = access;
}

/** Refuses, with 403, a caller who lacks `permission` in the route's `:guildId`. */
export function requirePermission(permission: Permission): RequestHandler {
	return (req, res, next) => {
		const { guildId } = req.params as { guildId?: string };
		if (guildId !== undefined && accessOf(res).permissionsIn(guildId).has(permission)) return next();
		next(new ApiError(403, "permission_denied", `You lack the ${permission} permission in this guild`));
	};
}
