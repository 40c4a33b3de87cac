// gateway/moderation/data-store-client.ts
// The gateway's one client of the data store: forwarded calls, change-log reads and ban counts, over one keep-alive pool.

import { Pool, errors as undiciErrors, type Dispatcher } from "undici";
import type { ModerationEvent, ServerCommandOrder } from "../../shared/records";
import { COMMANDS_PATH, IMPORT_PATH, RECORDS_PATH } from "../data-store/import-wire";
import type { ImportedRecord, ImportOutcome, ModerationRecord, ResetRule } from "../data-store/moderation-store";
import { API_BASE } from "../../shared/routes";
import type { ChangeFeed, ChangePage } from "../changes/change-feed";
import { ACTOR_HEADER, GUILD_HEADER, INTERNAL_TOKEN_HEADER } from "../data-store/internal-headers";
import { ApiError } from "../platform/http/envelope";
import { REQUEST_ID_HEADER } from "../platform/logging/request-log";

/** The data store's answer, read whole before the caller sees any of it. */
export interface UpstreamAnswer {
	status: number;
	/** Only the headers passed back to the caller; a hook may change them (e.g. Cache-Control). */
	headers: { "content-type": string; "cache-control"?: string };
	body: Buffer;
}

/** A request the gateway builds itself: path, verified guild and body, never the caller's framing. */
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

export interface DataStoreClientOptions {
	/** Base URL of the data store, e.g. http://127.0.0.1:4100 */
	target: string;
	/** Secret the data store checks before trusting the guild header. */
	internalToken: string;
	/** Milliseconds for a whole forwarded call (connect, headers, body) before a 504. */
	timeoutMs?: number;
}

/** Larger than any list page the data store sends (500 records); a bigger answer is not the data store's. */
const MAX_ANSWER_BYTES = 4 * 1024 * 1024;
const CONNECT_TIMEOUT_MS = 3_000;
/** The gateway's own reads wait less than a caller's call: a stream or the outbox reads again later. */
const CHANGES_TIMEOUT_MS = 5_000;
/** The guild listing waits for every guild's count, and answers without one rather than slowly. */
const COUNT_TIMEOUT_MS = 3_000;
/** A page size the data store accepts (its list limit); a longer backlog takes several reads. */
const CHANGES_PAGE = 500;
/** A page of an import is one transaction of up to 5,000 records; PostgreSQL takes a few seconds for it. */
const IMPORT_TIMEOUT_MS = 120_000;

const JSON_TYPE = /^application\/json\s*(;|$)/i;

const guildPath = (guildId: string, path: string) => `${API_BASE}/moderation/${guildId}${path}`;

/**
 * Built on undici rather than http-proxy-middleware: http-proxy copies the caller's request (headers,
 * framing, `Expect`) and rewrites it in a `proxyReq` event that `Expect: 100-continue` skips, so
 * nothing guaranteed the rewrite. Here every request is built from scratch: the path, the verified
 * guild and internal token, and a body the gateway parsed, with its own length.
 */
export class DataStoreClient {
	private readonly pool: Pool;
	private readonly internalToken: string;
	private readonly timeoutMs: number;

	/** Guilds' change logs (the data store's internal `/changes`), for the events route and the outbox. */
	readonly changes: ChangeFeed = { after: (guildId, after) => this.changesAfter(guildId, after) };

	constructor({ target, internalToken, timeoutMs = 10_000 }: DataStoreClientOptions) {
		// Keep-alive matters: without it every request opens a socket (DESIGN.md measured ~2x throughput).
		this.pool = new Pool(target, { connections: 256, connect: { timeout: CONNECT_TIMEOUT_MS } });
		this.internalToken = internalToken;
		this.timeoutMs = timeoutMs;
	}

	/**
	 * The data store's answer to `call`. Rejects when it cannot be reached, is too slow, or answers
	 * something other than its JSON; `upstreamRefusal` turns that into the caller's 502 or 504.
	 * `requestId` lets the data store's logs name the request the caller knows.
	 */
	async send(call: DataStoreCall, requestId?: string, timeoutMs = this.timeoutMs): Promise<UpstreamAnswer> {
		const body = call.body === undefined ? undefined : JSON.stringify(call.body);
		const headers: Record<string, string> = {
			[INTERNAL_TOKEN_HEADER]: this.internalToken,
			[GUILD_HEADER]: call.guildId,
			accept: "application/json",
		};
		if (requestId !== undefined) headers[REQUEST_ID_HEADER] = requestId;
		if (body !== undefined) headers["content-type"] = "application/json";
		if (call.actor !== undefined) headers[ACTOR_HEADER] = call.actor;
		const answer = await this.call(call, headers, body, timeoutMs);
		if (!JSON_TYPE.test(answer.contentType)) throw new MalformedAnswer(`content type "${answer.contentType.slice(0, 60)}"`);
		return {
			status: answer.status,
			headers: answer.cacheControl === "" ? { "content-type": answer.contentType } : { "content-type": answer.contentType, "cache-control": answer.cacheControl },
			body: answer.body,
		};
	}

	/**
	 * One call through undici's handler callbacks rather than `pool.request`: no response stream to
	 * iterate and no AbortSignal per call, which were about a fifth of an uncached answer's CPU
	 * (--cpu-prof). One deadline covers the whole call: a data store that trickles its answer cannot
	 * hold the caller, and a call still queued for a socket is refused at the deadline too.
	 */
	private call(call: DataStoreCall, headers: Record<string, string>, body: string | undefined, timeoutMs: number): Promise<RawAnswer> {
		return new Promise((resolve, reject) => {
			const chunks: Buffer[] = [];
			let size = 0;
			let status = 0;
			let contentType = "";
			let cacheControl = "";
			let abort: ((reason: Error) => void) | undefined;
			let settled = false;
			const fail = (err: Error) => {
				if (settled) return;
				settled = true;
				clearTimeout(deadline);
				abort?.(err);
				reject(err);
			};
			// As AbortSignal.timeout() words it: upstreamRefusal reads the name as a 504.
			const deadline = setTimeout(() => fail(new DOMException("The operation was aborted due to timeout", "TimeoutError")), timeoutMs);
			// As AbortSignal.timeout()'s timer: a pending call's socket, not its deadline, keeps the process up.
			deadline.unref();
			const handler: Dispatcher.DispatchHandler = {
				onConnect: (abortCall) => {
					if (settled) abortCall(new DOMException("The operation was aborted due to timeout", "TimeoutError"));
					else abort = abortCall;
				},
				onHeaders: (statusCode, rawHeaders) => {
					// An informational answer (100 Continue) is not the answer.
					if (statusCode < 200) return true;
					status = statusCode;
					contentType = headerText(rawHeaders, "content-type");
					cacheControl = headerText(rawHeaders, "cache-control");
					return true;
				},
				onData: (chunk) => {
					size += chunk.length;
					if (size > MAX_ANSWER_BYTES) fail(new MalformedAnswer(`an answer over ${MAX_ANSWER_BYTES} bytes`));
					else chunks.push(chunk);
					return true;
				},
				onComplete: () => {
					if (settled) return;
					settled = true;
					clearTimeout(deadline);
					resolve({ status, contentType, cacheControl, body: Buffer.concat(chunks, size) });
				},
				onError: fail,
			};
			this.pool.dispatch({ path: call.path, method: call.method, headers, body, headersTimeout: timeoutMs, bodyTimeout: timeoutMs }, handler);
		});
	}

	/** The guild's active bans, or null when the data store cannot be read (the guild listing still answers). */
	async activeBanCount(guildId: string): Promise<number | null> {
		try {
			const answer = await this.send({ method: "GET", path: guildPath(guildId, "/roblox/bans/count"), guildId }, undefined, COUNT_TIMEOUT_MS);
			return answer.status === 200 ? dataOf<{ count: number }>(answer).count : null;
		} catch {
			return null;
		}
	}

	/** Writes a page of an import's records (the data store's internal import route); rejects unless it answered 200. */
	async importRecords(guildId: string, records: readonly ImportedRecord[], reset: ResetRule): Promise<ImportOutcome> {
		const answer = await this.send({ method: "POST", path: guildPath(guildId, IMPORT_PATH), guildId, body: { records, reset } }, undefined, IMPORT_TIMEOUT_MS);
		if (answer.status !== 200) throw new Error(`the data store answered ${answer.status} to an import: ${answer.body.toString("utf8").slice(0, 300)}`);
		return dataOf<ImportOutcome>(answer);
	}

	/** Appends an order for live servers to the guild's change log (the data store's internal command route); answers its sequence. */
	async appendCommand(guildId: string, command: ServerCommandOrder): Promise<number> {
		const answer = await this.send({ method: "POST", path: guildPath(guildId, COMMANDS_PATH), guildId, body: command });
		if (answer.status !== 201) throw new Error(`the data store answered ${answer.status} to a command: ${answer.body.toString("utf8").slice(0, 300)}`);
		return dataOf<{ sequence: number }>(answer).sequence;
	}

	/** Every record of the guild after id `after`, by id, `limit` at most (the data store's internal records route). */
	async records(guildId: string, after: number, limit: number): Promise<ModerationRecord[]> {
		const answer = await this.send({ method: "GET", path: guildPath(guildId, `${RECORDS_PATH}?after=${after}&limit=${limit}`), guildId });
		if (answer.status !== 200) throw new Error(`the data store answered ${answer.status} to a records read`);
		return dataOf<{ records: ModerationRecord[] }>(answer).records;
	}

	/** Closes the keep-alive sockets; after everything that reads through this client has stopped. */
	close(): Promise<void> {
		return this.pool.close();
	}

	private async changesAfter(guildId: string, after: number): Promise<ChangePage> {
		const path = guildPath(guildId, `/changes?after=${after}&limit=${CHANGES_PAGE}`);
		const answer = await this.send({ method: "GET", path, guildId }, undefined, CHANGES_TIMEOUT_MS);
		const data = answer.status === 200 ? dataOf<{ changes: ModerationEvent[]; head: number; oldest: number | null }>(answer) : undefined;
		if (data === undefined) throw new Error(`the data store answered ${answer.status} to a change-log read`);
		return { events: data.changes, head: data.head, oldest: data.oldest };
	}
}

/** The `data` of a success envelope. */
function dataOf<Data>(answer: UpstreamAnswer): Data {
	return (JSON.parse(answer.body.toString("utf8")) as { data: Data }).data;
}

/** An answer that is not the data store's JSON: the caller gets a 502, never the bytes. */
class MalformedAnswer extends Error {
	readonly code = "MALFORMED_ANSWER";
}

/** The answer as read off the socket, before it is checked. */
interface RawAnswer {
	status: number;
	contentType: string;
	cacheControl: string;
	body: Buffer;
}

/** A header of the answer's raw name/value list, repeated values joined as Node joins them; "" when absent. */
function headerText(rawHeaders: Buffer[], name: string): string {
	let text: string | undefined;
	for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
		if (rawHeaders[i].length !== name.length || rawHeaders[i].toString("latin1").toLowerCase() !== name) continue;
		const value = rawHeaders[i + 1].toString("latin1");
		text = text === undefined ? value : `${text}, ${value}`;
	}
	return text ?? "";
}

/** What the caller is told when `send` rejects: 504 for a data store too slow, 502 for anything else. */
export function upstreamRefusal(err: unknown): ApiError {
	const timedOut =
		err instanceof undiciErrors.HeadersTimeoutError ||
		err instanceof undiciErrors.BodyTimeoutError ||
		err instanceof undiciErrors.ConnectTimeoutError ||
		(err instanceof Error && err.name === "TimeoutError");
	return timedOut
		? new ApiError(504, "upstream_timeout", "Data store did not answer in time")
		: new ApiError(502, "upstream_unavailable", "Data store unavailable");
}

/** A short cause for the log: the socket's error code when there is one. */
export function describeCause(err: unknown): string {
	if (!(err instanceof Error)) return String(err);
	const cause = (err as { cause?: { code?: string } }).cause;
	return (err as NodeJS.ErrnoException).code ?? cause?.code ?? err.message;
}
