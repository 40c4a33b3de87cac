// gateway/platform/http/envelope.ts
// Builds the contract's success and error envelopes, sends refusals (one answer per request), and the error type every layer throws.

import type { IncomingMessage, ServerResponse } from "node:http";
import type { Request, Response, NextFunction, ErrorRequestHandler } from "express";
import type { ErrorCode } from "../../../shared/errors";
import type { ErrorEnvelope, SuccessEnvelope } from "../../../shared/envelope";

/** An error a caller may see: it carries its HTTP status and machine code. */
export class ApiError extends Error {
	constructor(
		readonly status: number,
		readonly code: ErrorCode,
		message: string,
		/** Extra body fields such as `retry_after` or `details`. */
		readonly extra: Partial<Pick<ErrorEnvelope, "retry_after" | "details">> = {},
	) {
		super(message);
		this.name = "ApiError";
	}
}

export const badRequest = (message: string, details?: unknown) =>
	new ApiError(400, "bad_request", message, details === undefined ? {} : { details });

export const notFound = (message = "Not found") => new ApiError(404, "not_found", message);

export function successBody<T>(code: number, message: string, data: T): SuccessEnvelope<T> {
	return { status: "success", code, message, data };
}

export function errorBody(error: ApiError): ErrorEnvelope {
	return { status: "error", code: error.status, message: error.message, error: error.code, ...error.extra };
}

export function sendSuccess<T>(res: Response, code: number, message: string, data: T): void {
	res.status(code).json(successBody(code, message, data));
}

/** Whether the request announced a body that has not all arrived yet. */
export function bodyPending(req: IncomingMessage): boolean {
	if (req.complete) return false;
	const { "content-length": length, "transfer-encoding": coding } = req.headers;
	return coding !== undefined || (length !== undefined && length !== "0");
}

/**
 * One request, one answer: after a refusal sent while the request's body is still coming, a kept-alive
 * connection would go on reading that body, and one that never ends would draw the request timeout's
 * 408 as a second, unasked answer. Such a refusal waits one turn of the event loop (the body may only
 * be unparsed in what has already arrived); if it is still coming, the refusal says `Connection: close`
 * and Node ends the socket once it is written.
 */
export function refuseOnce(req: IncomingMessage, res: ServerResponse, answer: () => void): void {
	if (!bodyPending(req)) return answer();
	setImmediate(() => {
		if (res.headersSent) return;
		if (bodyPending(req)) res.setHeader("Connection", "close");
		answer();
	});
}

export function sendError(res: Response, error: ApiError): void {
	refuseOnce(res.req, res, () => {
		if (error.extra.retry_after !== undefined) res.setHeader("Retry-After", String(error.extra.retry_after));
		res.status(error.status).json(errorBody(error));
	});
}

/** Unknown routes: the contract's JSON 404. */
export function notFoundHandler(_req: Request, _res: Response, next: NextFunction): void {
	next(notFound("Route not found"));
}

/** Answers of the HTTP libraries (body-parser, the router) by their status: the contract's code and our words. */
const LIBRARY_REFUSALS: Record<string, ApiError> = {
	"entity.too.large": new ApiError(413, "payload_too_large", "Request body too large"),
	"entity.parse.failed": badRequest("Request body is not valid JSON"),
	"charset.unsupported": new ApiError(415, "unsupported_media_type", "Request body must be UTF-8 (or UTF-16/32) JSON"),
	"encoding.unsupported": new ApiError(
		415,
		"unsupported_media_type",
		"Unsupported Content-Encoding; send the body as identity, gzip, deflate or br",
	),
};

function libraryRefusal(err: unknown): ApiError | undefined {
	const { type, status } = (err ?? {}) as { type?: unknown; status?: unknown };
	if (typeof type === "string" && LIBRARY_REFUSALS[type] !== undefined) return LIBRARY_REFUSALS[type];
	if (typeof status !== "number" || status < 400 || status >= 500) return undefined;
	// Another client error (a corrupt gzip stream, a body cut short, a path that does not decode).
	if (status === 413) return LIBRARY_REFUSALS["entity.too.large"];
	if (status === 415) return new ApiError(415, "unsupported_media_type", "Unsupported request body");
	return badRequest("The request could not be read");
}

/**
 * Last error handler: ApiErrors as they are, the libraries' client errors mapped to the contract's
 * 400/413/415, anything else a 500 whose details stay in the log (never a stack or secret in the answer).
 */
export function errorHandler(log: (message: string, err: unknown, req: Request) => void): ErrorRequestHandler {
	return (err: unknown, req, res, _next) => {
		if (res.headersSent) return;
		if (err instanceof ApiError) return sendError(res, err);
		const refusal = libraryRefusal(err);
		if (refusal !== undefined) return sendError(res, refusal);
		log("unhandled error", err, req);
		sendError(res, new ApiError(500, "internal_error", "Internal server error"));
	};
}
