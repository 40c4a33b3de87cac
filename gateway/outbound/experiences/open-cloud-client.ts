// gateway/outbound/experiences/open-cloud-client.ts
// Mirrors a ban or unban into Roblox's own bans through Open Cloud's user-restriction API.
//
// Written from Roblox's reference "UserRestriction" (create.roblox.com/docs/cloud/reference/UserRestriction,
// "Bans and blocks" feature page): PATCH cloud/v2/universes/{universe_id}/user-restrictions/{user_id}, or
// …/places/{place_id}/user-restrictions/{user_id} for one place, with `updateMask=gameJoinRestriction`
// (the restriction is updated as a whole), the key in `x-api-key`, and a body
// `{"gameJoinRestriction": {active, duration ("<seconds>s", absent for permanent), privateReason,
// displayReason, excludeAltAccounts}}`. 429 answers carry the wait; 401 and 403 mean the key is wrong,
// expired, or lacks the universe or the user-restrictions write permission.

import type { OutboundRequest, OutboundResponse } from "../../platform/http/outbound-http";
import type { StoredExperience } from "./experience-store";

/** Where Open Cloud answers unless OPEN_CLOUD_URL says otherwise (tests point it at a fake). */
export const DEFAULT_OPEN_CLOUD_URL = "https://apis.roblox.com";

/** Open Cloud's limits on the reasons (characters). */
const MAX_PRIVATE_REASON = 1_000;
const MAX_DISPLAY_REASON = 400;

/** The fields of a ban event's `data` that a mirror reads. */
interface BanEventData {
	guild_id: string;
	roblox_id: string;
	place_id: number | null;
	reason?: string;
	banned_by?: string;
	expires_at?: number | null;
}

export interface GameJoinRestriction {
	active: boolean;
	duration?: string;
	privateReason?: string;
	displayReason?: string;
	excludeAltAccounts?: boolean;
}

export function restrictionPath(universeId: string, placeId: number | null, userId: string): string {
	const parent = placeId === null ? `universes/${universeId}` : `universes/${universeId}/places/${placeId}`;
	return `/cloud/v2/${parent}/user-restrictions/${userId}`;
}

/**
 * The PATCH for one `ban.created` or `ban.lifted` event, or undefined when there is nothing to send
 * (a timed ban already over by the time it is mirrored). `now` is unix milliseconds.
 */
export function restrictionRequest(
	baseUrl: string,
	link: StoredExperience,
	apiKey: string,
	event: { type: string; data: BanEventData },
	now: number,
): OutboundRequest | undefined {
	const { data } = event;
	let restriction: GameJoinRestriction;
	if (event.type === "ban.lifted") {
		restriction = { active: false };
	} else {
		const expiresAt = data.expires_at ?? null;
		const left = expiresAt === null ? undefined : expiresAt - Math.floor(now / 1000);
		if (left !== undefined && left <= 0) return undefined;
		const reason = data.reason?.trim() || "Banned";
		restriction = {
			active: true,
			...(left === undefined ? {} : { duration: `${left}s` }),
			privateReason: `${reason} (by ${data.banned_by ?? "unknown"}, Technified guild ${data.guild_id})`.slice(0, MAX_PRIVATE_REASON),
			displayReason: reason.slice(0, MAX_DISPLAY_REASON),
			excludeAltAccounts: link.excludeAltAccounts,
		};
	}
	const url = new URL(`${baseUrl.replace(/\/$/, "")}${restrictionPath(link.universeId, data.place_id ?? null, data.roblox_id)}`);
	url.searchParams.set("updateMask", "gameJoinRestriction");
	return {
		url: url.toString(),
		method: "PATCH",
		headers: { "content-type": "application/json", "x-api-key": apiKey },
		body: JSON.stringify({ gameJoinRestriction: restriction }),
	};
}

export type MirrorVerdict =
	| { kind: "done" }
	/** Try again: after `retryAfterMs` when Open Cloud said how long. */
	| { kind: "retry"; words: string; retryAfterMs?: number }
	/** The key will not work until someone changes it: the link turns failing. */
	| { kind: "key_refused"; words: string }
	/** This one request is wrong (an id that does not exist, say): give it up, the link stays. */
	| { kind: "give_up"; words: string };

/**
 * Open Cloud's own words, from its error body: v2's `{code, message}`, or the gateway's
 * `{"errors":[{"code":0,"message":"Invalid API Key"}]}` (the reference's "Errors" page). Never the request or its key.
 */
export function openCloudWords(response: OutboundResponse): string {
	try {
		const body = JSON.parse(response.text) as { message?: unknown; errors?: { message?: unknown }[] };
		const message = body.message ?? body.errors?.[0]?.message;
		if (typeof message === "string" && message !== "") return message.slice(0, 200);
	} catch {
		// Not JSON: the status says enough.
	}
	return `status ${response.status}`;
}

/** Seconds (or an HTTP date) of a Retry-After header, in milliseconds. */
export function retryAfterMs(header: string | string[] | undefined, now: number): number | undefined {
	const value = Array.isArray(header) ? header[0] : header;
	if (value === undefined) return undefined;
	const seconds = Number(value);
	if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
	const date = Date.parse(value);
	return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

export function judgeMirror(response: OutboundResponse, now: number): MirrorVerdict {
	const status = response.status;
	if (status >= 200 && status < 300) return { kind: "done" };
	if (status === 401 || status === 403) {
		return {
			kind: "key_refused",
			words:
				`Open Cloud refused the API key (${status}: ${openCloudWords(response)}). The key may be wrong, expired or revoked, ` +
				"or lack this universe or the universe.user-restriction:write permission; save a working key to resume mirroring",
		};
	}
	if (status === 429) {
		return { kind: "retry", words: `Open Cloud rate limit (429): ${openCloudWords(response)}`, retryAfterMs: retryAfterMs(response.headers["retry-after"], now) };
	}
	if (status >= 500) return { kind: "retry", words: `Open Cloud failed (${status}): ${openCloudWords(response)}` };
	return { kind: "give_up", words: `Open Cloud refused the request (${status}): ${openCloudWords(response)}` };
}
