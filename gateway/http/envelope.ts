// gateway/http/envelope.ts
// Builds the contract's success and error envelopes, and the error type every layer throws.

import type { Request, Response, NextFunction, ErrorRequestHandler } from "express";
import type { ErrorCode } from "../../shared/errors";
import type { ErrorEnvelope, SuccessEnvelope } from "../../shared/envelope";

/** Largest JSON body any route accepts (a batch of 100 ids, a 500-character reason); larger gets 413. */
export const JSON_BODY_LIMIT = "16kb";

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

export function sendError(res: Response, error: ApiError): void {
	if (error.extra.retry_after !== undefined) res.setHeader("Retry-After", String(error.extra.retry_after));
	res.status(error.status).json(errorBody(error));
}

/** Unknown routes: the contract's JSON 404. */
export function notFoundHandler(_req: Request, _res: Response, next: NextFunction): void {
	next(notFound("Route not found"));
}

/**
 * Last error handler: ApiErrors as they are, body-parser failures mapped to 400/413, anything else a
 * 500 whose details stay in the log (never a stack or secret in the answer).
 */
export function errorHandler(log: (message: string, err: unknown) => void): ErrorRequestHandler {
	return (err: unknown, _req, res, _next) => {
		if (res.headersSent) return;
		if (err instanceof ApiError) return sendError(res, err);
		const type = (err as { type?: string } | null)?.type;
		if (type === "entity.too.large") {
			return sendError(res, new ApiError(413, "payload_too_large", "Request body too large"));
		}
		if (type === "entity.parse.failed") return sendError(res, badRequest("Request body is not valid JSON"));
		if (type !== undefined && type.startsWith("encoding.")) return sendError(res, badRequest("Unsupported body encoding"));
		log("unhandled error", err);
		sendError(res, new ApiError(500, "internal_error", "Internal server error"));
	};
}
