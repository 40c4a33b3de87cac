// gateway/platform/http/json-body.ts
// The one JSON body reader of the gateway, its admin API and the data store: type, size and depth checked.

import express, { type RequestHandler } from "express";
import { badRequest } from "./envelope";

/** Largest JSON body any route accepts (a batch of 100 ids, a 500-character reason); larger gets 413. */
export const JSON_BODY_LIMIT = "16kb";
/** Deeper than any body of the contract (3 levels); re-serialising a deeper one could overflow the stack. */
export const DEFAULT_MAX_JSON_DEPTH = 32;

/**
 * Parses `application/json` bodies (any letter case, gzip/deflate/br inflated, UTF-8/16/32) into
 * `req.body`. A body of another type is a 400 rather than silently ignored, so a form-encoded admin
 * request cannot create a key with none of its fields.
 */
export function jsonBody(maxDepth = DEFAULT_MAX_JSON_DEPTH): RequestHandler {
	const parse = express.json({ limit: JSON_BODY_LIMIT });
	return (req, res, next) => {
		if (carriesBody(req.headers) && !req.is("application/json")) {
			return next(badRequest("Request body must be a JSON object (Content-Type: application/json)"));
		}
		parse(req, res, (err?: unknown) => {
			if (err !== undefined) return next(err);
			if (nestedDeeperThan(req.body, maxDepth)) return next(badRequest(`Request body is nested deeper than ${maxDepth} levels`));
			next();
		});
	};
}

function carriesBody(headers: { "transfer-encoding"?: string; "content-length"?: string }): boolean {
	const length = headers["content-length"];
	return headers["transfer-encoding"] !== undefined || (length !== undefined && length !== "0");
}

/** Iterative, so the check itself cannot overflow the stack on the input it exists to refuse. */
function nestedDeeperThan(value: unknown, maxDepth: number): boolean {
	const pending: [unknown, number][] = [[value, 1]];
	while (pending.length > 0) {
		const [node, depth] = pending.pop() as [unknown, number];
		if (typeof node !== "object" || node === null) continue;
		if (depth > maxDepth) return true;
		for (const child of Object.values(node)) pending.push([child, depth + 1]);
	}
	return false;
}
