// bench/fleet.ts
// Fleet bench: one key, many live servers long-polling the events route as the module does, players joining beside them.

import http from "node:http";
import os from "node:os";
import { pathToFileURL } from "node:url";
import { BenchTargets } from "./harness";

const GUILD = "123456789012345678";
const SERVERS = Number(process.env.BENCH_FLEET_SERVERS ?? 1_000);
/** Long enough for two full 25 s polls of every server: the request rate is read from their spacing. */
const QUIET_SECONDS = Number(process.env.BENCH_FLEET_QUIET_SECONDS ?? 55);
/**
 * Each ban sends every server back at once: a point each. 1,000 idle servers spend 2,400 a minute, so
 * 2 bans 10 s apart stay within the default 6,000 events a minute whatever the window's phase.
 */
const BANS = Number(process.env.BENCH_FLEET_BANS ?? 2);
const BAN_GAP_MS = 10_000;
const JOINS_PER_SECOND = 10;
/** The module's wait (roblox/live-updates.ts). */
const POLL_WAIT_SECONDS = 25;

interface Target {
	url: string;
	key: string;
	memory: string;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];

/** One GET over `agent`, its status and body once the whole answer is in. */
function get(url: string, headers: Record<string, string>, agent: http.Agent): Promise<{ status: number; body: string }> {
	return new Promise((resolve, reject) => {
		const request = http.get(url, { headers, agent }, (response) => {
			let body = "";
			response.setEncoding("utf8");
			response.on("data", (chunk: string) => (body += chunk));
			response.on("end", () => resolve({ status: response.statusCode ?? 0, body }));
			response.on("error", reject);
		});
		request.on("error", reject);
	});
}

/**
 * One live server as the module runs one: a long poll on a socket of its own, with its `job_id` and
 * place in the query, sent again as soon as it is answered, after the last sequence it has.
 */
class PollingServer {
	private readonly agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
	private running = true;
	/** When each poll was sent (performance.now()). */
	readonly sentAt: number[] = [];
	/** Each refusal's status and error code, e.g. `429 rate_limited`. */
	readonly refused: string[] = [];
	/** When each banned user's ban reached this server. */
	readonly arrivals = new Map<string, number>();
	done: Promise<void> = Promise.resolve();

	constructor(
		private readonly target: Target,
		private readonly index: number,
		private after: number,
	) {}

	start(): void {
		this.done = this.follow();
	}

	stop(): void {
		this.running = false;
		this.agent.destroy();
	}

	private async follow(): Promise<void> {
		const query = `job_id=fleet-${this.index}&place_id=1818&universe_id=1&players=${this.index % 50}`;
		while (this.running) {
			this.sentAt.push(performance.now());
			let answer;
			try {
				answer = await get(
					`${this.target.url}/api/v1/moderation/${GUILD}/events?after=${this.after}&wait=${POLL_WAIT_SECONDS}&${query}`,
					{ "x-api-key": this.target.key },
					this.agent,
				);
			} catch {
				return;
			}
			const at = performance.now();
			if (answer.status !== 200) {
				this.refused.push(`${answer.status} ${/"error":"(\w+)"/.exec(answer.body)?.[1] ?? ""}`.trim());
				await sleep(5_000);
				continue;
			}
			const { data } = JSON.parse(answer.body) as { data: { events: { event: string; roblox_id?: string }[]; next: number } };
			for (const event of data.events) if (event.event === "ban" && !this.arrivals.has(event.roblox_id!)) this.arrivals.set(event.roblox_id!, at);
			this.after = data.next;
			// Still at once, but after the other answers already in: a fleet is many machines, and one
			// server's next request must not delay when the bench sees another's answer arrive.
			await new Promise((resolve) => setImmediate(resolve));
		}
	}
}

/** Players joining at a steady rate: one ban-status join check each, on the fleet's key. */
function joinPlayers(target: Target) {
	const agent = new http.Agent({ keepAlive: true, maxSockets: 16 });
	const statuses = new Map<number, number>();
	let player = 1_000_000;
	const count = (status: number) => statuses.set(status, (statuses.get(status) ?? 0) + 1);
	const timer = setInterval(() => {
		const url = `${target.url}/api/v1/moderation/${GUILD}/ban-status/${player++}`;
		get(url, { "x-api-key": target.key }, agent).then(({ status }) => count(status), () => count(0));
	}, 1_000 / JOINS_PER_SECOND);
	return {
		statuses,
		stop() {
			clearInterval(timer);
			agent.destroy();
		},
	};
}

async function gatewayMemory(target: Target): Promise<{ rss: number; heapUsed: number }> {
	return (await fetch(target.memory)).json() as Promise<{ rss: number; heapUsed: number }>;
}

async function ban(target: Target, robloxId: number): Promise<number> {
	const response = await fetch(`${target.url}/api/v1/moderation/${GUILD}/roblox/ban`, {
		method: "POST",
		headers: { "x-api-key": target.key, "content-type": "application/json" },
		body: JSON.stringify({ roblox_id: robloxId, reason: "bench", moderator_roblox_id: 1 }),
	});
	await response.arrayBuffer();
	if (response.status !== 201) throw new Error(`ban answered ${response.status}`);
	return performance.now();
}

/**
 * Prints: join checks refused for quota, ban → every polling server (p50, p99), the gateway's memory
 * per held poll (its own process, after a full collection, SERVERS held against none), and the
 * module's requests per server-hour while polling, from the spacing of each server's polls.
 */
export async function fleetBench(): Promise<void> {
	const targets = new BenchTargets();
	const servers: PollingServer[] = [];
	let joins: ReturnType<typeof joinPlayers> | undefined;
	try {
		const store = await targets.start("data-store");
		const target = (await targets.start("gateway-fleet", store.url, store.token, GUILD)) as unknown as Target;
		const head = await get(`${target.url}/api/v1/moderation/${GUILD}/events?wait=0`, { "x-api-key": target.key }, new http.Agent());
		const after = (JSON.parse(head.body) as { data: { next: number } }).data.next;

		// Warm up the route and the join checks, then let them go: the baseline holds no poll.
		const warm = Array.from({ length: 50 }, (_, index) => new PollingServer(target, index, after));
		for (const server of warm) server.start();
		await sleep(1_000);
		for (const server of warm) server.stop();
		await sleep(1_000);
		const none = await gatewayMemory(target);

		joins = joinPlayers(target);
		// A few hundred at a time: the listen backlog of the gateway is finite.
		for (let index = 0; index < SERVERS; index++) {
			const server = new PollingServer(target, index, after);
			servers.push(server);
			server.start();
			if (index % 200 === 199) await sleep(200);
		}
		await sleep(2_000);
		const held = await gatewayMemory(target);

		await sleep(QUIET_SECONDS * 1_000);
		// Spacing of the polls each server sent while nothing changed: the module's request rate.
		const gaps = servers.flatMap((server) => server.sentAt.slice(1).map((sent, i) => sent - server.sentAt[i]));
		const meanGapMs = gaps.reduce((sum, gap) => sum + gap, 0) / gaps.length;

		const delays: number[] = [];
		let missed = 0;
		for (let i = 0; i < BANS; i++) {
			const robloxId = 2_000_000 + i;
			const answered = await ban(target, robloxId);
			await sleep(BAN_GAP_MS);
			for (const server of servers) {
				const arrived = server.arrivals.get(String(robloxId));
				if (arrived === undefined) missed++;
				else delays.push(Math.max(0, arrived - answered));
			}
		}
		delays.sort((a, b) => a - b);
		joins.stop();

		const refusedJoins = joins.statuses.get(429) ?? 0;
		const joinCount = [...joins.statuses.values()].reduce((sum, n) => sum + n, 0);
		const otherJoins = joinCount - (joins.statuses.get(200) ?? 0) - refusedJoins;
		const refusedPolls = new Map<string, number>();
		for (const refusal of servers.flatMap((server) => server.refused)) refusedPolls.set(refusal, (refusedPolls.get(refusal) ?? 0) + 1);
		const kib = (bytes: number) => (bytes / SERVERS / 1024).toFixed(1);
		const load = os.loadavg()[0].toFixed(1);
		console.log(`\nFleet (one key, ${SERVERS} polling servers, players joining at ${JOINS_PER_SECOND} a second, gateway in its own process; load average ${load} on ${os.cpus().length} cores)`);
		console.log(`  join checks refused for quota: ${refusedJoins} of ${joinCount}${otherJoins ? ` (${otherJoins} other failures)` : ""}   (goal 0)`);
		console.log(`  polls refused: ${[...refusedPolls].map(([refusal, n]) => `${n} (${refusal})`).join(", ") || 0}`);
		console.log(
			`  ban -> every polling server, ${BANS} bans x ${SERVERS}: min ${delays[0]?.toFixed(0)} ms   p10 ${percentile(delays, 10).toFixed(0)} ms   p50 ${percentile(delays, 50).toFixed(0)} ms   p99 ${percentile(delays, 99).toFixed(0)} ms` +
				`${missed ? `   (${missed} not within ${BAN_GAP_MS / 1000} s)` : ""}   (goal p99 <= 2000 ms)`,
		);
		console.log(`  gateway memory per held poll: ${kib(held.rss - none.rss)} KiB RSS, ${kib(held.heapUsed - none.heapUsed)} KiB heap   (goal <= 20 KiB)`);
		console.log(
			`  module requests per server-hour while polling: ${gaps.length === 0 ? `n/a (a quiet phase under ${POLL_WAIT_SECONDS} s)` : (3_600_000 / meanGapMs).toFixed(0)} with nothing changing, plus one per change   (goal <= 150)`,
		);
	} finally {
		joins?.stop();
		for (const server of servers) server.stop();
		await targets.stop();
	}
}

// `npx tsx bench/fleet.ts` runs it alone.
if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) await fleetBench();
