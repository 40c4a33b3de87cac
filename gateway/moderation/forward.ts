// gateway/moderation/forward.ts
// Answers keyed requests and the dashboard's calls with the data store's answer, sent from what the gateway verified and parsed.

import type { Request, RequestHandler, Response } from "express";
import { ApiError, sendError } from "../platform/http/envelope";
import { verifiedKey } from "../auth/authenticate";
import { requestId, requestLogger } from "../platform/logging/request-log";
import { describeCause, upstreamRefusal, type DataStoreCall, type DataStoreClient, type UpstreamAnswer } from "./data-store-client";

export type { UpstreamAnswer } from "./data-store-client";

/** Called with the data store's answer before it is sent to the caller (e.g. to cache it). */
export type UpstreamResponseHook = (answer: UpstreamAnswer) => void;

/** Lets a middleware before the forwarder observe the data store's answer for this request. */
export function onUpstreamResponse(res: Response, hook: UpstreamResponseHook): void {
	res.locals.upstreamResponseHook = hook;
}

export interface Forwarder {
	handler: RequestHandler;
	/** Sends `call` and answers the caller with the data store's answer, as `handler` does for a keyed request. */
	relay(req: Request, res: Response, call: DataStoreCall): Promise<void>;
	/** The data store's answer to `call`; an unreachable or slow store throws the 502 / 504 ApiError. */
	send(req: Request, call: DataStoreCall): Promise<UpstreamAnswer>;
}

/** Forwards a keyed request, or a dashboard's call (`relay`), through the gateway's data store client. */
export function createForwarder(dataStore: DataStoreClient): Forwarder {
	const send = async (req: Request, call: DataStoreCall): Promise<UpstreamAnswer> => {
		try {
			return await dataStore.send(call, requestId(req));
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
	return { handler, relay, send };
}

/** The parsed JSON body, serialised again by `send`; the caller's bytes, encoding and framing stay behind. */
function upstreamBody(req: Request): unknown {
	if (req.method === "GET" || req.method === "HEAD") return undefined;
	return req.body;
}
