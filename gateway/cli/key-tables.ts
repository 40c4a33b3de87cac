// gateway/cli/key-tables.ts
// How the CLI shows keys and usage: narrow borderless tables (cli-table3) that fit an 80-column terminal.

import Table from "cli-table3";
import type { ApiKeyRecord } from "../../shared/records";
import type { UsageReport } from "../keys/key-admin";

/** Enough of a UUID to name a key among a guild's few (the CLI accepts it back). */
export const shortId = (id: string) => id.slice(0, 8);

/** Columns apart by two spaces, no borders, no colours: readable, and easy to cut or grep. */
function table(head: string[]): Table.Table {
	const none = "";
	return new Table({
		head,
		chars: {
			top: none, "top-mid": none, "top-left": none, "top-right": none,
			bottom: none, "bottom-mid": none, "bottom-left": none, "bottom-right": none,
			left: none, "left-mid": none, mid: none, "mid-mid": none, right: none, "right-mid": none, middle: "  ",
		},
		style: { head: [], border: [], "padding-left": 0, "padding-right": 0 },
	});
}

const render = (rows: Table.Table) =>
	rows
		.toString()
		.split("\n")
		.map((line) => line.trimEnd())
		.join("\n");

const clip = (text: string, max: number) => (text.length > max ? `${text.slice(0, max - 1)}…` : text);

const date = (at: number | null) => (at === null ? "never" : new Date(at * 1000).toISOString().slice(0, 16).replace("T", " "));

/** "5 min ago", "3 h ago", "in 2 d": how long since (or until) a unix time, at a glance. */
export function relative(at: number | null, now = Date.now() / 1000): string {
	if (at === null) return "never";
	const seconds = Math.round(now - at);
	const size = Math.abs(seconds);
	const amount =
		size < 60 ? `${size} s` : size < 3_600 ? `${Math.floor(size / 60)} min` : size < 86_400 ? `${Math.floor(size / 3_600)} h` : `${Math.floor(size / 86_400)} d`;
	return seconds >= 0 ? `${amount} ago` : `in ${amount}`;
}

export function keyListTable(keys: ApiKeyRecord[]): string {
	if (keys.length === 0) return "No keys.";
	const rows = table(["ID", "PREFIX", "NAME", "STATUS", "LAST USED"]);
	for (const key of keys) rows.push([shortId(key.id), key.prefix, clip(key.name ?? "", 20), key.status, relative(key.last_used_at)]);
	return render(rows);
}

export function keyDetailTable(key: ApiKeyRecord): string {
	const rows = table(["FIELD", "VALUE"]);
	rows.push(
		["id", key.id],
		["guild", key.guild_id],
		["prefix", key.prefix],
		["name", key.name ?? ""],
		["status", key.status],
		["scopes", key.scopes.join(", ")],
		["allowed from", key.allowed_cidrs.length === 0 ? "anywhere" : key.allowed_cidrs.join(", ")],
		["created", date(key.created_at)],
		["last used", key.last_used_at === null ? "never" : `${date(key.last_used_at)} (${relative(key.last_used_at)})`],
		["expires", key.expires_at === null ? "never" : `${date(key.expires_at)} (${relative(key.expires_at)})`],
		["revoked", date(key.revoked_at)],
	);
	return render(rows);
}

export function usageTable(usage: UsageReport): string {
	const rows = table([usage.granularity === "minute" ? "MINUTE (UTC)" : "HOUR (UTC)", "REQUESTS"]);
	for (const point of usage.points) rows.push([date(point.at), String(point.count)]);
	const total = usage.points.reduce((sum, point) => sum + point.count, 0);
	return `${render(rows)}\n${total} request${total === 1 ? "" : "s"} in the last ${usage.points.length} ${usage.granularity}s`;
}
