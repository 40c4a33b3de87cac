// gateway/operators/session-auth.ts
// How an admin request proves who it is: the admin token, or an operator's session cookie with its CSRF checks.

import { createHash, timingSafeEqual } from "node:crypto";
import type { CookieOptions, Request, RequestHandler, Response } from "express";
import { grantAccess, PLATFORM_OPERATOR } from "./access";
import type { AuthThrottle } from "../auth/auth-throttle";
import { requireBearerToken } from "../auth/bearer-token";
import { ApiError } from "../platform/http/envelope";
import type { OperatorService, SignedInSession } from "./operator-service";
import { SESSION_LIFETIME_SECONDS } from "./operator-service";

export const SESSION_COOKIE = "technified_session";

/** Where the gateway is reached: PUBLIC_URL when set, else the address this request came to. */
export interface GatewayAddress {
	/** PUBLIC_URL without a trailing slash, if set. */
	publicUrl: string | undefined;
}

export function publicBase(address: GatewayAddress, req: Request): string {
	return address.publicUrl ?? `${req.protocol}://${req.get("host") ?? "localhost"}`;
}

/** The gateway's own origin, which a browser's `Origin` header must name on a state-changing request. */
export function ownOrigin(address: GatewayAddress, req: Request): string {
	return new URL(publicBase(address, req)).origin;
}

/** docs/api.md's "API summary": HttpOnly, SameSite=Lax, Secure behind HTTPS. */
export function cookieOptions(address: GatewayAddress, req: Request, path: string, maxAgeSeconds?: number): CookieOptions {
	const secure = publicBase(address, req).startsWith("https:");
	return { httpOnly: true, sameSite: "lax", secure, path, ...(maxAgeSeconds === undefined ? {} : { maxAge: maxAgeSeconds * 1000 }) };
}

/** The value of one cookie of the request (cookie values here are base64url: no decoding needed). */
export function readCookie(req: Request, name: string): string | undefined {
	for (const part of (req.headers.cookie ?? "").split(";")) {
		const separator = part.indexOf("=");
		if (separator > 0 && part.slice(0, separator).trim() === name) return part.slice(separator + 1).trim();
	}
	return undefined;
}

const digest = (text: string) => createHash("sha256").update(text).digest();
/** Hashing both sides gives equal lengths, so the comparison's time says nothing about the secret. */
export const sameSecret = (given: string, expected: string) => timingSafeEqual(digest(given), digest(expected));

export function setSessionCookie(res: Response, req: Request, address: GatewayAddress, token: string): void {
	res.cookie(SESSION_COOKIE, token, cookieOptions(address, req, "/", SESSION_LIFETIME_SECONDS));
}

export function clearSessionCookie(res: Response, req: Request, address: GatewayAddress): void {
	res.clearCookie(SESSION_COOKIE, cookieOptions(address, req, "/"));
}

/** The session of a cookie-authenticated request (undefined for the admin token). */
export function sessionOf(res: Response): (SignedInSession & { token: string }) | undefined {
	return res.locals.operatorSession as (SignedInSession & { token: string }) | undefined;
}

/**
 * `Authorization: Bearer <ADMIN_TOKEN>` makes the caller the platform operator; without an Authorization
 * header, the session cookie makes them an operator. Wrong tokens and unknown or ended sessions count
 * as failed authentications of the address (429 `auth_throttled` past the limit).
 */
export function authenticateAdmin(adminToken: string, throttle: AuthThrottle, operators: OperatorService, address: GatewayAddress): RequestHandler {
	const bearer = requireBearerToken(adminToken, throttle, "admin");
	return async (req, res, next) => {
		const token = req.headers.authorization === undefined ? readCookie(req, SESSION_COOKIE) : undefined;
		if (token === undefined) {
			return bearer(req, res, (err?: unknown) => {
				if (err !== undefined) return next(err);
				grantAccess(res, PLATFORM_OPERATOR);
				next();
			});
		}
		const signedIn = await operators.sessionOf(token);
		if (signedIn === undefined) {
			clearSessionCookie(res, req, address);
			return throttle.refuse(req.ip, new ApiError(401, "unauthorized", "Your session has ended; sign in again"));
		}
		res.locals.operatorSession = { ...signedIn, token };
		grantAccess(res, signedIn.access);
		next();
	};
}

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

/**
 * A state-changing request with a session cookie must come from the gateway's own pages: `Origin` of
 * the gateway (or `Sec-Fetch-Site: same-origin`), and the session's CSRF token in `X-CSRF-Token`.
 * A cookie alone proves nothing: another site's form would send it too.
 */
export function requireSameOrigin(address: GatewayAddress): RequestHandler {
	return (req, res, next) => {
		const session = sessionOf(res);
		if (session === undefined || SAFE_METHODS.has(req.method)) return next();
		const origin = req.headers.origin;
		const sameOrigin = origin === ownOrigin(address, req) || req.headers["sec-fetch-site"] === "same-origin";
		if (!sameOrigin) {
			return next(new ApiError(403, "csrf_rejected", "The request did not come from the gateway's own pages (Origin or Sec-Fetch-Site)"));
		}
		const csrf = req.headers["x-csrf-token"];
		if (typeof csrf !== "string" || !sameSecret(csrf, session.session.csrfToken)) {
			return next(new ApiError(403, "csrf_rejected", "Missing or wrong X-CSRF-Token: send data.csrf_token of GET /admin/v1/me"));
		}
		next();
	};
}
