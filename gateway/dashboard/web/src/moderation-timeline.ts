// gateway/dashboard/web/src/moderation-timeline.ts
// A user's current ban and mute, and their whole history as a timeline: who, when, why, lifted by whom.

import { el } from "./dom";
import { actorText, type HistoryEntry, type UserStatus } from "./moderation-api";
import { timeElement } from "./time-format";

const STATE_LABEL: Record<HistoryEntry["state"], string> = {
	active: "Active",
	expired: "Expired",
	lifted: "Lifted",
	replaced: "Replaced",
};

const KIND_LABEL = { ban: "Ban", mute: "Mute" } as const;

/** Where a record applies, in words. */
export const placeText = (placeId: number | null) => (placeId === null ? "every place" : `place ${placeId}`);

/** How long a record lasts: "permanent" or "until <time>" (relative, exact on hover). */
export function endsElement(expiresAt: number | null, now: number): HTMLElement {
	if (expiresAt === null) return el("span", {}, "permanent");
	return el("span", {}, expiresAt > now ? "ends " : "ended ", timeElement(expiresAt, now));
}

/** The ban and the mute that apply now, each a labelled box. */
export function statusBoxes(status: UserStatus, now: number): HTMLElement[] {
	const box = (title: string, active: boolean, words: string, info: UserStatus["ban_info"] | UserStatus["mute_info"], by: string | undefined) =>
		el(
			"div",
			{ class: `status-box ${active ? "is-active" : ""}`, "data-kind": title.toLowerCase() },
			el("h3", {}, title),
			el("p", { class: `status ${active ? "status-revoked" : "status-active"}` }, words),
			info === undefined
				? el("p", { class: "muted" }, `No active ${title.toLowerCase()}${status.place_id === null ? "" : ` globally or in place ${status.place_id}`}.`)
				: el(
						"dl",
						{ class: "facts" },
						el("dt", {}, "Reason"),
						el("dd", {}, info.reason),
						el("dt", {}, "By"),
						el("dd", {}, actorText(by ?? "")),
						el("dt", {}, "Since"),
						el("dd", {}, timeElement(info.created_at, now)),
						el("dt", {}, "Lasts"),
						el("dd", {}, endsElement(info.expires_at, now)),
						el("dt", {}, "Where"),
						el("dd", {}, placeText(info.place_id)),
					),
		);
	return [
		box("Ban", status.banned, status.banned ? "Banned" : "Not banned", status.ban_info, status.ban_info?.banned_by),
		box("Mute", status.muted, status.muted ? "Muted" : "Not muted", status.mute_info, status.mute_info?.muted_by),
	];
}

const LENGTH_UNITS: [string, number][] = [
	["day", 86_400],
	["hour", 3_600],
	["minute", 60],
	["second", 1],
];

/** How long a record was set to last: "for 7 days", "for 90 minutes", "permanent". */
export function lengthText(createdAt: number, expiresAt: number | null): string {
	if (expiresAt === null) return "permanent";
	const seconds = Math.max(0, expiresAt - createdAt);
	const [unit, size] = LENGTH_UNITS.find(([, step]) => seconds >= step && seconds % step === 0) ?? ["second", 1];
	const count = seconds / size;
	return `for ${count} ${unit}${count === 1 ? "" : "s"}`;
}

/** One history entry: what, its state, why, who and when, and how it ended. */
export function timelineItem(entry: HistoryEntry, now: number): HTMLLIElement {
	const ended =
		entry.lifted_at === null
			? null
			: el(
					"p",
					{ class: "timeline-lift" },
					entry.state === "replaced" ? "Replaced " : "Lifted ",
					timeElement(entry.lifted_at, now),
					entry.lifted_by === null ? "" : ` by ${actorText(entry.lifted_by)}`,
					entry.lift_reason === null || entry.state === "replaced" ? "" : ` — “${entry.lift_reason}”`,
				);
	return el(
		"li",
		{ class: `timeline-item kind-${entry.kind}`, "data-state": entry.state },
		el(
			"p",
			{ class: "timeline-head" },
			el("span", { class: `kind-badge kind-${entry.kind}` }, KIND_LABEL[entry.kind]),
			el("span", { class: `status state-${entry.state}` }, STATE_LABEL[entry.state]),
			timeElement(entry.created_at, now),
		),
		el("p", { class: "timeline-reason" }, entry.reason),
		el(
			"p",
			{ class: "timeline-meta" },
			`By ${actorText(entry.by)} · ${lengthText(entry.created_at, entry.expires_at)}`,
			// Only a record still running has an end ahead of it worth a relative time.
			entry.state === "active" && entry.expires_at !== null ? el("span", {}, ", ", endsElement(entry.expires_at, now)) : null,
			` · ${placeText(entry.place_id)}`,
			entry.job_id === null ? "" : ` · server ${entry.job_id}`,
		),
		ended,
	);
}
