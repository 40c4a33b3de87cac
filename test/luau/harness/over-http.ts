// test/luau/harness/over-http.ts
// The emulated server's HttpService sent over real sockets (to a real gateway): a request is answered
// when its response is in; a long poll or a stream of the events route is held (pending) while the real
// exchange runs, and the engine asks about it again as its clock moves, so the suite drives the virtual
// clock along with real time (`followRealTime`).

import type { ApiAnswer, ApiRequest, Transport, World } from "./luau-host";

const isEvents = (request: ApiRequest) => new URL(request.url).pathname.endsWith("/events");

async function send(request: ApiRequest, signal?: AbortSignal): Promise<Response> {
	return fetch(request.url, {
		method: request.method,
		headers: request.headers,
		body: request.method === "GET" ? undefined : request.body,
		signal,
	});
}

interface HeldExchange {
	abort: AbortController;
	/** A long poll's whole answer, once it is in. */
	answer?: ApiAnswer;
	/** A stream's opening, text not yet handed over, and its end. */
	opening?: ApiAnswer;
	openingSent?: boolean;
	text: string;
	ended?: boolean;
	error?: string;
}

/** The transport, and the events-route exchanges it held (streams and long polls), in order. */
export function overHttp(): Transport & { events: Array<{ url: string; stream: boolean }> } {
	const held = new Map<number, HeldExchange>();
	const events: Array<{ url: string; stream: boolean }> = [];

	const whole = async (request: ApiRequest, signal?: AbortSignal): Promise<ApiAnswer> => {
		try {
			const response = await send(request, signal);
			return { status: response.status, headers: Object.fromEntries(response.headers), body: await response.text() };
		} catch {
			return { error: "HttpError: ConnectFail" };
		}
	};

	const stream = async (request: ApiRequest, exchange: HeldExchange) => {
		try {
			const response = await send(request, exchange.abort.signal);
			const headers = Object.fromEntries(response.headers);
			if (!response.ok || !response.body) {
				exchange.opening = { status: response.status, headers, body: await response.text() };
				exchange.ended = true;
				return;
			}
			exchange.opening = { status: response.status, headers };
			const decoder = new TextDecoder();
			for await (const piece of response.body) exchange.text += decoder.decode(piece as Uint8Array, { stream: true });
			exchange.ended = true;
		} catch {
			if (!exchange.abort.signal.aborted) exchange.error = "HttpError: ConnectionClosed";
		}
	};

	const transport = (request: ApiRequest): ApiAnswer | Promise<ApiAnswer> => {
		if (!isEvents(request)) return whole(request);
		const exchange: HeldExchange = { abort: new AbortController(), text: "" };
		held.set(request.id, exchange);
		events.push({ url: request.url, stream: request.stream === true });
		if (request.stream) void stream(request, exchange);
		else void whole(request, exchange.abort.signal).then((answer) => (exchange.answer = answer));
		return { pending: true };
	};

	const poll = (id: number): ApiAnswer => {
		const exchange = held.get(id);
		if (!exchange) return { error: "HttpError: ConnectionClosed" };
		if (exchange.answer) {
			held.delete(id);
			return exchange.answer;
		}
		if (exchange.error) {
			held.delete(id);
			return { error: exchange.error };
		}
		if (!exchange.opening) return { pending: true };
		const answer: ApiAnswer = { pending: true, chunk: exchange.text };
		exchange.text = "";
		if (!exchange.openingSent) {
			exchange.openingSent = true;
			Object.assign(answer, exchange.opening);
		}
		if (exchange.ended) {
			held.delete(id);
			answer.ended = true;
		}
		return answer;
	};

	const close = (id: number) => {
		held.get(id)?.abort.abort();
		held.delete(id);
	};

	return Object.assign(transport, { poll, close, events });
}

/**
 * Moves each server's virtual clock along with real time for `ms` (or until `done` says so), so held
 * exchanges are asked about as their real answers come in. Returns the real milliseconds it ran.
 */
export async function followRealTime(worlds: World[], ms: number, done: () => Promise<boolean> = async () => false) {
	const started = performance.now();
	let last = started;
	while (performance.now() - started < ms) {
		await new Promise((resolve) => setTimeout(resolve, 10));
		const now = performance.now();
		for (const world of worlds) await world.advance((now - last) / 1000);
		last = now;
		if (await done()) break;
	}
	return performance.now() - started;
}
