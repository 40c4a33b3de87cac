// test/gateway/platform/http/raw-http.ts
// Sends bytes exactly as written over a loopback socket and reads the answer, for framing no client library sends.

import net from "node:net";

export interface RawAnswer {
	status: number;
	headers: Record<string, string>;
	body: string;
	/** Milliseconds from connecting to the socket closing or the answer being complete. */
	elapsedMs: number;
}

/**
 * Writes `request` (a string or several chunks, sent `gapMs` apart) and resolves with the first
 * answer: when its Content-Length is read, or when the server closes the socket.
 */
export function rawRequest(port: number, request: string | Buffer | (string | Buffer)[], options: { gapMs?: number; timeoutMs?: number } = {}): Promise<RawAnswer> {
	const chunks = Array.isArray(request) ? request : [request];
	const started = Date.now();
	return new Promise((resolve, reject) => {
		const socket = net.connect(port, "127.0.0.1");
		let received = Buffer.alloc(0);
		let settled = false;
		const finish = (error?: Error) => {
			if (settled) return;
			settled = true;
			clearTimeout(deadline);
			socket.destroy();
			if (error !== undefined) return reject(error);
			const answer = parseAnswer(received.toString("utf8"), Date.now() - started);
			if (answer === undefined) return reject(new Error(`no HTTP answer (got ${JSON.stringify(received.toString("utf8").slice(0, 200))})`));
			resolve(answer);
		};
		const deadline = setTimeout(() => finish(new Error("no answer in time")), options.timeoutMs ?? 10_000);
		socket.on("connect", async () => {
			for (const [index, chunk] of chunks.entries()) {
				if (index > 0 && options.gapMs !== undefined) await new Promise((r) => setTimeout(r, options.gapMs));
				if (socket.destroyed) return;
				socket.write(chunk);
			}
		});
		socket.on("data", (data) => {
			received = Buffer.concat([received, data]);
			const answer = parseAnswer(received.toString("utf8"), 0);
			if (answer !== undefined && Buffer.byteLength(answer.body) >= Number(answer.headers["content-length"] ?? Infinity)) finish();
		});
		socket.on("end", () => finish());
		socket.on("close", () => finish());
		socket.on("error", (err: NodeJS.ErrnoException) => (received.length > 0 || err.code === "ECONNRESET" ? finish() : finish(err)));
	});
}

function parseAnswer(text: string, elapsedMs: number): RawAnswer | undefined {
	// Skip interim answers such as "100 Continue".
	let rest = text;
	while (/^HTTP\/1\.1 1\d\d /.test(rest) && rest.includes("\r\n\r\n")) rest = rest.slice(rest.indexOf("\r\n\r\n") + 4);
	const end = rest.indexOf("\r\n\r\n");
	const status = /^HTTP\/1\.1 (\d{3}) /.exec(rest);
	if (end === -1 || status === null) return undefined;
	const headers: Record<string, string> = {};
	for (const line of rest.slice(0, end).split("\r\n").slice(1)) {
		const colon = line.indexOf(":");
		headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
	}
	// Only this answer's body: a pipelined leftover of the request may have drawn a second answer.
	const bytes = Buffer.from(rest.slice(end + 4));
	const length = headers["content-length"] === undefined ? bytes.length : Number(headers["content-length"]);
	return { status: Number(status[1]), headers, body: bytes.subarray(0, length).toString("utf8"), elapsedMs };
}

export interface RawExchange {
	/** The status line of every answer received, in order (an answer may follow a body without a line break). */
	statusLines: string[];
	/** Everything received, as text. */
	text: string;
	/** Milliseconds from connecting to the server closing the socket; undefined if it stayed open. */
	closedAfterMs?: number;
}

/**
 * Writes `request` and keeps the socket open for `listenMs`, recording every answer the server sends
 * on it (not only the first) and whether it closes the connection.
 */
export function rawExchange(port: number, request: string, listenMs: number): Promise<RawExchange> {
	const started = Date.now();
	return new Promise((resolve, reject) => {
		const socket = net.connect(port, "127.0.0.1", () => socket.write(request));
		let received = "";
		let closedAfterMs: number | undefined;
		socket.on("data", (data) => (received += data.toString("utf8")));
		socket.on("error", (err: NodeJS.ErrnoException) => (err.code === "ECONNRESET" || err.code === "EPIPE" ? undefined : reject(err)));
		socket.on("close", () => (closedAfterMs ??= Date.now() - started));
		setTimeout(() => {
			socket.destroy();
			resolve({ statusLines: received.match(/HTTP\/1\.1 \d{3} [^\r\n]*/g) ?? [], text: received, closedAfterMs });
		}, listenMs);
	});
}
