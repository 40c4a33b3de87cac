// gateway/auth/authenticate.ts
// Finds the API key in a request, verifies it, and checks the key's guild, address rules and scopes.

import type { IncomingHttpHeaders } from "node:http";
import type { Request, Response } from "express";
import { ErrorMessage, type ErrorCode } from "../../shared/errors";
import type { Scope } from "../../shared/records";
import { ApiError } from "../platform/http/envelope";
import type { Keys } from "../keys/keys";
import type { VerifiedKey, VerifyFailure } from "../keys/key-verifier";
import { allowAnyAddress } from "./address-matcher";
import type { AuthThrottle } from "./auth-throttle";

const KEY_SCHEME = /^(?:ApiKey|Bearer)(?:\s+|$)/i;

/**
 * Reads the key from `X-API-Key`, `Authorization: ApiKey …` or `Authorization: Bearer …`. Whatever
 * follows the scheme is the key as given (`Bearer <key> extra` is an invalid key, not a missing one);
 * a scheme with nothing after it, or an Authorization header of another scheme, carries no API key.
 */
export function extractApiKey(headers: IncomingHttpHeaders): string | undefined {
	const direct = headers["x-api-key"];
	if (typeof direct === "string" && direct.trim() !== "") return direct.trim();
	const authorization = headers.authorization?.trim() ?? "";
	const scheme = KEY_SCHEME.exec(authorization);
	if (scheme === null || scheme[0].length === authorization.length) return undefined;
	return authorization.slice(scheme[0].length);
}

const FAILURE_CODE: Record<VerifyFailure, ErrorCode> = {
	malformed: "invalid_api_key",
	unknown: "invalid_api_key",
	revoked: "key_revoked",
	disabled: "key_disabled",
	expired: "key_expired",
	auto_expired: "key_auto_expired",
	moderated: "key_moderated",
	user_moderated: "key_user_moderated",
	creator_removed: "key_creator_removed",
};

/** The key verified for this request (set by the route's guard). */
export function verifiedKey(res: Response): VerifiedKey {
	const key = res.locals.apiKey as VerifiedKey | undefined;
	if (key === undefined) throw new Error("verifiedKey() used on a route without a guard");
	return key;
}

/**
 * Verifies the request's API key. Failures count against the caller's address; while the address is
 * throttled, keys that do not verify get `auth_throttled` (and a malformed one no store lookup at all).
 */
export async function authenticateRequest(req: Request, keys: Pick<Keys, "verifier" | "usage">, throttle: AuthThrottle): Promise<VerifiedKey> {
	const apiKey = extractApiKey(req.headers);
	const result = apiKey === undefined ? undefined : await keys.verifier.verify(apiKey);
	if (result?.ok) {
		// The address as TRUST_PROXY reads it: the key's last_used_ip and recent addresses (docs/api.md, "API summary").
		keys.usage.recordUse(result.key.id, req.ip);
		return result.key;
	}
	return throttle.refuse(
		req.ip,
		result === undefined
			? new ApiError(401, "missing_api_key", ErrorMessage.missingApiKey)
			: new ApiError(401, FAILURE_CODE[result.reason], ErrorMessage.invalidApiKey),
	);
}

/** Refuses a verified key outside its guild (`:guildId`), its address rules or its scopes. */
export function authorizeRequest(req: Request, key: VerifiedKey, scope: Scope, guildId: unknown = req.params.guildId): void {
	if (guildId !== key.guildId) throw new ApiError(403, "guild_mismatch", ErrorMessage.guildMismatch);
	// req.ip parses forwarded headers on every read: only keys with address rules need it.
	if (key.allowsAddress !== allowAnyAddress && !key.allowsAddress(req.ip)) {
		throw new ApiError(403, "ip_not_allowed", ErrorMessage.ipNotAllowed);
	}
	if (!key.scopes.has(scope)) throw new ApiError(403, "insufficient_scope", ErrorMessage.insufficientScope);
}
