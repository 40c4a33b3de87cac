// gateway/moderation/import-sources.ts
// Where a remote import reads: the hosted Technified API's active bans and mutes (with the guild's key there), or a linked experience's Roblox bans.
//
// The hosted API pages its active lists as this gateway does (docs/api.md, "API summary": `limit` up to 500,
// `cursor`, `data.next_cursor`), with the key in `X-API-Key`, and answers 429 with `Retry-After`.
// Open Cloud's list of a universe's user restrictions is written from Roblox's reference "UserRestriction"
// (create.roblox.com/docs/cloud/reference/UserRestriction#Cloud_ListUserRestrictions): GET
// cloud/v2/universes/{universe_id}/user-restrictions with `maxPageSize` (at most 100) and `pageToken`,
// answered `{"userRestrictions":[{path, user:"users/<id>", gameJoinRestriction:{active, startTime,
// duration, privateReason, displayReason, …}}], "nextPageToken"}`, the key in `x-api-key`.

import { retryAfterMs } from "../outbound/experiences/open-cloud-client";
import type { OutboundHttp } from "../platform/http/outbound-http";
import type { ImportLine } from "./import-format";

/** The hosted Technified API unless TECHNIFIED_API_URL says otherwise (tests point it at a fake). */
export const DEFAULT_TECHNIFIED_API_URL = "https://api.technified.xyz/api/v1";

/** A remote source refused or failed: the job fails with these words (never a key). */
export class SourceRefused extends Error {}

/** One record read from a remote list, numbered by its place in what was read. */
export interface RemoteLine {
	line: number;
	values: ImportLine;
}

export interface RemoteReading {
	http: OutboundHttp;
	/** Waits between attempts after a 429; tests shorten it. */
	sleep: (ms: number) => Promise<void>;
	/** Called after each page with how many records were read so far. */
	onPage: (read: number) => Promise<void>;
}

/** 429s in a row before the import gives up; each waits what Retry-After says (at most a minute). */
const MAX_THROTTLED = 8;
const MAX_WAIT_MS = 60_000;
/** A page of 500 records is far below this. */
const PAGE_BYTES = 4 * 1024 * 1024;

/** The words of an error answer: the envelope's `message`, Open Cloud's `message` or `errors[0].message`. */
function answerWords(status: number, text: string): string {
	try {
		const body = JSON.parse(text) as { message?: unknown; errors?: { message?: unknown }[] };
		const message = body.message ?? body.errors?.[0]?.message;
		if (typeof message === "string" && message !== "") return `${status}: ${message.slice(0, 300)}`;
	} catch {
		// Not JSON: the status says enough.
	}
	return `status ${status}`;
}

/** GETs a page as JSON, waiting out 429s as told. */
async function readPage(reading: RemoteReading, url: string, headers: Record<string, string>, who: string): Promise<unknown> {
	for (let throttled = 0; ; throttled++) {
		let response;
		try {
			response = await reading.http.send({ url, method: "GET", headers, keepBytes: PAGE_BYTES });
		} catch (err) {
			throw new SourceRefused(`${who} could not be reached: ${err instanceof Error ? err.message : String(err)}`);
		}
		if (response.status === 429 && throttled < MAX_THROTTLED) {
			const wait = retryAfterMs(response.headers["retry-after"], Date.now()) ?? 1_000 * 2 ** throttled;
			await reading.sleep(Math.min(wait, MAX_WAIT_MS));
			continue;
		}
		if (response.status !== 200) throw new SourceRefused(`${who} refused (${answerWords(response.status, response.text)})`);
		try {
			return JSON.parse(response.text);
		} catch {
			throw new SourceRefused(`${who} answered something other than JSON`);
		}
	}
}

interface HostedEntry {
	roblox_id?: string | number;
	reason?: string;
	banned_by?: string;
	muted_by?: string;
	created_at?: number;
	expires_at?: number | null;
	place_id?: number | null;
}

/** Every active ban and mute of the guild in the hosted Technified API, read with `apiKey` (used for this call only). */
export async function readHostedTechnified(reading: RemoteReading, baseUrl: string, guildId: string, apiKey: string): Promise<RemoteLine[]> {
	const lines: RemoteLine[] = [];
	for (const [kind, list] of [["ban", "bans"], ["mute", "mutes"]] as const) {
		let cursor: string | null = null;
		do {
			const url = new URL(`${baseUrl.replace(/\/+$/, "")}/moderation/${guildId}/roblox/${list}/active`);
			url.searchParams.set("limit", "500");
			if (cursor !== null) url.searchParams.set("cursor", cursor);
			const page = (await readPage(reading, url.toString(), { "x-api-key": apiKey, accept: "application/json" }, "The hosted Technified API")) as {
				data?: { next_cursor?: string | null } & Record<string, HostedEntry[] | undefined>;
			};
			const entries = page.data?.[list];
			if (!Array.isArray(entries)) throw new SourceRefused(`The hosted Technified API answered without data.${list}`);
			for (const entry of entries) {
				const values = { ...entry, kind, by: entry.banned_by ?? entry.muted_by ?? "" };
				lines.push({ line: lines.length + 1, values });
			}
			cursor = page.data?.next_cursor ?? null;
			await reading.onPage(lines.length);
		} while (cursor !== null);
	}
	return lines;
}

interface UserRestriction {
	user?: string;
	gameJoinRestriction?: { active?: boolean; startTime?: string; duration?: string; privateReason?: string; displayReason?: string };
}

/** The active bans of a linked universe in Roblox's own ban list, read with the link's Open Cloud key. */
export async function readRobloxBans(reading: RemoteReading, openCloudUrl: string, universeId: string, apiKey: string): Promise<RemoteLine[]> {
	const lines: RemoteLine[] = [];
	let position = 0;
	let pageToken = "";
	do {
		const url = new URL(`${openCloudUrl.replace(/\/+$/, "")}/cloud/v2/universes/${universeId}/user-restrictions`);
		url.searchParams.set("maxPageSize", "100");
		if (pageToken !== "") url.searchParams.set("pageToken", pageToken);
		const page = (await readPage(reading, url.toString(), { "x-api-key": apiKey }, "Roblox Open Cloud")) as {
			userRestrictions?: UserRestriction[];
			nextPageToken?: string;
		};
		for (const restriction of page.userRestrictions ?? []) {
			position++;
			const ban = restriction.gameJoinRestriction;
			if (ban?.active !== true) continue;
			const startedAt = ban.startTime === undefined ? null : Date.parse(ban.startTime);
			const seconds = /^(\d+)(?:\.\d+)?s$/.exec(ban.duration ?? "")?.[1];
			const values: ImportLine = {
				roblox_id: restriction.user?.replace(/^users\//, "") ?? "",
				kind: "ban",
				reason: (ban.displayReason || ban.privateReason || "Banned in Roblox").slice(0, 500),
				by: `roblox:${universeId}`,
				created_at: startedAt === null || Number.isNaN(startedAt) ? null : new Date(startedAt).toISOString(),
				expires_at: seconds === undefined || startedAt === null ? null : new Date(startedAt + Number(seconds) * 1000).toISOString(),
			};
			lines.push({ line: position, values });
		}
		pageToken = page.nextPageToken ?? "";
		await reading.onPage(position);
	} while (pageToken !== "");
	return lines;
}
