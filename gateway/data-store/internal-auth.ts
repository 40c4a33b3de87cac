// gateway/data-store/internal-auth.ts
// Admits only requests the gateway forwarded: the shared internal token, and a path guild the gateway verified.

import { createHash, timingSafeEqual } from "node:crypto";
import type { RequestHandler } from "express";
import { ErrorMessage } from "../../shared/errors";
import { ApiError } from "../platform/http/envelope";
import { GUILD_HEADER, INTERNAL_TOKEN_HEADER } from "./internal-headers";
import { parseGuildId, pathParam } from "../moderation/request-fields";

// Digests have one length whatever the caller sends, so the comparison leaks neither the token's
// content nor its length through timing.
const digest = (text: string) => createHash("sha256").update(text).digest();

/** 401 `unauthorized` unless the internal token header carries the shared secret. */
export function requireInternalToken(internalToken: string): RequestHandler {
	if (internalToken === "") throw new Error("the data store's internal token must not be empty");
	const expected = digest(internalToken);
	return (req, _res, next) => {
		const sent = req.get(INTERNAL_TOKEN_HEADER);
		if (sent === undefined || !timingSafeEqual(digest(sent), expected)) {
			throw new ApiError(401, "unauthorized", "Missing or invalid internal token");
		}
		next();
	};
}

/**
 * For routes under `/moderation/:guildId`: 400 for a malformed guild id, 403 `guild_mismatch` unless it
 * equals the guild the gateway proved the caller's key belongs to (a missing header matches nothing).
 */
export const requireVerifiedGuild: RequestHandler = (req, _res, next) => {
	const guildId = parseGuildId(pathParam(req, "guildId"));
	if (req.get(GUILD_HEADER) !== guildId) throw new ApiError(403, "guild_mismatch", ErrorMessage.guildMismatch);
	next();
};
