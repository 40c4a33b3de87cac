// gateway/outbound/experiences/open-cloud-messaging.ts
// Publishes a guild's changes to its linked universes' topic `Technified` through Open Cloud Messaging (docs/fleets.md, "Push through Roblox").
//
// Written from Roblox's pages "Messaging usage guide" (create.roblox.com/docs/cloud/guides/usage-messaging)
// and the v2 reference "Universe" (PublishUniverseMessage): POST cloud/v2/universes/{universe_id}:publishMessage
// with the key in `x-api-key` and a body `{"topic","message"}`; a message of at most 1,024 characters,
// a topic of at most 80; Roblox throttles at 50 + 5 × players messages a minute per universe; the
// key needs the Messaging Service "Publish" permission (universe-messaging-service:publish).

import type { ModerationEvent, PushMessage } from "../../../shared/records";
import type { OutboundRequest, OutboundResponse } from "../../platform/http/outbound-http";
import { openCloudWords, retryAfterMs, type MirrorVerdict } from "./open-cloud-client";

export const PUSH_TOPIC = "Technified";
/** Roblox's limit on a message. Counted in UTF-8 bytes, so it holds however Roblox counts characters. */
export const MAX_MESSAGE_BYTES = 1_024;
/** Reasons are cut to this many characters, at the least, before a burst is split into several messages. */
const SHORTEST_REASON = 20;
const ELLIPSIS = "…";

/** What one push delivery carries: a change, or (a first publish) only a sequence. */
export type PushItem = { change: ModerationEvent; seq: number } | { change: undefined; seq: number };

export function pushItem(payload: string): PushItem {
	const parsed = JSON.parse(payload) as ModerationEvent | { seq: number };
	return "event" in parsed ? { change: parsed, seq: parsed.id } : { change: undefined, seq: parsed.seq };
}

const cut = (text: string, characters: number) => {
	const points = Array.from(text);
	return points.length <= characters ? text : points.slice(0, Math.max(0, characters - 1)).join("") + ELLIPSIS;
};

/** The change with every reason it holds cut to `characters`. */
function withReasonsCut(change: ModerationEvent, characters: number): ModerationEvent {
	const shortened: ModerationEvent = { ...change };
	if (change.ban_info !== undefined) shortened.ban_info = { ...change.ban_info, reason: cut(change.ban_info.reason, characters) };
	if (change.mute_info !== undefined) shortened.mute_info = { ...change.mute_info, reason: cut(change.mute_info.reason, characters) };
	if (change.command?.reason !== undefined) shortened.command = { ...change.command, reason: cut(change.command.reason, characters) };
	return shortened;
}

const longestReason = (changes: readonly ModerationEvent[]) =>
	Math.max(0, ...changes.flatMap((change) => [change.ban_info?.reason, change.mute_info?.reason, change.command?.reason].map((reason) => Array.from(reason ?? "").length)));

const serialize = (guildId: string, seq: number, changes: readonly ModerationEvent[]) =>
	JSON.stringify({ v: 1, guild: guildId, seq, events: [...changes] } satisfies PushMessage);

const fits = (text: string) => Buffer.byteLength(text, "utf8") <= MAX_MESSAGE_BYTES;

/** The message of `changes` (in order, ending at `seq`) with reasons as long as fit, down to `shortest`; undefined when none fits. */
function compose(guildId: string, seq: number, changes: readonly ModerationEvent[], shortest: number): string | undefined {
	const whole = serialize(guildId, seq, changes);
	if (fits(whole)) return whole;
	let low = shortest;
	let high = longestReason(changes);
	if (!fits(serialize(guildId, seq, changes.map((change) => withReasonsCut(change, low))))) return undefined;
	// The longest cut that still fits, by bisection.
	while (low < high) {
		const middle = Math.ceil((low + high) / 2);
		if (fits(serialize(guildId, seq, changes.map((change) => withReasonsCut(change, middle))))) low = middle;
		else high = middle - 1;
	}
	return serialize(guildId, seq, changes.map((change) => withReasonsCut(change, low)));
}

/** One message to publish and how many of the items (in order) it covers. */
export interface PushBatch {
	message: string;
	count: number;
}

/**
 * The items (oldest first) as few messages as fit 1,024 bytes, each contiguous: one message when the
 * reasons can be cut to fit it (down to 20 characters), more only when they cannot. Each message's
 * `seq` is the last sequence it covers; items without a change (a first publish) only move it.
 */
export function pushBatches(guildId: string, items: readonly PushItem[]): PushBatch[] {
	const batches: PushBatch[] = [];
	let start = 0;
	while (start < items.length) {
		let end = start + 1;
		// A change that fits no message even with its reasons gone goes as its sequence alone: servers see the gap and poll for it.
		let message = composeItems(guildId, items.slice(start, end), 0) ?? serialize(guildId, items[start].seq, []);
		for (; end < items.length; end++) {
			const longer = composeItems(guildId, items.slice(start, end + 1), SHORTEST_REASON);
			if (longer === undefined) break;
			message = longer;
		}
		batches.push({ message, count: end - start });
		start = end;
	}
	return batches;
}

function composeItems(guildId: string, items: readonly PushItem[], shortest: number): string | undefined {
	const changes = items.flatMap((item) => (item.change === undefined ? [] : [item.change]));
	return compose(guildId, Math.max(...items.map((item) => item.seq)), changes, shortest);
}

export function publishRequest(baseUrl: string, universeId: string, apiKey: string, message: string): OutboundRequest {
	return {
		url: `${baseUrl.replace(/\/$/, "")}/cloud/v2/universes/${universeId}:publishMessage`,
		method: "POST",
		headers: { "content-type": "application/json", "x-api-key": apiKey },
		body: JSON.stringify({ topic: PUSH_TOPIC, message }),
	};
}

/** Open Cloud answers a publish with an empty object; anything but JSON (or nothing) is not Open Cloud answering. */
function garbled(text: string): string | undefined {
	if (text.trim() === "") return undefined;
	try {
		const body = JSON.parse(text) as unknown;
		if (typeof body === "object" && body !== null && !Array.isArray(body)) return undefined;
		return `Open Cloud answered the publish with JSON that is not an object: ${text.slice(0, 80)}`;
	} catch {
		return `Open Cloud answered the publish with something that is not JSON: ${JSON.stringify(text.slice(0, 80))}`;
	}
}

/** As the mirror's verdict; an answer that is not Open Cloud's (garbage) gives the delivery up with its words. */
export function judgePublish(response: OutboundResponse, now: number): MirrorVerdict {
	const status = response.status;
	if (status >= 200 && status < 300) {
		const words = garbled(response.text);
		return words === undefined ? { kind: "done" } : { kind: "give_up", words };
	}
	if (status === 401 || status === 403) {
		return {
			kind: "key_refused",
			words:
				`Open Cloud refused to publish with the API key (${status}: ${openCloudWords(response)}). The key may be wrong, expired or revoked, ` +
				"or lack this universe or the Messaging Service Publish permission; servers poll instead. Save a key that has it to push again",
		};
	}
	if (status === 429) {
		return { kind: "retry", words: `Open Cloud rate limit (429): ${openCloudWords(response)}`, retryAfterMs: retryAfterMs(response.headers["retry-after"], now) };
	}
	if (status >= 500) return { kind: "retry", words: `Open Cloud failed (${status}): ${openCloudWords(response)}` };
	return { kind: "give_up", words: `Open Cloud refused the publish (${status}): ${openCloudWords(response)}` };
}
