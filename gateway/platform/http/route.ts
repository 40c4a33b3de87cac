// gateway/platform/http/route.ts
// A route declared once: method, path, guard, request and answer schemas, documentation and handler, for the router and the OpenAPI document alike.

import type { RequestHandler, Router } from "express";
import type { z } from "zod";
import type { ErrorCode } from "../../../shared/errors";
import type { Permission, QuotaCategory, Scope } from "../../../shared/records";

/** What an admin caller must hold beyond signing in (docs/api.md, "API summary": the permissions). */
export type AdminNeed =
	| { permission: readonly [Permission, ...Permission[]] }
	/** `view` reads one key, `change` acts on it: `create_keys` reaches only the caller's own keys. */
	| { key: "view" | "change" }
	/** Listing keys: `view`, `administer_keys` or `create_keys` (which then sees only its own). */
	| { keyListing: true }
	/** Any permission in some guild (people's names and faces, which belong to no guild). */
	| { someGuild: true }
	/** Only `Authorization: Bearer <ADMIN_TOKEN>`. */
	| { platformOperator: true };

/**
 * Who may call the route, checked before its handler by one middleware the router builds once.
 * `api_key`: a guild's key with the scope, spending the category's quota (`cost` points from the
 * parsed body; `body` parses the JSON body inside the guard, after the key is verified).
 */
export type Guard =
	| {
			caller: "api_key";
			scope: Scope;
			category: QuotaCategory;
			cost?: (body: unknown) => number;
			body?: boolean;
			/**
			 * Where the guild is named: the path's `:guildId` (the default), or, on Technified's plugin
			 * protocol routes, the body's or query's `guildId` or the `X-Guild-ID` header (the key's own
			 * guild when none is given; the body is then read before the guild is checked).
			 */
			guildIn?: "path" | "plugin";
	  }
	| { caller: "admin"; need?: AdminNeed }
	| { caller: "anyone" }
	/** A browser back from Discord's sign-in: no credential yet, failures count against its address. */
	| { caller: "sign_in" }
	/** `/metrics`: open, or `Authorization: Bearer <METRICS_TOKEN>` when that is set. */
	| { caller: "metrics" };

export type Tag = "Moderation" | "Live servers" | "API keys" | "Operators" | "Outbound" | "Roblox users" | "Discord" | "Health" | "Reference";

/** One answer besides the errors: its status and, for a JSON envelope, the schema of its `data`. */
export interface SuccessAnswer {
	status: number;
	description: string;
	/** The envelope's `data`; null for an answer without a body (204, 302); `text` for another media type. */
	data: z.ZodType | null | { text: string; schema: z.ZodType };
	/** A real answer's `message` and `data`, shown in the document (and checked against its schema by a test). */
	example?: { message: string; data: unknown };
}

export interface RouteRequest {
	params?: z.ZodObject;
	query?: z.ZodObject;
	body?: { schema: z.ZodType; required: boolean; example?: unknown };
	/** Request headers the route reads, as OpenAPI header parameters. */
	headers?: readonly { name: string; description: string; schema: z.ZodType }[];
}

export interface Route<Deps = unknown> {
	method: "get" | "post" | "patch" | "delete";
	/** Express's form (`/api/v1/moderation/:guildId/…`); the document writes `{guildId}`. */
	path: string;
	tag: Tag;
	summary: string;
	description?: string;
	guard: Guard;
	request?: RouteRequest;
	/** The success answers: usually one; the events route also answers as an event stream. */
	answers: readonly [SuccessAnswer, ...SuccessAnswer[]];
	/** Statuses the route's own work may answer (404, 409, 502, …); the guard's, the request's and the edge's are added. */
	errors?: readonly number[];
	/** The `error` codes of its 409, when it has one: each route conflicts in its own way. */
	conflicts?: readonly [ErrorCode, ...ErrorCode[]];
	/** Keyed game-server reads matched by the hot table before Express (`hot-routes.ts`). */
	hot?: boolean;
	/** The handlers after the guard, built once from the feature's parts at registration. */
	handle(deps: Deps): RequestHandler[];
}

/** Declares a route, typed against the parts its handler needs. */
export function defineRoute<Deps>(route: Route<Deps>): Route<Deps> {
	return route;
}

/** The guard of a route that needs no credential; a route that does, registered here, is a mistake caught at start. */
export function noCredential(guard: Guard): RequestHandler[] {
	if (guard.caller !== "anyone" && guard.caller !== "sign_in") throw new Error(`a route for the ${guard.caller} caller registered without its guard`);
	return [];
}

/** Where routes are registered: an Express app or router, and for `hot` routes the hot table. */
export interface RouteTarget {
	express: Pick<Router, "get" | "post" | "patch" | "delete">;
	hot?: { get(path: string, ...handlers: RequestHandler[]): void; post(path: string, ...handlers: RequestHandler[]): void };
	/** The prefix the target is mounted under (`/admin/v1`), taken off each route's path. */
	under?: string;
}

/**
 * Registers each route with its guard (one middleware, compiled once here, never per request) and
 * its handlers, in the order given: Express matches in registration order.
 */
export function registerRoutes<Deps>(
	target: RouteTarget,
	routes: readonly Route<Deps>[],
	deps: Deps,
	guardOf: (guard: Guard) => RequestHandler[],
): void {
	const under = target.under ?? "";
	for (const route of routes) {
		if (!route.path.startsWith(under)) throw new Error(`${route.path} is not under ${under}`);
		const path = route.path.slice(under.length);
		const chain = [...guardOf(route.guard), ...route.handle(deps)];
		if (route.hot === true) {
			if (target.hot === undefined || (route.method !== "get" && route.method !== "post")) throw new Error(`${route.path}: no hot table for it`);
			target.hot[route.method](path, ...chain);
		} else {
			target.express[route.method](path, ...chain);
		}
	}
}
