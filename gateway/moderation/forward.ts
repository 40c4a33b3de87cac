// gateway/moderation/forward.ts
// Builds the data store request from what the gateway verified and parsed, never from the caller's framing.

import type { IncomingHttpHeaders } from "node:http";
import type { Request, RequestHandler, Response } from "express";
import { Pool, errors as undiciErrors } from "undici";
import { ApiError, sendError } from "../platform/http/envelope";
import { ACTOR_HEADER, GUILD_HEADER, INTERNAL_TOKEN_HEADER } from "../data-store/internal-headers";
import { verifiedKey } from "../auth/authenticate";
import { REQUEST_ID_HEADER, requestId, requestLogger } from "../platform/logging/request-log";

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

/** A data store request the gateway builds itself (the dashboard's moderation routes), rather than the caller's own. */
export interface DataStoreCall {
	method: "GET" | "POST";
	/** The data store's path with its query string, e.g. `/api/v1/moderation/<guild>/roblox/ban`. */
	path: string;
	/** The guild the caller was allowed to act in. */
	guildId: string;
	body?: unknown;
	/** Recorded as the moderator when the body names none (`ACTOR_HEADER`). */
	actor?: string;
}

export interface Forwarder {
	handler: RequestHandler;
	/** Sends `call` and answers the caller with the data store's answer, as `handler` does for a keyed request. */
	relay(req: Request, res: Response, call: DataStoreCall): Promise<void>;
	/** The data store's answer to `call`; an unreachable or slow store throws the 502 / 504 ApiError. */
	send(req: Request, call: DataStoreCall): Promise<UpstreamAnswer>;
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

	const send = async (req: Request, call: DataStoreCall): Promise<UpstreamAnswer> => {
		const body = call.body === undefined ? undefined : JSON.stringify(call.body);
		const headers: Record<string, string> = {
			[INTERNAL_TOKEN_HEADER]: internalToken,
			[GUILD_HEADER]: call.guildId,
			accept: "application/json",
			// The data store's own logs can then name the request the caller knows.
			[REQUEST_ID_HEADER]: requestId(req),
		};
		if (body !== undefined) headers["content-type"] = "application/json";
		if (call.actor !== undefined) headers[ACTOR_HEADER] = call.actor;
		try {
			return await callDataStore(pool, call, headers, body, timeoutMs);
		} catch (err) {
			const refusal = upstreamRefusal(err);
			requestLogger(req).error({ cause: describeCause(err), error: refusal.code }, "data store request failed");
			throw refusal;
		}
	};

	const relay = async (req: Request, res: Response, call: DataStoreCall): Promise<void> => {
		let answer: UpstreamAnswer;
		try {
			answer = await send(req, call);
		} catch (refusal) {
			return sendError(res, refusal as ApiError);
		}
		(res.locals.upstreamResponseHook as UpstreamResponseHook | undefined)?.(answer);
		res.statusCode = answer.status;
		for (const [name, value] of Object.entries(answer.headers)) res.setHeader(name, value);
		res.end(answer.body);
	};

	const handler: RequestHandler = (req, res) =>
		relay(req, res, {
			// Routes are the app's own (no mount path stripped), so the caller's path is the data store's too.
			path: req.originalUrl,
			method: req.method === "HEAD" || req.method === "GET" ? "GET" : "POST",
			guildId: verifiedKey(res).guildId,
			body: upstreamBody(req),
		});
	return { handler, relay, send, close: () => pool.close() };
}

/** The parsed JSON body, serialised again by `send`; the caller's bytes, encoding and framing stay behind. */
function upstreamBody(req: Request): unknown {
	if (req.method === "GET" || req.method === "HEAD") return undefined;
	return req.body;
}

async function callDataStore(
	pool: Pool,
	call: Pick<DataStoreCall, "path" | "method">,
	headers: Record<string, string>,
	body: string | undefined,
	timeoutMs: number,
): Promise<UpstreamAnswer> {
	const response = await pool.request({
		path: call.path,
		method: call.method,
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
