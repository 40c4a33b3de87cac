// test/luau/backoff.test.ts
// When the API pushes back or goes down: Retry-After honoured for every caller, retries that grow with
// jitter and a cap, a circuit that bounds requests through a long outage, and Roblox's own limit.

import { describe, expect, test } from "vitest";
import { errorAnswer, FakeApi } from "./harness/fake-api";
import { guardOptions, serverFor, warnings } from "./harness/scenario";

const serverError = () => errorAnswer(503, "upstream_unavailable", "Data store unavailable");

describe("back-off, budget pauses and the circuit", () => {
	test("a 429 with Retry-After: 17 holds back every request for 17 seconds", async () => {
		const api = new FakeApi();
		api.ban(12, "Exploiting");
		let refused = false;
		api.disruption = () => {
			if (refused) return undefined;
			refused = true;
			return errorAnswer(429, "rate_limited", "Rate limit exceeded", { "Retry-After": "17" }, { retry_after: 17 });
		};
		const server = await serverFor(api);
		await server.start(guardOptions());
		await server.join(10);
		await server.advance(4);
		// Other players keep joining during the pause: they must wait too, not spend the quota again.
		await server.join(11);
		await server.advance(4);
		await server.join(12);
		await server.advance(30);
		const report = await server.report();
		const [first, ...rest] = report.requests;
		expect(rest.length).toBeGreaterThan(0);
		for (const request of rest) expect(request.at).toBeGreaterThanOrEqual(first.at + 17);
		expect(report.kicks.map((kick) => kick.userId)).toEqual([12]);
		expect(warnings(report)).toHaveLength(1);
		expect(warnings(report)[0]).toContain("rate limit");
	});

	test("server errors are retried after growing, jittered delays", async () => {
		// Thirty servers, each with one player and an API answering 503: the delays between attempts.
		const gaps: number[][] = [[], [], []];
		for (let seed = 1; seed <= 30; seed++) {
			const api = new FakeApi();
			api.disruption = serverError;
			const server = await serverFor(api, { seed });
			await server.start(guardOptions());
			await server.join(20);
			// Four attempts end by t = 9.2 s; the first re-check tick comes at 12 s.
			await server.advance(11);
			const times = (await server.report()).requests.map((request) => request.at);
			expect(times.length).toBe(4);
			for (let i = 0; i < 3; i++) gaps[i].push(times[i + 1] - times[i]);
		}
		const latency = 0.05;
		const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / values.length;
		gaps.forEach((values, retry) => {
			for (const gap of values) expect(gap).toBeLessThanOrEqual(2 ** retry + latency + 1e-9);
			// Full jitter: thirty servers do not retry in lockstep.
			expect(new Set(values.map((gap) => gap.toFixed(3))).size).toBeGreaterThan(20);
		});
		expect(mean(gaps[1])).toBeGreaterThan(mean(gaps[0]));
		expect(mean(gaps[2])).toBeGreaterThan(mean(gaps[1]));
	});

	test("through a 10-minute outage, requests are bounded by the circuit and spaced at its cap", async () => {
		const api = new FakeApi();
		api.ban(3999, "Exploiting");
		const outage = { from: 60, to: 660 };
		api.disruption = (request) => (request.at >= outage.from && request.at < outage.to ? serverError() : undefined);
		const server = await serverFor(api);
		await server.start(guardOptions());
		await server.join(...Array.from({ length: 50 }, (_, i) => 3000 + i));
		// A player joins every 10 seconds, all through the outage.
		for (let t = 0; t < 700; t += 10) {
			await server.join(3100 + t / 10);
			await server.advance(10);
		}
		await server.join(3999);
		await server.advance(120);
		const report = await server.report();
		const during = report.requests.filter((request) => request.at >= outage.from && request.at < outage.to);
		console.log(`10-minute outage: ${during.length} requests sent while the API was down (a naive guard: ${600 / 10} joins = 60)`);
		expect(during.length).toBeLessThanOrEqual(15);
		const times = during.map((request) => request.at);
		const spacing = times.slice(1).map((at, i) => at - times[i]);
		// The circuit's cool-down doubles to its 120-second cap, never beyond (plus the re-check tick).
		expect(Math.max(...spacing)).toBeLessThanOrEqual(120 + 15 + 2.1);
		expect(spacing.at(-1)).toBeGreaterThanOrEqual(100);
		// One warning for the outage, one when it is over; the banned player who joins after it is kicked.
		const lines = warnings(report);
		expect(lines.filter((line) => line.includes("failing"))).toHaveLength(1);
		expect(lines.filter((line) => line.includes("answers again"))).toHaveLength(1);
		expect(report.kicks.map((kick) => kick.userId)).toEqual([3999]);
	});

	test("Roblox's 'Number of requests exceeded limit' pauses requests for 30 seconds", async () => {
		const api = new FakeApi();
		api.ban(31, "Exploiting");
		const server = await serverFor(api);
		await server.start(guardOptions());
		await server.otherScriptsSend(500);
		await server.join(31);
		await server.advance(90);
		const report = await server.report();
		// Refused at t=2 and t=32 (the other scripts' minute is not over), through at t=62.
		expect(report.refusedByLimit).toBe(2);
		expect(report.requests).toHaveLength(1);
		expect(report.requests[0].at).toBeGreaterThanOrEqual(60);
		expect(report.kicks.map((kick) => kick.userId)).toEqual([31]);
		expect(warnings(report)).toHaveLength(1);
		expect(warnings(report)[0]).toContain("500 HTTP requests per minute");
	});
});
