// gateway/dashboard/web/src/active-list.ts
// The guild's active bans or mutes: a page at a time, filtered by length and place, exported as CSV.

import { el } from "./dom";
import { actorText, type ActiveEntry, type Kind, type ModerationApi } from "./moderation-api";
import { endsElement, placeText } from "./moderation-timeline";
import { namesOf, personElement, type RobloxPerson } from "./roblox-names";
import { exactTime, nowInSeconds, timeElement } from "./time-format";

/** Records per page on screen. */
export const ACTIVE_PAGE_SIZE = 20;
/** Records per request while exporting: the lists' largest page. */
const EXPORT_PAGE_SIZE = 500;

export interface ActiveFilters {
	length: "any" | "permanent" | "temporary";
	/** "any", "global", or a place id: records of that place only. */
	place: string;
}

export function matches(entry: ActiveEntry, filters: ActiveFilters): boolean {
	if (filters.length === "permanent" && !entry.is_permanent) return false;
	if (filters.length === "temporary" && entry.is_permanent) return false;
	if (filters.place === "global") return entry.place_id === null;
	if (filters.place !== "any") return entry.place_id === Number(filters.place);
	return true;
}

/** Rows as cards on narrow screens: each cell carries its column's name for the label shown there. */
export function activeRows(
	entries: readonly ActiveEntry[],
	people: ReadonlyMap<string, RobloxPerson>,
	lookUp: (robloxId: string) => void,
): HTMLTableRowElement[] {
	const now = nowInSeconds();
	return entries.map((entry) => {
		const person = people.get(entry.roblox_id);
		const who = person?.name === null || person === undefined ? `user ${entry.roblox_id}` : `@${person.name} (${entry.roblox_id})`;
		const open = el("button", { type: "button", "data-action": "look-up", "aria-label": `Look up ${who}` }, "Look up");
		open.addEventListener("click", () => lookUp(entry.roblox_id));
		return el(
			"tr",
			{ "data-user": entry.roblox_id },
			el("td", { "data-label": "User" }, personElement(entry.roblox_id, person)),
			el("td", { "data-label": "Reason", class: "reason-cell" }, entry.reason),
			el("td", { "data-label": "By" }, actorText(entry.by)),
			el("td", { "data-label": "Since", class: "time-cell" }, timeElement(entry.created_at, now)),
			el("td", { "data-label": "Lasts", class: "time-cell" }, endsElement(entry.expires_at, now)),
			el("td", { "data-label": "Where" }, placeText(entry.place_id)),
			el("td", { class: "actions" }, open),
		);
	});
}

/** RFC 4180: quoted when needed, quotes doubled; a leading =, +, - or @ is defused for spreadsheets. */
function csvField(value: string): string {
	const safe = /^[=+\-@]/.test(value) ? `'${value}` : value;
	return /[",\r\n']/.test(safe) ? `"${safe.replaceAll('"', '""')}"` : safe;
}

const iso = (at: number | null) => (at === null ? "" : new Date(at * 1000).toISOString());

/** Every active record of the kind that passes the filters, walked page by page, as CSV text with each player's name beside the id. */
export async function exportCsv(api: ModerationApi, kind: Kind, filters: ActiveFilters): Promise<{ text: string; count: number }> {
	const lines = [["roblox_id", "name", "display_name", "reason", "by", "created_at", "expires_at", "is_permanent", "place_id"].join(",")];
	let cursor: string | null = null;
	let count = 0;
	do {
		const page = await api.active(kind, EXPORT_PAGE_SIZE, cursor);
		const shown = page.entries.filter((candidate) => matches(candidate, filters));
		// Names are a help, not the record: an outage leaves those columns empty.
		const { people } = await namesOf(api.admin, shown.map((entry) => entry.roblox_id));
		for (const entry of shown) {
			count++;
			const person = people.get(entry.roblox_id);
			const fields = [entry.roblox_id, person?.name ?? "", person?.display_name ?? "", entry.reason, entry.by, iso(entry.created_at), iso(entry.expires_at), String(entry.is_permanent), entry.place_id === null ? "" : String(entry.place_id)];
			lines.push(fields.map(csvField).join(","));
		}
		cursor = page.next_cursor;
	} while (cursor !== null);
	return { text: `${lines.join("\r\n")}\r\n`, count };
}

/** Hands the browser a file to save; the object URL is dropped once the click has started the download. */
export function download(fileName: string, text: string): void {
	const url = URL.createObjectURL(new Blob([text], { type: "text/csv;charset=utf-8" }));
	const link = el("a", { href: url, download: fileName, hidden: true });
	document.body.append(link);
	link.click();
	link.remove();
	setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/** "Exported 3 bans (2 Dec 2026, 07:20)": what the status line says after an export. */
export const exportSummary = (count: number, kind: Kind) =>
	`Exported ${count} active ${kind === "ban" ? "ban" : "mute"}${count === 1 ? "" : "s"} (${exactTime(nowInSeconds())}).`;
