// gateway/dashboard/web/src/roblox-names.ts
// Players by name and face: ids resolved in one batch through GET /admin/v1/roblox/users, shown as avatar, display name and @name beside the id.

import type { AdminApi } from "./admin-api";
import { el } from "./dom";

/** One player as the gateway answers; `name` null when Roblox does not know the id or could not be asked. */
export interface RobloxPerson {
	id: number;
	name: string | null;
	display_name: string | null;
	avatar_url: string | null;
	requested_username?: string;
}

export interface Resolution {
	users: RobloxPerson[];
	not_found: string[];
	/** False when Roblox could not be asked for some: ids alone. */
	complete: boolean;
}

/** Roblox ids as the API takes them: a positive integer below 2^53, no leading zero. */
export const isRobloxId = (text: string) => /^[1-9]\d{0,15}$/.test(text) && Number(text) < 2 ** 53;

/** Roblox's rule for usernames: 3 to 20 letters and digits with at most one underscore, neither first nor last. */
export const isRobloxUsername = (text: string) => /^(?=.{3,20}$)[A-Za-z0-9]+(?:_[A-Za-z0-9]+)?$/.test(text);

/** The gateway's limit per lookup. */
const BATCH = 100;

/** Everyone named so far in this tab: moderators' names in running text (actorText) come from here. */
const named = new Map<string, RobloxPerson>();

export const knownPerson = (id: string): RobloxPerson | undefined => named.get(id);

/** Names of `ids` by id, in batches of 100; an outage (or any refusal) leaves them out and says so. */
export async function namesOf(api: AdminApi, ids: readonly string[]): Promise<{ people: Map<string, RobloxPerson>; complete: boolean }> {
	const unique = [...new Set(ids)];
	const people = new Map<string, RobloxPerson>();
	let complete = true;
	for (let start = 0; start < unique.length; start += BATCH) {
		try {
			const batch = unique.slice(start, start + BATCH);
			const answer = await api.data<Resolution>("GET", `/roblox/users?ids=${batch.join(",")}`);
			for (const person of answer.users) {
				if (person.name === null) continue;
				people.set(String(person.id), person);
				named.set(String(person.id), person);
			}
			complete &&= answer.complete;
		} catch {
			complete = false;
		}
	}
	return { people, complete };
}

/** Whom a username names now: the answer's first user, `not_found`, or undefined when Roblox could not be asked. */
export async function personNamed(api: AdminApi, username: string): Promise<RobloxPerson | "not_found" | undefined> {
	const answer = await api.data<Resolution>("GET", `/roblox/users?usernames=${encodeURIComponent(username)}`);
	if (answer.not_found.length > 0) return "not_found";
	return answer.users[0];
}

/** Avatar, display name and @name beside the id; the id alone when the name is not known. */
export function personElement(id: string, person: RobloxPerson | undefined): HTMLElement {
	if (person === undefined || person.name === null) return el("span", { class: "person" }, el("code", {}, id));
	return el(
		"span",
		{ class: "person" },
		person.avatar_url === null ? el("span", { class: "avatar avatar-empty", "aria-hidden": "true" }) : el("img", { class: "avatar", src: person.avatar_url, alt: "", width: 36, height: 36 }),
		el(
			"span",
			{ class: "person-names" },
			el("span", { class: "display-name" }, person.display_name ?? person.name),
			el("span", { class: "username" }, `@${person.name}`, " ", el("code", {}, id)),
		),
	);
}

/** "@builderman (Builderman)", or "Player 261" when the name is not known: a player in running text. */
export const personText = (id: string, person: RobloxPerson | undefined) =>
	person === undefined || person.name === null ? `Player ${id}` : `@${person.name}${person.display_name !== null && person.display_name !== person.name ? ` (${person.display_name})` : ""}`;
