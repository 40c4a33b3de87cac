// gateway/roblox-users/roblox-users-client.ts
// Asks Roblox's public users and thumbnails APIs, through the outbound client, who users are: by username, by id, and their headshots.
//
// Written from Roblox's API reference for users.roblox.com (create.roblox.com/docs/cloud/legacy/users/v1):
// `POST /v1/usernames/users` with `{"usernames": [...], "excludeBannedUsers": false}` answers
// `{"data": [{"requestedUsername", "hasVerifiedBadge", "id", "name", "displayName"}]}` and matches former
// usernames too (requestedUsername then differs from name); `POST /v1/users` with `{"userIds": [...]}` answers
// `{"data": [{"hasVerifiedBadge", "id", "name", "displayName"}]}`, leaving out ids it does not know. And for
// thumbnails.roblox.com (create.roblox.com/docs/cloud/legacy/thumbnails/v1): `GET /v1/users/avatar-headshot
// ?userIds=1,2&size=150x150&format=Png&isCircular=false` answers `{"data": [{"targetId", "state"
// ("Completed", "Pending", "Blocked", "Error"), "imageUrl", "version"}]}` with images on tr.rbxcdn.com. Each
// takes at most 100 at once; errors are `{"errors": [{"code", "message"}]}`, and 429 means wait.

import { z } from "zod";
import type { OutboundRequest, OutboundResponse } from "../platform/http/outbound-http";
import { retryAfterMs } from "../outbound/experiences/open-cloud-client";

/** Where Roblox answers unless ROBLOX_USERS_URL / ROBLOX_THUMBNAILS_URL say otherwise (tests point them at a fake). */
export const DEFAULT_ROBLOX_USERS_URL = "https://users.roblox.com";
export const DEFAULT_ROBLOX_THUMBNAILS_URL = "https://thumbnails.roblox.com";
/** The one host Roblox serves headshots from; the dashboard's CSP allows it and nothing else. */
export const ROBLOX_AVATAR_HOST = "tr.rbxcdn.com";
/** Roblox's limit per request, for names and ids alike. */
export const ROBLOX_BATCH = 100;
/** How long to leave Roblox alone after a 429 that said nothing of when to come back. */
const DEFAULT_REST_MS = 30_000;
/** Each answer is a JSON list of up to 100 small objects: room for all of them. */
const KEEP_BODY = 64 * 1024;

export interface RobloxApis {
	usersUrl: string;
	thumbnailsUrl: string;
}

/** Roblox could not be asked or answered nothing usable: callers fall back to ids alone. */
export class RobloxUnavailable extends Error {
	constructor(message: string) {
		super(message);
		this.name = "RobloxUnavailable";
	}
}

export interface RobloxUser {
	id: number;
	name: string;
	displayName: string;
}

export interface UsernameMatch extends RobloxUser {
	/** As it was asked for; a former name of the user when it differs from `name`. */
	requestedUsername: string;
}

const user = { id: z.number().int().positive(), name: z.string(), displayName: z.string() };
const usersAnswer = z.object({ data: z.array(z.object(user)) });
const usernamesAnswer = z.object({ data: z.array(z.object({ ...user, requestedUsername: z.string() })) });
const headshotsAnswer = z.object({
	data: z.array(z.object({ targetId: z.number(), state: z.string(), imageUrl: z.string().nullish() })),
});

export interface Sender {
	send(request: OutboundRequest): Promise<OutboundResponse>;
}

const inBatches = <T>(items: readonly T[]): T[][] =>
	Array.from({ length: Math.ceil(items.length / ROBLOX_BATCH) }, (_, index) => items.slice(index * ROBLOX_BATCH, (index + 1) * ROBLOX_BATCH));

/** A headshot URL the dashboard may show: https on Roblox's avatar host, else none. */
export function avatarUrlOf(imageUrl: string | null | undefined): string | null {
	if (imageUrl === null || imageUrl === undefined) return null;
	try {
		const url = new URL(imageUrl);
		return url.protocol === "https:" && url.hostname === ROBLOX_AVATAR_HOST ? url.toString() : null;
	} catch {
		return null;
	}
}

export class RobloxUsersClient {
	/** Unix ms before which Roblox is not asked again, after its 429. */
	private restingUntil = 0;

	constructor(
		private readonly http: Sender,
		private readonly apis: RobloxApis,
		private readonly clock: () => number,
	) {}

	async byUsernames(usernames: readonly string[]): Promise<UsernameMatch[]> {
		const found: UsernameMatch[] = [];
		for (const batch of inBatches(usernames)) {
			const body = JSON.stringify({ usernames: batch, excludeBannedUsers: false });
			found.push(...(await this.ask({ url: `${this.apis.usersUrl}/v1/usernames/users`, method: "POST", body }, usernamesAnswer)).data);
		}
		return found;
	}

	async byIds(ids: readonly number[]): Promise<RobloxUser[]> {
		const found: RobloxUser[] = [];
		for (const batch of inBatches(ids)) {
			const body = JSON.stringify({ userIds: batch, excludeBannedUsers: false });
			found.push(...(await this.ask({ url: `${this.apis.usersUrl}/v1/users`, method: "POST", body }, usersAnswer)).data);
		}
		return found;
	}

	/** Each id's headshot URL on Roblox's avatar host; null while Roblox has none to show (pending, blocked). */
	async headshots(ids: readonly number[]): Promise<Map<number, string | null>> {
		const urls = new Map<number, string | null>();
		for (const batch of inBatches(ids)) {
			const query = new URLSearchParams({ userIds: batch.join(","), size: "150x150", format: "Png", isCircular: "false" });
			const answer = await this.ask({ url: `${this.apis.thumbnailsUrl}/v1/users/avatar-headshot?${query}`, method: "GET" }, headshotsAnswer);
			for (const shot of answer.data) urls.set(shot.targetId, shot.state === "Completed" ? avatarUrlOf(shot.imageUrl) : null);
		}
		return urls;
	}

	private async ask<T>(request: Pick<OutboundRequest, "url" | "method" | "body">, answer: z.ZodType<T>): Promise<T> {
		const now = this.clock();
		if (now < this.restingUntil) throw new RobloxUnavailable("Roblox asked to wait (429)");
		let response: OutboundResponse;
		try {
			const headers: Record<string, string> = { accept: "application/json", ...(request.body === undefined ? {} : { "content-type": "application/json" }) };
			response = await this.http.send({ ...request, headers, keepBytes: KEEP_BODY });
		} catch (err) {
			throw new RobloxUnavailable(`Roblox could not be reached: ${(err as Error).message}`);
		}
		if (response.status === 429) {
			this.restingUntil = this.clock() + (retryAfterMs(response.headers["retry-after"], this.clock()) ?? DEFAULT_REST_MS);
			throw new RobloxUnavailable("Roblox asked to wait (429)");
		}
		if (response.status !== 200) throw new RobloxUnavailable(`Roblox answered ${response.status}`);
		let parsed: unknown;
		try {
			parsed = JSON.parse(response.text);
		} catch {
			throw new RobloxUnavailable("Roblox answered something that is not JSON");
		}
		const read = answer.safeParse(parsed);
		if (!read.success) throw new RobloxUnavailable("Roblox answered in a shape it does not document");
		return read.data;
	}
}
