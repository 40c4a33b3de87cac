// gateway/logging/request-log.ts
// One line per request (method, route, status, duration, key prefix and guild), under a request id.

import { randomUUID } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Request, RequestHandler, Response } from "express";
import type { Logger } from "pino";
import { pinoHttp } from "pino-http";
import type { VerifiedKey } from "../keys/key-service";

export const REQUEST_ID_HEADER = "x-request-id";

/** A caller's id is kept when it is one a log line can carry as it is; otherwise a new one is made. */
const CALLER_REQUEST_ID = /^[\w.:@-]{1,128}$/;

/** The route as declared (`/api/v1/moderation/:guildId/ban-status/:identifier`): ids stay out of the line. */
export function routeOf(req: IncomingMessage): string {
	const { route, baseUrl } = req as Partial<Request>;
	return route?.path === undefined ? "unmatched" : `${baseUrl ?? ""}${String(route.path)}`;
}

function keyFields(res: ServerResponse): { key_prefix?: string; guild?: string } {
	const key = (res as Response).locals?.apiKey as VerifiedKey | undefined;
	return key === undefined ? {} : { key_prefix: key.prefix, guild: key.guildId };
}

/**
 * pino-http with our fields only: no headers, query strings or bodies are written, so neither a key
 * nor a token can reach the log through it. The request id is taken from `X-Request-Id` or made, and
 * returned in the answer's `X-Request-Id`.
 */
export function requestLog(logger: Logger): RequestHandler {
	return pinoHttp({
		logger,
		quietReqLogger: true,
		customAttributeKeys: { reqId: "request_id", responseTime: "duration_ms" },
		genReqId(req, res) {
			const given = req.headers[REQUEST_ID_HEADER];
			const id = typeof given === "string" && CALLER_REQUEST_ID.test(given) ? given : randomUUID();
			res.setHeader("X-Request-Id", id);
			return id;
		},
		wrapSerializers: false,
		serializers: {
			req: (req: IncomingMessage) => ({ method: req.method, path: (req.url ?? "").split("?")[0] }),
			res: (res: ServerResponse) => ({ status: res.statusCode }),
		},
		// Added to the finished line only: the route and the key are known once the request was routed.
		customSuccessObject: (req, res, line) => ({ ...line, route: routeOf(req), ...keyFields(res) }),
		customErrorObject: (req, res, _err, line) => ({ ...line, route: routeOf(req), ...keyFields(res) }),
		customLogLevel: (_req, res, err) => (err !== undefined || res.statusCode >= 500 ? "error" : "info"),
		customSuccessMessage: (req, res) => `${req.method} ${routeOf(req)} ${res.statusCode}`,
		customErrorMessage: (req, res) => `${req.method} ${routeOf(req)} ${res.statusCode}`,
	}) as unknown as RequestHandler;
}
