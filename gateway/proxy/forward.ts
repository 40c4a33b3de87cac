// gateway/proxy/forward.ts
// Builds the data store request from what the gateway verified and parsed, never from the caller's framing.

import type { IncomingHttpHeaders } from "node:http";
import type { Request, RequestHandler, Response } from "express";
import { Pool, errors as undiciErrors } from "undici";
import { ApiError, sendError } from "../http/envelope";
import { GUILD_HEADER, INTERNAL_TOKEN_HEADER } from "../data-store/internal-headers";
import { verifiedKey } from "../auth/authenticate";
import { REQUEST_ID_HEADER, requestId, requestLogger } from "../logging/request-log";

/** The data store's answer, read whole before the caller sees any of it. */
export interface UpstreamAnswer {
	status: number;
	/** Only the headers passed back to the caller; a hook may change them (e.g. Cache-Control). */
	headers: { "content-type": string; "cache-control"?: string };
	body: Buffer;
}

/** Called with the data store's answer before it is sent to the caller (e.g. to cache it). */
export type UpstreamResponseHook = (answer: UpstreamAnswer) => void;

/** Lets a middleware before the forwarder observe the data store's answer for this request. */
export function onUpstreamResponse(res: Response, hook: UpstreamResponseHook): void {
	res.locals.upstreamResponseHook = hook;
}

export interface ForwarderOptions {
	/** Base URL of the data store, e.g. http://127.0.0.1:4100 */
	target: string;
	/** Secret the data store checks before trusting the guild header. */
	internalToken: string;
	/** Milliseconds for the whole data store call (connect, headers, body) before a 504. */
	timeoutMs?: number;
}

export interface Forwarder {
	handler: RequestHandler;
	/** Closes the keep-alive sockets to the data store. */
	close(): Promise<void>;
}

/** Larger than any list page the data store sends (500 records); a bigger answer is not the data store's. */
const MAX_ANSWER_BYTES = 4 * 1024 * 1024;
const CONNECT_TIMEOUT_MS = 3_000;

const JSON_TYPE = /^application\/json\s*(;|$)/i;

/**
 * Forwards with undici rather than http-proxy-middleware: http-proxy copies the caller's request
 * (headers, framing, `Expect`) and rewrites it in a `proxyReq` event that `Expect: 100-continue`
 * skips, so nothing guaranteed the rewrite. Here the upstream request is built from scratch: the
 * path, the verified guild and internal token, and the body the gateway parsed with its own length.
 */
export function createForwarder({ target, internalToken, timeoutMs = 10_000 }: ForwarderOptions): Forwarder {
	// Keep-alive matters: without it every request opens a socket (DESIGN.md measured ~2x throughput).
	const pool = new Pool(target, { connections: 256, connect: { timeout: CONNECT_TIMEOUT_MS } });

	const handler: RequestHandler = async (req, res) => {
		const body = upstreamBody(req);
		const headers: Record<string, string> = {
			[INTERNAL_TOKEN_HEADER]: internalToken,
			[GUILD_HEADER]: verifiedKey(res).guildId,
			accept: "application/json",
			// The data store's own logs can then name the request the caller knows.
			[REQUEST_ID_HEADER]: requestId(req),
		};
		if (body !== undefined) headers["content-type"] = "application/json";
		let answer: UpstreamAnswer;
		try {
			answer = await callDataStore(pool, req, headers, body, timeoutMs);
		} catch (err) {
			const refusal = upstreamRefusal(err);
			requestLogger(req).error({ cause: describeCause(err), error: refusal.code }, "data store request failed");
			return sendError(res, refusal);
		}
		(res.locals.upstreamResponseHook as UpstreamResponseHook | undefined)?.(answer);
		res.statusCode = answer.status;
		for (const [name, value] of Object.entries(answer.headers)) res.setHeader(name, value);
		res.end(answer.body);
	};
	return { handler, close: () => pool.close() };
}

/** The parsed JSON body, serialised again; the caller's bytes, encoding and framing stay behind. */
function upstreamBody(req: Request): string | undefined {
	if (req.method === "GET" || req.method === "HEAD" || req.body === undefined) return undefined;
	return JSON.stringify(req.body);
}

async function callDataStore(
	pool: Pool,
	req: Request,
	headers: Record<string, string>,
	body: string | undefined,
	timeoutMs: number,
): Promise<UpstreamAnswer> {
	const response = await pool.request({
		// Routes are the app's own (no mount path stripped), so the caller's path is the data store's too.
		path: req.originalUrl,
		method: req.method === "HEAD" ? "GET" : (req.method as "GET" | "POST"),
		headers,
		body,
		headersTimeout: timeoutMs,
		bodyTimeout: timeoutMs,
		// One deadline for the whole call: a data store that trickles its answer cannot hold the caller.
		signal: AbortSignal.timeout(timeoutMs),
	});
	const chunks: Buffer[] = [];
	let size = 0;
	for await (const chunk of response.body as AsyncIterable<Buffer>) {
		size += chunk.length;
		if (size > MAX_ANSWER_BYTES) {
			response.body.destroy();
			throw new MalformedAnswer(`an answer over ${MAX_ANSWER_BYTES} bytes`);
		}
		chunks.push(chunk);
	}
	const contentType = headerText(response.headers, "content-type");
	if (!JSON_TYPE.test(contentType)) throw new MalformedAnswer(`content type "${contentType.slice(0, 60)}"`);
	const cacheControl = headerText(response.headers, "cache-control");
	return {
		status: response.statusCode,
		headers: cacheControl === "" ? { "content-type": contentType } : { "content-type": contentType, "cache-control": cacheControl },
		body: Buffer.concat(chunks, size),
	};
}

/** An answer that is not the data store's JSON: the caller gets a 502, never the bytes. */
class MalformedAnswer extends Error {
	readonly code = "MALFORMED_ANSWER";
}

function headerText(headers: IncomingHttpHeaders, name: string): string {
	const value = headers[name];
	return Array.isArray(value) ? value.join(", ") : (value ?? "");
}

function upstreamRefusal(err: unknown): ApiError {
	const timedOut =
		err instanceof undiciErrors.HeadersTimeoutError ||
		err instanceof undiciErrors.BodyTimeoutError ||
		err instanceof undiciErrors.ConnectTimeoutError ||
		(err instanceof Error && err.name === "TimeoutError");
	return timedOut
		? new ApiError(504, "upstream_timeout", "Data store did not answer in time")
		: new ApiError(502, "upstream_unavailable", "Data store unavailable");
}

function describeCause(err: unknown): string {
	if (!(err instanceof Error)) return String(err);
	const cause = (err as { cause?: { code?: string } }).cause;
	return (err as NodeJS.ErrnoException).code ?? cause?.code ?? err.message;
}
