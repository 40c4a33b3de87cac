// test/luau/budget.test.ts
// A simulated worst-case hour on a full 700-player server: more joins than the budget can serve, flaky
// answers, quota refusals. The module must never exceed its requests-per-minute budget.

import { expect, test } from "vitest";
import { errorAnswer, FakeApi } from "./harness/fake-api";
import { busiestWindow, guardOptions, serverFor } from "./harness/scenario";

test("a worst-case hour never exceeds the request budget", async () => {
	const api = new FakeApi();
	let sent = 0;
	api.disruption = (request) => {
		sent += 1;
		// Every 7th answer is a server error and every 13th a quota refusal: retries add to the demand.
		if (sent % 13 === 0) return errorAnswer(429, "rate_limited", "Rate limit exceeded", { "Retry-After": "2" }, { retry_after: 2 });
		if (sent % 7 === 0) return errorAnswer(502, "upstream_unavailable", "Data store unavailable");
		return undefined;
	};
	const server = await serverFor(api);
	// No batching window: each join wants its own request, four a second, twice what the budget allows.
	await server.start(guardOptions({ requestsPerMinute: 120, batchWindow: 0, recheckInterval: 60 }));
	await server.join(...Array.from({ length: 700 }, (_, i) => 1_000_000 + i));
	const present: number[] = Array.from({ length: 700 }, (_, i) => 1_000_000 + i);
	let next = 2_000_000;
	for (let step = 0; step < 3600 * 4; step++) {
		present.push(next);
		await server.churn(present.shift()!, next++, 0.25);
	}
	const report = await server.report();
	const times = report.requests.map((request) => request.at);
	const busiest = busiestWindow(times, 60);
	console.log(`worst-case hour: ${times.length} requests, busiest minute ${busiest} (budget 120; Roblox's limit 500)`);
	expect(busiest).toBeLessThanOrEqual(120);
	expect(report.refusedByLimit).toBe(0);
	// The budget is used, not starved: demand exceeds it all hour.
	expect(times.length).toBeGreaterThan(100 * 60);
	expect(report.output.filter((line) => line.kind === "error")).toEqual([]);
	console.log(`Luau heap after the hour: ${Math.round(await server.gcKilobytes())} KiB of 16 MiB`);
	// About 40 s alone; within the full `npm test` (every suite sharing two cores) it has taken 145 s.
}, 300_000);
