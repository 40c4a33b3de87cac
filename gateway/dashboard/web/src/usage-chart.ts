// gateway/dashboard/web/src/usage-chart.ts
// A key's requests per hour over the last 24 hours as a small SVG bar chart, built with DOM APIs.

import type { UsagePoint } from "./admin-api";
import { el, svg } from "./dom";

const WIDTH = 480;
const HEIGHT = 120;
const AXIS = 18;
const GAP = 2;

const hourLabel = new Intl.DateTimeFormat("en", { hour: "2-digit", minute: "2-digit", hourCycle: "h23" });

/**
 * Bars scale to the busiest hour; each bar's tooltip gives its hour and count, and the whole chart
 * has a text summary for screen readers.
 */
export function usageChart(points: UsagePoint[]): HTMLElement {
	const total = points.reduce((sum, point) => sum + point.count, 0);
	const peak = points.reduce<UsagePoint | undefined>((best, point) => (best === undefined || point.count > best.count ? point : best), undefined);
	const summary =
		total === 0 || peak === undefined
			? "No requests in the last 24 hours."
			: `${total} ${total === 1 ? "request" : "requests"} in the last 24 hours; busiest hour ${hourLabel.format(peak.at * 1000)} with ${peak.count}.`;

	const max = Math.max(1, peak?.count ?? 0);
	const barWidth = WIDTH / Math.max(1, points.length);
	const plotHeight = HEIGHT - AXIS;
	const chart = svg("svg", {
		viewBox: `0 0 ${WIDTH} ${HEIGHT}`,
		class: "usage-chart",
		role: "img",
		"aria-label": summary,
	});
	chart.append(svg("line", { x1: 0, x2: WIDTH, y1: plotHeight, y2: plotHeight, class: "usage-axis" }));
	points.forEach((point, index) => {
		// An hour with requests gets at least 2 px, so a single request is still visible next to a busy hour.
		const height = point.count === 0 ? 0 : Math.max(2, (point.count / max) * (plotHeight - 4));
		const tooltip = `${hourLabel.format(point.at * 1000)}: ${point.count} ${point.count === 1 ? "request" : "requests"}`;
		const bar = svg("rect", {
			x: index * barWidth + GAP / 2,
			y: plotHeight - height,
			width: barWidth - GAP,
			height,
			class: "usage-bar",
		});
		// A transparent full-height target carries the tooltip, so empty hours have one too (bars ignore the pointer).
		const target = svg("rect", { x: index * barWidth, y: 0, width: barWidth, height: plotHeight, class: "usage-hit" }, svg("title", {}, tooltip));
		chart.append(target, bar);
	});
	chart.append(
		svg("text", { x: 0, y: HEIGHT - 4, class: "usage-label" }, "24 h ago"),
		svg("text", { x: WIDTH, y: HEIGHT - 4, class: "usage-label", "text-anchor": "end" }, "now"),
	);
	if (total > 0) chart.append(svg("text", { x: 0, y: 10, class: "usage-label" }, `peak ${max}/h`));
	return el("div", { class: "usage-wrap" }, chart, el("p", { class: "usage-summary" }, summary));
}
