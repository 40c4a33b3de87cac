// gateway/events/events-route.ts
// `GET /moderation/:guildId/events`: a server-sent event stream, or a long poll without that Accept header.

import type { Request, RequestHandler, Response } from "express";
import type { ModerationEvent, ModerationEventsData, PushNotice, ServerFollowMode } from "../../shared/records";
import { verifiedKey } from "../auth/authenticate";
import { readPart } from "../platform/http/fields";
import { eventsQuery, lastEventIdHeader } from "../moderation/moderation-schemas";
import { ApiError, sendSuccess } from "../platform/http/envelope";
import type { EventHub, StartPosition, Subscriber } from "./event-hub";

/** Tells a stream's client to reconnect at once when the gateway stops, e.g. to another instance. */
const RECONNECT_NOW = "retry: 250\n\n";

/** A live server as its stream or poll describes itself in the query (docs/fleets.md, "Presence"). */
export interface ServerSighting {
	jobId: string;
	placeId: number | null;
	universeId: number | null;
	players: number | null;
	follows: ServerFollowMode;
}

export interface EventsRouteOptions {
	hub: EventHub;
	/** Open streams and held long polls, together, one key may hold on this instance (EVENT_STREAMS_PER_KEY). */
	maxStreamsPerKey: number;
	/** Hears each stream or poll that said which server it is; never waited on. */
	presence?: { seen(guildId: string, sighting: ServerSighting): void };
	/** Whether the guild's universe is pushed through Roblox, and on which topic; by default never. */
	pushFor?: (guildId: string, universeId: number) => PushNotice | undefined;
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

/**
 * Whether a subscriber sees an event: a `command` reaches only the server it names, or, when it names
 * none, every server that said which it is; a subscriber that gave no `job_id` never sees one (its
 * sequence still moves past it).
 */
function visibleTo(jobId: string | undefined): (event: ModerationEvent) => boolean {
	if (jobId === undefined) return (event) => event.event !== "command";
	return (event) => event.event !== "command" || event.command?.job_id === null || event.command?.job_id === jobId;
}

/** The stream's `event: push`, sent once when it opens; no `id`, so it leaves the stream's position alone. */
const pushFrame = (push: PushNotice) => `event: push\ndata: ${JSON.stringify(push)}\n\n`;

export function eventsRoute({ hub, maxStreamsPerKey, presence, pushFor }: EventsRouteOptions): RequestHandler {
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
		const universeId = query.universe_id ?? null;
		const { job_id: jobId } = query;
		const sighting: ServerSighting | undefined =
			jobId === undefined ? undefined : { jobId, placeId: query.place_id, universeId, players: query.players ?? null, follows: stream ? "stream" : "poll" };
		const seen = sighting === undefined || presence === undefined ? undefined : () => presence.seen(key.guildId, sighting);
		seen?.();
		const follower: Follower = {
			visible: visibleTo(jobId),
			push: universeId === null ? undefined : pushFor?.(key.guildId, universeId),
			seen,
		};
		let start: StartPosition;
		try {
			start = await hub.start(key.guildId, after, stream || wait > 0);
		} catch {
			throw new ApiError(502, "upstream_unavailable", "Data store unavailable");
		}
		if (stream) openStream(hub, key.guildId, res, start, follower);
		else longPoll(hub, key.guildId, res, start, wait, follower);
	};
}

/** What one stream or poll is shown: the events meant for it, and whether its universe is pushed. */
interface Follower {
	visible: (event: ModerationEvent) => boolean;
	push: PushNotice | undefined;
	/** Records the server's presence again: an open stream is a live server for as long as it stays open. */
	seen: (() => void) | undefined;
}

function openStream(hub: EventHub, guildId: string, res: Response, start: StartPosition, { visible, push, seen }: Follower): void {
	res.writeHead(200, {
		"content-type": "text/event-stream; charset=utf-8",
		"cache-control": "no-store",
		// Reverse proxies (nginx) would otherwise hold events back in their buffers.
		"x-accel-buffering": "no",
	});
	res.write((push === undefined ? "" : pushFrame(push)) + (start.events.filter(visible).map(streamFrame).join("") || ": connected\n\n"));
	const subscriber: Subscriber = {
		next: start.next,
		deliver: (events) => {
			const shown = events.filter(visible);
			if (shown.length > 0) res.write(shown.map(streamFrame).join(""));
		},
		heartbeat: () => {
			res.write(": keep-alive\n\n");
			// Every 15 s, well inside the 90 s a server stays listed without a sighting.
			seen?.();
		},
		end: () => res.end(RECONNECT_NOW),
	};
	const unsubscribe = hub.subscribe(guildId, subscriber);
	res.once("close", unsubscribe);
}

function longPoll(hub: EventHub, guildId: string, res: Response, start: StartPosition, wait: number, { visible, push }: Follower): void {
	const answer = (events: ModerationEvent[], next: number) =>
		sendSuccess<ModerationEventsData>(res, 200, events.length === 0 ? "No new events" : "Moderation events", {
			events,
			next,
			...(push === undefined ? {} : { push }),
		});
	const backlog = start.events.filter(visible);
	if (backlog.length > 0 || wait === 0) return answer(backlog, start.next);

	let finished = false;
	const finish = (delivered: ModerationEvent[]) => {
		const events = delivered.filter(visible);
		// Only commands for other servers: keep waiting, from past them.
		if (finished || (delivered.length > 0 && events.length === 0)) return;
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
