// gateway/events/events-route.ts
// `GET /moderation/:guildId/events`: a server-sent event stream, or a long poll without that Accept header.

import type { Request, RequestHandler, Response } from "express";
import type { ModerationEvent, ModerationEventsData } from "../../shared/records";
import { verifiedKey } from "../auth/authenticate";
import { readPart } from "../platform/http/fields";
import { eventsQuery, lastEventIdHeader } from "../moderation/moderation-schemas";
import { ApiError, sendSuccess } from "../platform/http/envelope";
import type { EventHub, StartPosition, Subscriber } from "./event-hub";

/** Tells a stream's client to reconnect at once when the gateway stops, e.g. to another instance. */
const RECONNECT_NOW = "retry: 250\n\n";

export interface EventsRouteOptions {
	hub: EventHub;
	/** Open streams and held long polls, together, one key may hold on this instance (EVENT_STREAMS_PER_KEY). */
	maxStreamsPerKey: number;
}

const wantsStream = (req: Request) => /(^|,)\s*text\/event-stream\s*(;|,|$)/i.test(req.headers.accept ?? "");

/** Frames already written: every stream of a guild is handed the same event objects, framed once. */
const frames = new WeakMap<ModerationEvent, string>();

/** One event in the stream's framing: `id`, `event`, and the rest as `data`. */
function streamFrame(moderationEvent: ModerationEvent): string {
	let frame = frames.get(moderationEvent);
	if (frame === undefined) {
		const { id, event, ...data } = moderationEvent;
		frame = `id: ${id}\nevent: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
		frames.set(moderationEvent, frame);
	}
	return frame;
}

export function eventsRoute({ hub, maxStreamsPerKey }: EventsRouteOptions): RequestHandler {
	const openByKey = new Map<string, number>();

	/**
	 * Counts the stream or poll against its key until its answer ends or its caller leaves; throws at the
	 * cap. A held poll frees its slot within 25 s, hence the short `Retry-After`.
	 */
	function hold(keyId: string, res: Response): void {
		const open = openByKey.get(keyId) ?? 0;
		if (open >= maxStreamsPerKey) {
			throw new ApiError(429, "rate_limited", `Too many open event streams and long polls for this key (at most ${maxStreamsPerKey} together)`, {
				retry_after: 5,
			});
		}
		openByKey.set(keyId, open + 1);
		res.once("close", () => {
			const left = (openByKey.get(keyId) ?? 1) - 1;
			if (left === 0) openByKey.delete(keyId);
			else openByKey.set(keyId, left);
		});
	}

	return async (req, res) => {
		const key = verifiedKey(res);
		const stream = wantsStream(req);
		const query = readPart(eventsQuery, req.query);
		// A reconnecting EventSource sends where it stopped; that wins over the URL it was opened with.
		const lastEventId = req.headers["last-event-id"];
		const resumeAt = stream && typeof lastEventId === "string" ? lastEventIdHeader.parse(lastEventId.trim()) : undefined;
		const after = resumeAt ?? query.after;
		const { wait } = query;
		hold(key.id, res);
		let start: StartPosition;
		try {
			start = await hub.start(key.guildId, after, stream || wait > 0);
		} catch {
			throw new ApiError(502, "upstream_unavailable", "Data store unavailable");
		}
		if (stream) openStream(hub, key.guildId, res, start);
		else longPoll(hub, key.guildId, res, start, wait);
	};
}

function openStream(hub: EventHub, guildId: string, res: Response, start: StartPosition): void {
	res.writeHead(200, {
		"content-type": "text/event-stream; charset=utf-8",
		"cache-control": "no-store",
		// Reverse proxies (nginx) would otherwise hold events back in their buffers.
		"x-accel-buffering": "no",
	});
	res.write(start.events.map(streamFrame).join("") || ": connected\n\n");
	const subscriber: Subscriber = {
		next: start.next,
		deliver: (events) => res.write(events.map(streamFrame).join("")),
		heartbeat: () => res.write(": keep-alive\n\n"),
		end: () => res.end(RECONNECT_NOW),
	};
	const unsubscribe = hub.subscribe(guildId, subscriber);
	res.once("close", unsubscribe);
}

function longPoll(hub: EventHub, guildId: string, res: Response, start: StartPosition, wait: number): void {
	const answer = (events: ModerationEvent[], next: number) =>
		sendSuccess<ModerationEventsData>(res, 200, events.length === 0 ? "No new events" : "Moderation events", { events, next });
	if (start.events.length > 0 || wait === 0) return answer(start.events, start.next);

	let finished = false;
	const finish = (events: ModerationEvent[]) => {
		if (finished) return;
		finished = true;
		clearTimeout(timer);
		unsubscribe();
		if (!res.writableEnded && !res.destroyed) answer(events, subscriber.next);
	};
	const subscriber: Subscriber = { next: start.next, deliver: finish, end: () => finish([]) };
	const timer = setTimeout(() => finish([]), wait * 1000);
	const unsubscribe = hub.subscribe(guildId, subscriber);
	// A caller that gives up stops waiting here too (a request's own "close" only means its body was read).
	res.once("close", () => finish([]));
}
