// gateway/platform/http/edge.ts
// What every request meets before routing: one normaliser, Node's own refusals in JSON, and resource limits.

import http, { type IncomingMessage, type RequestListener, type ServerResponse } from "node:http";
import type { Duplex } from "node:stream";
import type { Logger } from "pino";
import { API_BASE } from "../../../shared/routes";
import { ApiError, badRequest, bodyPending, errorBody, notFound, refuseOnce } from "./envelope";

/** Limits on what one client may hold of the server; defaults a Roblox fleet never reaches. */
export interface EdgeLimits {
	/** Milliseconds to receive a request's headers (slow-header clients are cut off). */
	headersTimeoutMs: number;
	/** Milliseconds to receive a whole request, body included. */
	requestTimeoutMs: number;
	/** Open connections at once; more are closed on arrival. */
	maxConnections: number;
	/** Request headers; a request with more is a 431. */
	maxHeaderCount: number;
}

export const DEFAULT_EDGE_LIMITS: EdgeLimits = {
	headersTimeoutMs: 10_000,
	requestTimeoutMs: 30_000,
	maxConnections: 10_000,
	maxHeaderCount: 100,
};

/** Conditional and range requests make Express answer an empty 304; API answers are always whole JSON. */
const CONDITIONAL_HEADERS = ["if-none-match", "if-modified-since", "if-match", "if-unmodified-since", "if-range", "range"];
const ABSOLUTE_FORM = /^https?:\/\/[^/?#]*/i;

/** Writes the contract's error envelope on a response that Express has not seen (yet). */
function answerError(req: IncomingMessage, res: ServerResponse, error: ApiError): void {
	refuseOnce(req, res, () => {
		const body = JSON.stringify(errorBody(error));
		res.writeHead(error.status, { "content-type": "application/json; charset=utf-8", "content-length": Buffer.byteLength(body) });
		res.end(body);
	});
}

/**
 * Brings the request into the one shape the routes and checks expect, or says why it cannot be.
 * Runs before everything that looks at `req.url` (the cross-instance catch-up included).
 */
function normaliseRequest(req: IncomingMessage, limits: EdgeLimits): ApiError | undefined {
	// maxHeadersCount (one above the limit) stops the parser; the count tells that it stopped.
	if (req.rawHeaders.length > limits.maxHeaderCount * 2) {
		return new ApiError(431, "headers_too_large", `Too many request headers (at most ${limits.maxHeaderCount})`);
	}
	let target = req.url ?? "/";
	if (!target.startsWith("/")) {
		// An absolute-form target (`GET http://host/api/v1/… HTTP/1.1`) is routed by its path alone.
		const origin = ABSOLUTE_FORM.exec(target);
		if (origin === null) return badRequest("The request target must be a path");
		target = target.slice(origin[0].length);
		if (!target.startsWith("/")) target = `/${target}`;
		req.url = target;
	}
	const queryAt = target.indexOf("?");
	const path = queryAt === -1 ? target : target.slice(0, queryAt);
	if (path.includes("%")) {
		try {
			decodeURIComponent(path);
		} catch {
			return badRequest("The path holds a malformed percent-escape");
		}
	}
	// No route answers OPTIONS: without this, Express's routers answer it in plain text.
	if (req.method === "OPTIONS") return notFound("Route not found");
	if (!path.startsWith("/dashboard")) for (const name of CONDITIONAL_HEADERS) delete req.headers[name];
	if (queryAt !== -1 && path.startsWith(API_BASE)) return multiValuedQueryParameter(target.slice(queryAt + 1));
	return undefined;
}

/**
 * Every query parameter of the API is single-valued: `place_id=3&place_id=4` has no one meaning, nor
 * has `place_id[]=3` (the list syntax of PHP and qs), which the routes' parser would otherwise take
 * for an unknown name and ignore, while the cache in front of them answered as if no place were given.
 */
function multiValuedQueryParameter(query: string): ApiError | undefined {
	const seen = new Set<string>();
	for (const name of new URLSearchParams(query).keys()) {
		const bracket = name.indexOf("[");
		if (bracket > 0) return badRequest(`${name.slice(0, bracket)} must be given once, as a plain value`);
		if (seen.has(name)) return badRequest(`${name} must be given once`);
		seen.add(name);
	}
	return undefined;
}

/**
 * The gateway's HTTP server: requests normalised before `listener`, limits applied, and every answer
 * Node gives by itself (malformed HTTP, headers too large, a bad `Expect`, a timed-out request) in JSON.
 */
export function createEdgeServer(listener: RequestListener, limits: EdgeLimits, logger: Logger): http.Server {
	/** A request answered before routing: its log line (the request log never sees it) and the envelope. */
	const refuse = (req: IncomingMessage, res: ServerResponse, error: ApiError) => {
		logger.info({ req: { method: req.method, path: req.url?.split("?")[0] }, res: { status: error.status } }, `refused before routing: ${error.message}`);
		answerError(req, res, error);
	};
	const server = http.createServer(
		{
			headersTimeout: limits.headersTimeoutMs,
			requestTimeout: limits.requestTimeoutMs,
			// The timeouts above are enforced on this tick; Node's default (30 s) would hold slow clients longer.
			connectionsCheckingInterval: Math.min(1_000, limits.headersTimeoutMs),
		},
		(req, res) => {
			// One request, one answer: whatever answered it (a cached GET that never reads a body, say), a body
			// still coming once the answer is written would draw the request timeout's 408 as a second one.
			if (bodyPending(req)) {
				res.once("finish", () => {
					if (bodyPending(req)) req.socket.end();
				});
			}
			const refusal = normaliseRequest(req, limits);
			if (refusal === undefined) listener(req, res);
			else refuse(req, res, refusal);
		},
	);
	server.maxHeadersCount = limits.maxHeaderCount + 1;
	server.maxConnections = limits.maxConnections;
	server.on("checkExpectation", (req: IncomingMessage, res: ServerResponse) => {
		refuse(req, res, new ApiError(417, "expectation_failed", "Only Expect: 100-continue is supported"));
	});
	server.on("clientError", (err: NodeJS.ErrnoException, socket: Duplex) => {
		logger.info({ code: err.code }, "malformed or timed-out request");
		answerClientError(err, socket);
	});
	return server;
}

/** Node's parse and timeout errors, answered as the contract's envelope before the socket closes. */
function answerClientError(err: NodeJS.ErrnoException, socket: Duplex): void {
	if (err.code === "ECONNRESET" || !socket.writable) {
		socket.destroy();
		return;
	}
	const error =
		err.code === "HPE_HEADER_OVERFLOW"
			? new ApiError(431, "headers_too_large", "Request headers too large")
			: err.code === "ERR_HTTP_REQUEST_TIMEOUT"
				? new ApiError(408, "request_timeout", "The request was not received in time")
				: badRequest("Malformed HTTP request");
	const body = JSON.stringify(errorBody(error));
	socket.end(
		`HTTP/1.1 ${error.status} ${http.STATUS_CODES[error.status]}\r\n` +
			"Content-Type: application/json; charset=utf-8\r\n" +
			`Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
	);
}
