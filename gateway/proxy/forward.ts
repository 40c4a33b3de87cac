// gateway/proxy/forward.ts
// Forwards an authorised request to the data store: credentials stripped, the verified guild added.

import http from "node:http";
import https from "node:https";
import type { Request, RequestHandler, Response } from "express";
import { createProxyMiddleware, fixRequestBody, proxyEventsPlugin } from "http-proxy-middleware";
import { ApiError, sendError } from "../http/envelope";
import { GUILD_HEADER, INTERNAL_TOKEN_HEADER } from "../data-store/internal-headers";
import { verifiedKey } from "../auth/authenticate";

/** Headers that carry a caller's credentials or could impersonate the gateway to the data store. */
const STRIPPED_HEADERS = ["authorization", "x-api-key", "cookie", "proxy-authorization"];
const INTERNAL_PREFIX = "x-technified-";

/** Called with the data store's answer before it is streamed to the caller (e.g. to cache it). */
export type UpstreamResponseHook = (upstream: http.IncomingMessage) => void;

/** Lets a middleware before the forwarder observe the data store's answer for this request. */
export function onUpstreamResponse(res: Response, hook: UpstreamResponseHook): void {
	res.locals.upstreamResponseHook = hook;
}

export interface ForwarderOptions {
	/** Base URL of the data store, e.g. http://127.0.0.1:4100 */
	target: string;
	/** Secret the data store checks before trusting the guild header. */
	internalToken: string;
	/** Milliseconds to wait for the data store's answer before a 504. */
	timeoutMs?: number;
	log?: (message: string) => void;
}

export interface Forwarder {
	handler: RequestHandler;
	/** Closes idle keep-alive sockets to the data store. */
	close(): void;
}

export function createForwarder({ target, internalToken, timeoutMs = 10_000, log = () => {} }: ForwarderOptions): Forwarder {
	// Keep-alive matters: without it every request opens a socket (DESIGN.md measured ~2x throughput).
	const agentOptions = { keepAlive: true, maxSockets: 256, maxFreeSockets: 64 };
	const agent = target.startsWith("https:") ? new https.Agent(agentOptions) : new http.Agent(agentOptions);
	const timedOut = new WeakSet<http.IncomingMessage>();

	// Typed on node:http messages (what http-proxy hands back); they are Express objects at run time.
	const proxy = createProxyMiddleware({
		target,
		agent,
		changeOrigin: true,
		xfwd: false,
		// Only the plugin that wires `on` below: the default logger costs time per request, and the
		// default error plugin answers in text rather than the contract's JSON.
		ejectPlugins: true,
		plugins: [proxyEventsPlugin],
		// Routes are the app's own (no mount path stripped), so req.url is the data store's path too.
		on: {
			proxyReq(proxyReq, req, res) {
				for (const name of Object.keys(req.headers)) {
					if (name.startsWith(INTERNAL_PREFIX)) proxyReq.removeHeader(name);
				}
				for (const name of STRIPPED_HEADERS) proxyReq.removeHeader(name);
				proxyReq.setHeader(INTERNAL_TOKEN_HEADER, internalToken);
				proxyReq.setHeader(GUILD_HEADER, verifiedKey(res as Response).guildId);
				proxyReq.setTimeout(timeoutMs, () => {
					timedOut.add(req);
					proxyReq.destroy();
				});
				fixRequestBody(proxyReq, req as Request);
			},
			proxyRes(upstream, _req, res) {
				((res as Response).locals.upstreamResponseHook as UpstreamResponseHook | undefined)?.(upstream);
			},
			error(err, req, res) {
				const response = res as Response;
				if (!("headersSent" in response)) return;
				if (response.headersSent) {
					response.destroy();
					return;
				}
				const code = (err as NodeJS.ErrnoException).code ?? "unknown";
				log(`data store request failed: ${code}`);
				sendError(
					response,
					timedOut.has(req)
						? new ApiError(504, "upstream_timeout", "Data store did not answer in time")
						: new ApiError(502, "upstream_unavailable", "Data store unavailable"),
				);
			},
		},
	});
	return {
		handler: proxy as unknown as RequestHandler,
		close: () => agent.destroy(),
	};
}
