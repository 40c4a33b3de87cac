// bench/join-requests.ts
// HTTP requests per 1,000 joins: the compiled Roblox module (mutes enforced, as by default) against a naive
// one-request-per-join guard that checks bans only, both running in the Luau VM on the same realistic join
// stream of a 700-player server.

import { readFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { FakeApi, BASE_URL, GUILD_ID, TEST_KEY } from "../test/luau/harness/fake-api";
import { luauHost, REPO_ROOT } from "../test/luau/harness/luau-host";

export interface JoinStreamShape {
	/** Joins in the stream. */
	joins: number;
	/** Players who join in the first two minutes of a fresh server (matchmaking fills it). */
	startBurst: number;
	/** Joins per second once the server is full (700 players, sessions of about 15 minutes). */
	churnPerSecond: number;
	/** Share of later joins that are a player coming back within 10 minutes (crash, teleport, reconnect). */
	rejoinShare: number;
	/** Share of players who are banned; a kicked player tries again once, 20 to 60 seconds later. */
	bannedShare: number;
	seed: number;
}

export const REALISTIC_STREAM: JoinStreamShape = {
	joins: 1000,
	startBurst: 450,
	churnPerSecond: 0.75,
	rejoinShare: 0.3,
	bannedShare: 0.02,
	seed: 20240601,
};

export interface JoinRequestsResult {
	stream: JoinStreamShape;
	/** Virtual seconds the stream lasted. */
	seconds: number;
	moduleRequests: number;
	/** User ids the module asked about (the API's quota counts one point per 10 ids in a batch). */
	moduleIdsAsked: number;
	naiveRequests: number;
	moduleKicks: number;
	naiveKicks: number;
	/** moduleRequests / naiveRequests; the goal is 0.3 or less. */
	ratio: number;
}

interface StreamEvent {
	at: number;
	kind: "join" | "leave";
	userId: number;
}

/** A small seeded generator (mulberry32), so both guards see the very same stream. */
export function random(seed: number) {
	let state = seed >>> 0;
	return () => {
		state = (state + 0x6d2b79f5) >>> 0;
		let t = state;
		t = Math.imul(t ^ (t >>> 15), t | 1);
		t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
		return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
	};
}

/** Joins and leaves of a 700-player server from a cold start; banned players are marked in `banned`. */
export function joinStream(shape: JoinStreamShape): { events: StreamEvent[]; banned: Set<number> } {
	const next = random(shape.seed);
	const exponential = (mean: number) => -Math.log(1 - next()) * mean;
	const events: StreamEvent[] = [];
	const banned = new Set<number>();
	const leftAt = new Map<number, number>();
	let newUser = 10_000_000;
	let joins = 0;
	const join = (at: number, userId: number) => {
		joins++;
		events.push({ at, kind: "join", userId });
		if (banned.has(userId)) {
			if (next() < 0.8) events.push({ at: at + 20 + next() * 40, kind: "join", userId });
			return;
		}
		const leaves = at + Math.max(30, exponential(900));
		events.push({ at: leaves, kind: "leave", userId });
		leftAt.set(userId, leaves);
	};
	const freshUser = () => {
		const userId = newUser++;
		if (next() < shape.bannedShare) banned.add(userId);
		return userId;
	};
	for (let i = 0; i < shape.startBurst; i++) join(next() * 120, freshUser());
	let at = 120;
	while (joins < shape.joins) {
		at += exponential(1 / shape.churnPerSecond);
		const recent = [...leftAt].filter(([, left]) => left < at && left > at - 600);
		if (recent.length > 0 && next() < shape.rejoinShare) {
			const [userId] = recent[Math.floor(next() * recent.length)];
			leftAt.delete(userId);
			join(at, userId);
		} else join(at, freshUser());
	}
	events.sort((a, b) => a.at - b.at);
	const lastJoin = events.filter((event) => event.kind === "join").slice(0, shape.joins).at(-1)!.at;
	return { events: events.filter((event) => event.at <= lastJoin), banned };
}

/** The benches' Luau VM (one per process, built once with the naive guard beside the module). */
export function benchHost() {
	return luauHost([
		{ parentPath: "ServerScriptService", name: "NaiveGuard", source: readFileSync(join(REPO_ROOT, "test/luau/naive-guard.luau"), "utf8") },
	]);
}

async function runGuard(modulePath: string, options: Record<string, unknown>, stream: ReturnType<typeof joinStream>) {
	const host = await benchHost();
	const api = new FakeApi();
	for (const userId of stream.banned) api.ban(userId, "Exploiting");
	const server = await host.newWorld(api.transport, { seed: 1 });
	const started = await server.start(options, { modulePath });
	if (!started.ok) throw new Error(`${modulePath} did not start: ${started.error}`);
	let now = 0;
	for (const event of stream.events) {
		await server.advance(event.at - now);
		now = event.at;
		if (event.kind === "join") await server.join(event.userId);
		else await server.leave(event.userId);
	}
	// Answers still in flight for the last joins.
	await server.advance(10);
	const report = await server.report();
	return { requests: report.requests.length, idsAsked: api.askedIds().length, kicks: report.kicks.length, seconds: now };
}

export async function joinRequestsBench(shape: JoinStreamShape = REALISTIC_STREAM): Promise<JoinRequestsResult> {
	const stream = joinStream(shape);
	// Live updates off: this section counts the join lookups; bench/live-requests.ts counts live updates.
	const module = await runGuard("ServerScriptService.Technified", { apiKey: TEST_KEY, baseUrl: BASE_URL, enforceMutes: true, liveUpdates: false }, stream);
	const naive = await runGuard("ServerScriptService.NaiveGuard", { apiKey: TEST_KEY, baseUrl: BASE_URL, guildId: GUILD_ID }, stream);
	return {
		stream: shape,
		seconds: Math.round(module.seconds),
		moduleRequests: module.requests,
		moduleIdsAsked: module.idsAsked,
		naiveRequests: naive.requests,
		moduleKicks: module.kicks,
		naiveKicks: naive.kicks,
		ratio: module.requests / naive.requests,
	};
}

export function formatJoinRequests(result: JoinRequestsResult): string {
	const per1000 = (requests: number) => Math.round((requests / result.stream.joins) * 1000);
	return [
		`Roblox module, HTTP requests per 1,000 joins (700-player server, ${result.stream.startBurst} joins in the first 2 minutes,`,
		`  then ${result.stream.churnPerSecond}/s with ${result.stream.rejoinShare * 100}% rejoins; ${result.stream.bannedShare * 100}% banned, who retry once; ${result.seconds} s of virtual time):`,
		`  naive guard (one GET per join, bans only): ${per1000(result.naiveRequests)}  (kicks: ${result.naiveKicks})`,
		`  Technified module, mutes enforced: ${per1000(result.moduleRequests)}  (kicks: ${result.moduleKicks}; ids asked, incl. re-checks of everyone each minute: ${result.moduleIdsAsked})`,
		`  ratio: ${result.ratio.toFixed(3)}x  (goal <= 0.3x)`,
	].join("\n");
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
	console.log(formatJoinRequests(await joinRequestsBench()));
}
