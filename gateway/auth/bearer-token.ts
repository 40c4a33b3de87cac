// gateway/auth/bearer-token.ts
// Guards a route with one operator secret (the admin token, the metrics token) sent as a Bearer token.

import { createHash, timingSafeEqual } from "node:crypto";
import type { RequestHandler } from "express";
import { ApiError } from "../platform/http/envelope";
import type { AuthThrottle } from "./auth-throttle";

const digest = (text: string) => createHash("sha256").update(text).digest();

/**
 * Accepts only `Authorization: Bearer <token>`; wrong tokens count as failed authentications of the
 * caller's address. `what` names the token in the refusal ("admin", "metrics").
 */
export function requireBearerToken(token: string, throttle: AuthThrottle, what: string): RequestHandler {
	const expected = digest(token);
	return async (req, _res, next) => {
		const match = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? "");
		// Hashing both sides gives equal lengths, so the comparison time says nothing about the token.
		if (match !== null && timingSafeEqual(digest(match[1]), expected)) return next();
		await throttle.refuse(
			req.ip,
			new ApiError(401, "unauthorized", match === null ? `Missing ${what} token` : `Invalid ${what} token`),
		);
	};
}
