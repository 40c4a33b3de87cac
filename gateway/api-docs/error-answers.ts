// gateway/api-docs/error-answers.ts
// Which error statuses a declared route can answer, and which `error` codes each carries: from its guard, its request, its own work and the edge.

import type { ErrorCode } from "../../shared/errors";
import type { Guard, Route } from "../platform/http/route";

export type Caller = Guard["caller"];

/** The edge answers these for any route (`platform/http/edge.ts`): a slow request, an `Expect` it refuses, too many headers. */
const EDGE = [408, 417, 431] as const;

/** Every status `route` may answer besides its successes, ascending. */
export function errorStatuses(route: Route): number[] {
	const statuses = new Set<number>([...EDGE, ...(route.errors ?? [])]);
	const { guard, request } = route;
	if (request?.params !== undefined || request?.query !== undefined || request?.headers !== undefined) statuses.add(400);
	switch (guard.caller) {
		case "api_key":
			// The key store may be unavailable (503); the body, when the guard reads it, may be wrong, too large or not JSON.
			for (const status of [401, 403, 429, 503]) statuses.add(status);
			if (guard.body === true) for (const status of [400, 413, 415]) statuses.add(status);
			break;
		case "admin":
			// The admin mount reads any body as JSON, and a session cookie's writes need the CSRF proof (403).
			for (const status of [400, 401, 413, 415, 429, 503]) statuses.add(status);
			if (guard.need !== undefined || route.method !== "get") statuses.add(403);
			break;
		case "metrics":
			statuses.add(401);
			statuses.add(429);
			break;
		case "anyone":
		case "sign_in":
			break;
	}
	return [...statuses].sort((a, b) => a - b);
}

/** The `error` codes each error status carries, by caller: what a client may switch on. */
export function errorCodes(status: number, caller: Caller): readonly [ErrorCode, ...ErrorCode[]] {
	switch (status) {
		case 400:
			return caller === "sign_in" ? ["bad_request", "signin_failed"] : ["bad_request"];
		case 401:
			return caller === "api_key"
				? [
						"missing_api_key",
						"invalid_api_key",
						"key_revoked",
						"key_disabled",
						"key_expired",
						"key_auto_expired",
						"key_moderated",
						"key_user_moderated",
						"key_creator_removed",
					]
				: ["unauthorized"];
		case 403:
			if (caller === "api_key") return ["guild_mismatch", "ip_not_allowed", "insufficient_scope"];
			return caller === "admin" ? ["permission_denied", "csrf_rejected"] : ["permission_denied"];
		case 404:
			return ["not_found", "server_not_found"];
		case 408:
			return ["request_timeout"];
		case 413:
			return ["payload_too_large"];
		case 415:
			return ["unsupported_media_type"];
		case 417:
			return ["expectation_failed"];
		case 429:
			return caller === "api_key" ? ["rate_limited", "auth_throttled"] : ["auth_throttled"];
		case 431:
			return ["headers_too_large"];
		case 502:
			return ["upstream_unavailable"];
		case 503:
			return ["service_unavailable"];
		case 504:
			return ["upstream_timeout"];
		default:
			throw new Error(`no error codes listed for status ${status}`);
	}
}

export const ERROR_DESCRIPTIONS: Record<number, string> = {
	400: "A path parameter, query value or body field is wrong; `message` says which and why (a failed Discord sign-in: `signin_failed`)",
	401: "The credential is missing or does not verify (for an API key: also one that is not active)",
	403:
		"For an API key: it belongs to another guild, the caller's address is outside `allowed_cidrs`, or the key lacks the scope. " +
		"For the admin API: the caller lacks the permission in the guild (`permission_denied`), or a request with a session cookie " +
		"came from another origin or without the CSRF token (`csrf_rejected`)",
	404: "Nothing to act on (no active record, no such key; `server_not_found`: no such live server)",
	408: "The request's headers or body did not arrive in time",
	409: "The change conflicts with the key's state, the guild's key limit, or an existing member",
	413: "The body is over 16 KB",
	415: "The body's charset or Content-Encoding is not one the gateway reads",
	417: "An `Expect` header other than `100-continue`",
	429: "Quota spent, or too many failed authentications from this address: retry after `retry_after` seconds",
	431: "Too many request headers, or headers too large",
	502: "The data store (or, for the sign-in, Discord) is unreachable, or answered something that is not JSON",
	503: "A database the gateway needs is unavailable; try again shortly",
	504: "The data store did not answer in time",
};
