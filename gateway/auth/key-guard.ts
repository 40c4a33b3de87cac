// gateway/auth/key-guard.ts
// The guard of a key-authenticated route: one middleware, built at registration, that runs every check in the order the README answers them.

import type { Request, RequestHandler, Response } from "express";
import type { Keys } from "../keys/keys";
import type { Guard } from "../platform/http/route";
import { jsonBody } from "../platform/http/json-body";
import { showQuota, spendQuota, type QuotaLimiters } from "../rate-limits/quota";
import type { AuthThrottle } from "./auth-throttle";
import { authenticateRequest, authorizeRequest } from "./authenticate";

/** The guild a plugin protocol request names: `guildId` in its body or query, or its `X-Guild-ID` header. */
function pluginGuild(req: Request): string | undefined {
	const named = [(req.body as { guildId?: unknown } | undefined)?.guildId, req.query.guildId, req.headers["x-guild-id"]];
	const given = named.find((value) => value !== undefined);
	// Anything but one string (a number, a repeated header) is no guild of the key's: refused as a mismatch.
	return given === undefined ? undefined : typeof given === "string" ? given : "";
}

export interface KeyGuardParts {
	keys: Pick<Keys, "verifier" | "usage">;
	authThrottle: AuthThrottle;
	quotas: QuotaLimiters;
	maxJsonDepth: number | undefined;
}

/**
 * One middleware per route for every check, in the README's order: key (401/429), guild, address
 * and scope (403), body (400/413, parsed only for a verified key), quota (429). One layer instead of
 * four keeps the hot path short: each Express layer and promise costs on every request.
 */
export function keyGuard(parts: KeyGuardParts, rule: Extract<Guard, { caller: "api_key" }>): RequestHandler {
	const parseJson = jsonBody(parts.maxJsonDepth);
	const readBody = (req: Request, res: Response) =>
		new Promise<void>((resolve, reject) => parseJson(req, res, (err?: unknown) => (err ? reject(err) : resolve())));
	return async (req, res, next) => {
		const key = await authenticateRequest(req, parts.keys, parts.authThrottle);
		res.locals.apiKey = key;
		try {
			if (rule.guildIn === "plugin") {
				if (rule.body) await readBody(req, res);
				authorizeRequest(req, key, rule.scope, pluginGuild(req) ?? key.guildId);
			} else {
				authorizeRequest(req, key, rule.scope);
				if (rule.body) await readBody(req, res);
			}
		} catch (refusal) {
			// Keyed answers always carry the key's quota, refusals included (docs/api.md, "API summary"); if the
			// limiter cannot be read, the refusal still goes out, only without the headers.
			await showQuota(res, parts.quotas, rule.category, key.id).catch(() => undefined);
			throw refusal;
		}
		await spendQuota(res, parts.quotas, rule.category, key.id, rule.cost?.(req.body) ?? 1);
		next();
	};
}
