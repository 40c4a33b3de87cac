// gateway/dashboard/web/src/time-format.ts
// Times as the list shows them: relative ("3 hours ago"), with the exact time on hover.

import { el } from "./dom";

const relative = new Intl.RelativeTimeFormat("en", { numeric: "auto" });
const exact = new Intl.DateTimeFormat("en", { dateStyle: "medium", timeStyle: "long" });

const UNITS: [Intl.RelativeTimeFormatUnit, number][] = [
	["year", 31_536_000],
	["month", 2_592_000],
	["week", 604_800],
	["day", 86_400],
	["hour", 3_600],
	["minute", 60],
];

/** The page's clock and the gateway's differ by a few seconds: a day-long ban set just now still ends "tomorrow". */
const CLOCK_SLACK_SECONDS = 60;

/** `at` and `now` in unix seconds; past times read "… ago", future ones "in …". */
export function relativeTime(at: number, now: number): string {
	const delta = at - now;
	if (Math.abs(delta) < 45) return "just now";
	const [unit, seconds] = UNITS.find(([, size]) => Math.abs(delta) >= size - CLOCK_SLACK_SECONDS) ?? UNITS[UNITS.length - 1];
	return relative.format(Math.round(delta / seconds), unit);
}

export function exactTime(at: number): string {
	return exact.format(new Date(at * 1000));
}

/** A `<time>` reading relatively, its exact time in the tooltip and in `datetime`. */
export function timeElement(at: number, now: number): HTMLTimeElement {
	return el("time", { datetime: new Date(at * 1000).toISOString(), title: exactTime(at), "data-at": at }, relativeTime(at, now));
}

/** Rewrites every relative time on the page in place: nothing is re-rendered, so focus stays put. */
export function refreshRelativeTimes(now: number): void {
	for (const time of document.querySelectorAll<HTMLTimeElement>("time[data-at]")) {
		time.textContent = relativeTime(Number(time.dataset.at), now);
	}
}

export const nowInSeconds = () => Math.floor(Date.now() / 1000);
