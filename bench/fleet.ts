// bench/fleet.ts
// Fleet bench: one key, live servers long-polling the events route and live servers pushed through Open Cloud
// Messaging, as the module runs them, players joining beside them (issue 20, part 7; docs/fleets.md).

import { readFileSync } from "node:fs";
import http from "node:http";
import os from "node:os";
import { pathToFileURL } from "node:url";
import type { PushMessage } from "../shared/records";
import { BenchTargets } from "./harness";

/** A number constant of the module, read from its source: the module is Luau-bound and does not load in Node. */
function moduleConstant(file: string, name: string): number {
	const found = new RegExp(`export const ${name} = ([\\d_]+);`).exec(readFileSync(new URL(`../roblox/${file}`, import.meta.url), "utf8"));
	if (found === null) throw new Error(`roblox/${file} no longer exports ${name}`);
	return Number(found[1].replaceAll("_", ""));
}
/** The module's long-poll wait, a pushed server's heartbeat period and its safety poll's. */
const POLL_WAIT_SECONDS = moduleConstant("live-updates.ts", "POLL_WAIT_SECONDS");
const HEARTBEAT_SECONDS = moduleConstant("pushed-events.ts", "HEARTBEAT_SECONDS");
const SAFETY_POLL_SECONDS = moduleConstant("pushed-events.ts", "SAFETY_POLL_SECONDS");

const GUILD = "123456789012345678";
const ADMIN_TOKEN = "bench-admin-token-0123456789";
/** The pushed servers' universe, linked to the fake Open Cloud; the polling servers' is not linked. */
const PUSHED_UNIVERSE = 4815162342;
const OPEN_CLOUD_KEY = "bench-open-cloud-key-0123456789abcdef";
const SERVERS = Number(process.env.BENCH_FLEET_SERVERS ?? 1_000);
const PUSHED_SERVERS = Number(process.env.BENCH_FLEET_PUSHED_SERVERS ?? 1_000);
/** Long enough for two full 25 s polls of every server: the request rate is read from their spacing. */
const QUIET_SECONDS = Number(process.env.BENCH_FLEET_QUIET_SECONDS ?? 55);
/**
 * Each ban sends every polling server back at once: a point each. 1,000 idle polling servers spend 2,400
 * a minute and 1,000 pushed ones 100 (safety polls), so 2 bans 10 s apart stay within the default 6,000
 * events a minute whatever the window's phase (the pushed servers' first polls end 60 s before them).
 */
const BANS = Number(process.env.BENCH_FLEET_BANS ?? 2);
const BAN_GAP_MS = 10_000;
const JOINS_PER_SECOND = 10;

interface Target {
	url: string;
	key: string;
	memory: string;
}

interface OpenCloud {
	url: string;
	/** Where the messages it accepted are read, `?since=` the count already read. */
	published: string;
}

/** A message the fake Open Cloud accepted; `at` is its arrival, Unix ms. */
interface Published {
	message: string;
	at: number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];

/** One request over `agent` (a GET without `body`), its status and body once the whole answer is in. */
function send(url: string, headers: Record<string, string>, agent: http.Agent, body?: string): Promise<{ status: number; body: string }> {
	return new Promise((resolve, reject) => {
		const method = body === undefined ? "GET" : "POST";
		const sent = body === undefined ? headers : { ...headers, "content-type": "application/json", "content-length": String(Buffer.byteLength(body)) };
		const request = http.request(url, { method, headers: sent, agent }, (response) => {
			let text = "";
			response.setEncoding("utf8");
			response.on("data", (chunk: string) => (text += chunk));
			response.on("end", () => resolve({ status: response.statusCode ?? 0, body: text }));
			response.on("error", reject);
		});
		request.on("error", reject);
		request.end(body);
	});
}
const get = (url: string, headers: Record<string, string>, agent: http.Agent) => send(url, headers, agent);

/** A refused answer as `429 rate_limited`. */
const refusal = (answer: { status: number; body: string }) => `${answer.status} ${/"error":"(\w+)"/.exec(answer.body)?.[1] ?? ""}`.trim();

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
			} catch (err) {
				// As the module does after a failed request: wait, then poll again.
				this.refused.push((err as NodeJS.ErrnoException).code ?? "failed");
				await sleep(5_000);
				continue;
			}
			const at = performance.now();
			if (answer.status !== 200) {
				this.refused.push(refusal(answer));
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

/**
 * One live server of a pushed universe as the module runs one (roblox/live-updates.ts, roblox/pushed-events.ts):
 * a first long poll with its `universe_id`, whose answer's `data.push` turns it to the topic; then a
 * heartbeat every HEARTBEAT_SECONDS and a poll with no wait every SAFETY_POLL_SECONDS, at a phase of its
 * own (a fleet's servers started at different times), and one poll at once when a message shows a gap.
 * Messages reach it as Roblox would hand them over: the bench reads them from the fake Open Cloud.
 */
class PushedServer {
	private readonly agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
	private running = true;
	private after: number | undefined;
	/** The heartbeat's and the safety poll's next timers, by period. */
	private readonly timers = new Map<number, NodeJS.Timeout>();
	private messagesSincePoll = 0;
	/** When it turned to the push (performance.now()); undefined until its first poll says so. */
	subscribedAt: number | undefined;
	/** When each heartbeat and each poll after the first was sent, by kind. */
	readonly heartbeats: number[] = [];
	readonly polls: number[] = [];
	readonly refused: string[] = [];
	/** Why it would fall back to polling, if it would: the module then long-polls again. */
	fellBack: string | undefined;

	constructor(
		private readonly target: Target,
		private readonly index: number,
	) {}

	private get query() {
		return `job_id=pushed-${this.index}&place_id=1818&universe_id=${PUSHED_UNIVERSE}&players=${this.index % 50}`;
	}

	async start(): Promise<void> {
		let answer;
		for (;;) {
			try {
				answer = await get(`${this.target.url}/api/v1/moderation/${GUILD}/events?wait=${POLL_WAIT_SECONDS}&${this.query}`, { "x-api-key": this.target.key }, this.agent);
				break;
			} catch (err) {
				if (!this.running) return;
				this.refused.push((err as NodeJS.ErrnoException).code ?? "failed");
				await sleep(5_000);
			}
		}
		if (answer.status !== 200) {
			this.refused.push(refusal(answer));
			this.fellBack = "its first poll was refused";
			return;
		}
		const { data } = JSON.parse(answer.body) as { data: { next: number; push?: { topic: string } } };
		this.after = data.next;
		if (data.push === undefined) {
			this.fellBack = "its first poll said no push";
			return;
		}
		this.subscribedAt = performance.now();
		this.every(HEARTBEAT_SECONDS, () => this.beat());
		this.every(SAFETY_POLL_SECONDS, () => this.poll());
	}

	/** `run` every `seconds`, the first time at a random point of the first period. */
	private every(seconds: number, run: () => Promise<void>): void {
		const tick = () => {
			if (!this.running) return;
			this.timers.set(seconds, setTimeout(tick, seconds * 1_000));
			void run();
		};
		this.timers.set(seconds, setTimeout(tick, Math.random() * seconds * 1_000));
	}

	/** A message of the topic, in order or after a gap (then one poll, as the module does). */
	deliver(message: PushMessage): void {
		if (!this.running || this.subscribedAt === undefined || this.after === undefined) return;
		this.messagesSincePoll++;
		const first = message.events.length > 0 ? message.events[0].id : message.seq;
		if (first > this.after + 1) void this.poll();
		else this.after = Math.max(this.after, message.seq);
	}

	private async beat(): Promise<void> {
		this.heartbeats.push(performance.now());
		const body = JSON.stringify({ job_id: `pushed-${this.index}`, place_id: 1818, universe_id: PUSHED_UNIVERSE, players: this.index % 50 });
		try {
			const answer = await send(`${this.target.url}/api/v1/moderation/${GUILD}/servers/heartbeat`, { "x-api-key": this.target.key }, this.agent, body);
			if (answer.status !== 200) this.refused.push(refusal(answer));
			else if ((JSON.parse(answer.body) as { data: { push: unknown } }).data.push === null) this.fellBack ??= "a heartbeat said no push";
		} catch (err) {
			if (this.running) this.refused.push((err as NodeJS.ErrnoException).code ?? "failed");
		}
	}

	private async poll(): Promise<void> {
		this.polls.push(performance.now());
		const messagesBefore = this.messagesSincePoll;
		try {
			const answer = await get(`${this.target.url}/api/v1/moderation/${GUILD}/events?wait=0&after=${this.after}&${this.query}`, { "x-api-key": this.target.key }, this.agent);
			if (answer.status !== 200) return void this.refused.push(refusal(answer));
			const { data } = JSON.parse(answer.body) as { data: { events: unknown[]; next: number } };
			this.messagesSincePoll = 0;
			this.after = Math.max(this.after ?? 0, data.next);
			if (data.events.length > 0 && messagesBefore === 0) this.fellBack ??= "a poll found changes no message had brought";
		} catch (err) {
			if (this.running) this.refused.push((err as NodeJS.ErrnoException).code ?? "failed");
		}
	}

	stop(): void {
		this.running = false;
		for (const timer of this.timers.values()) clearTimeout(timer);
		this.agent.destroy();
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

/** A ban, and when its answer was in: for the bench's clock (performance.now()) and Open Cloud's (Unix ms). */
async function ban(target: Target, robloxId: number): Promise<{ answered: number; answeredAt: number }> {
	const response = await fetch(`${target.url}/api/v1/moderation/${GUILD}/roblox/ban`, {
		method: "POST",
		headers: { "x-api-key": target.key, "content-type": "application/json" },
		body: JSON.stringify({ roblox_id: robloxId, reason: "bench", moderator_roblox_id: 1 }),
	});
	await response.arrayBuffer();
	if (response.status !== 201) throw new Error(`ban answered ${response.status}`);
	return { answered: performance.now(), answeredAt: Date.now() };
}

/** Links the pushed universe to the fake Open Cloud and waits for the first publish to prove the key. */
async function linkExperience(target: Target): Promise<void> {
	const linked = await fetch(`${target.url}/admin/v1/guilds/${GUILD}/experiences`, {
		method: "POST",
		headers: { authorization: `Bearer ${ADMIN_TOKEN}`, "content-type": "application/json" },
		body: JSON.stringify({ universe_id: String(PUSHED_UNIVERSE), api_key: OPEN_CLOUD_KEY }),
	});
	if (linked.status !== 201) throw new Error(`linking the experience answered ${linked.status}`);
	const agent = new http.Agent();
	for (let waited = 0; ; waited += 100) {
		const answer = await get(`${target.url}/api/v1/moderation/${GUILD}/events?wait=0&universe_id=${PUSHED_UNIVERSE}`, { "x-api-key": target.key }, agent);
		if ((JSON.parse(answer.body) as { data: { push?: unknown } }).data.push !== undefined) return;
		if (waited > 10_000) throw new Error("the universe was never pushed");
		await sleep(100);
	}
}

/**
 * Roblox's side of the push: every message the fake Open Cloud accepted handed to every pushed server,
 * read every 100 ms (MessagingService's own delivery takes longer than that).
 */
function relayMessages(openCloud: OpenCloud, servers: PushedServer[]) {
	const messages: Published[] = [];
	let reading = false;
	const timer = setInterval(async () => {
		if (reading) return;
		reading = true;
		try {
			const fresh = (await (await fetch(`${openCloud.published}?since=${messages.length}`)).json()) as Published[];
			for (const published of fresh) {
				messages.push(published);
				const message = JSON.parse(published.message) as PushMessage;
				for (const server of servers) server.deliver(message);
			}
		} finally {
			reading = false;
		}
	}, 100);
	return {
		messages,
		/** When the first message carrying `robloxId`'s ban arrived at Open Cloud (Unix ms). */
		publishedAt(robloxId: string): number | undefined {
			return messages.find(({ message }) => (JSON.parse(message) as PushMessage).events.some((event) => event.roblox_id === robloxId))?.at;
		},
		stop: () => clearInterval(timer),
	};
}

/** Requests per server-hour: `sent` (performance.now() of each) within [from, to], over `servers` servers. */
const perServerHour = (sent: number[], servers: number, from: number, to: number) =>
	(sent.filter((at) => at >= from && at <= to).length / servers / ((to - from) / 1_000)) * 3_600;

const row = (measure: string, value: string, goal: string) => `  ${measure.padEnd(44)} ${value.padEnd(52)} ${goal}`;

/**
 * Prints the issue's table: join checks refused for quota, ban → every polling server (p50, p99), ban →
 * published to Open Cloud, the gateway's memory per held poll (its own process, after a full collection,
 * every poll held against none), and the module's requests per server-hour, pushed and polling.
 */
export async function fleetBench(): Promise<void> {
	const targets = new BenchTargets();
	const servers: PollingServer[] = [];
	const pushed: PushedServer[] = [];
	let joins: ReturnType<typeof joinPlayers> | undefined;
	let relay: ReturnType<typeof relayMessages> | undefined;
	try {
		const store = await targets.start("data-store");
		// Roblox's rate, 50 + 5 × players a minute, for the players the pushed servers report.
		const players = Array.from({ length: PUSHED_SERVERS }, (_, index) => index % 50).reduce((sum, n) => sum + n, 0);
		const openCloud = (await targets.start("open-cloud", OPEN_CLOUD_KEY, String(players))) as unknown as OpenCloud;
		const target = (await targets.start("gateway-fleet", store.url, store.token, GUILD, openCloud.url)) as unknown as Target;
		await linkExperience(target);
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
		relay = relayMessages(openCloud, pushed);
		// A few hundred at a time: the listen backlog of the gateway is finite. Every pushed server's first
		// poll is held as a polling server's is, until its 25 s are up.
		for (let index = 0; index < Math.max(SERVERS, PUSHED_SERVERS); index++) {
			if (index < SERVERS) {
				const server = new PollingServer(target, index, after);
				servers.push(server);
				server.start();
			}
			if (index < PUSHED_SERVERS) {
				const server = new PushedServer(target, index);
				pushed.push(server);
				void server.start();
			}
			if (index % 100 === 99) await sleep(200);
		}
		await sleep(2_000);
		const held = await gatewayMemory(target);
		const heldPolls = SERVERS + pushed.filter((server) => server.subscribedAt === undefined).length;

		await sleep(QUIET_SECONDS * 1_000);
		// Spacing of the polls each server sent while nothing changed: the module's request rate.
		const gaps = servers.flatMap((server) => server.sentAt.slice(1).map((sent, i) => sent - server.sentAt[i]));
		const meanGapMs = gaps.reduce((sum, gap) => sum + gap, 0) / gaps.length;

		const delays: number[] = [];
		const publishDelays: number[] = [];
		let missed = 0;
		for (let i = 0; i < BANS; i++) {
			const robloxId = 2_000_000 + i;
			const { answered, answeredAt } = await ban(target, robloxId);
			await sleep(BAN_GAP_MS);
			for (const server of servers) {
				const arrived = server.arrivals.get(String(robloxId));
				if (arrived === undefined) missed++;
				else delays.push(Math.max(0, arrived - answered));
			}
			const publishedAt = relay.publishedAt(String(robloxId));
			publishDelays.push(publishedAt === undefined ? Number.POSITIVE_INFINITY : Math.max(0, publishedAt - answeredAt));
		}
		delays.sort((a, b) => a - b);
		const ended = performance.now();
		joins.stop();
		relay.stop();

		const refusedJoins = joins.statuses.get(429) ?? 0;
		const joinCount = [...joins.statuses.values()].reduce((sum, n) => sum + n, 0);
		const otherJoins = joinCount - (joins.statuses.get(200) ?? 0) - refusedJoins;
		const refusedRequests = new Map<string, number>();
		for (const refused of [...servers, ...pushed].flatMap((server) => server.refused)) refusedRequests.set(refused, (refusedRequests.get(refused) ?? 0) + 1);
		const subscribed = pushed.filter((server) => server.subscribedAt !== undefined);
		const fellBack = pushed.filter((server) => server.fellBack !== undefined);
		// From the moment the last pushed server turned to the push to the end: every pushed server's
		// heartbeats and polls in that span, each at a random phase of its periods, so the count is fair.
		const pushedFrom = Math.max(...subscribed.map((server) => server.subscribedAt!));
		const heartbeatRate = perServerHour(subscribed.flatMap((server) => server.heartbeats), subscribed.length, pushedFrom, ended);
		const pollRate = perServerHour(subscribed.flatMap((server) => server.polls), subscribed.length, pushedFrom, ended);
		const kib = (bytes: number) => (bytes / heldPolls / 1024).toFixed(1);
		const ms = (value: number) => (Number.isFinite(value) ? `${value.toFixed(0)} ms` : "never");
		const load = os.loadavg().map((n) => n.toFixed(1)).join(" ");

		console.log(
			`\nFleet (one key, ${SERVERS} polling and ${PUSHED_SERVERS} pushed servers, players joining at ${JOINS_PER_SECOND} a second, ` +
				`gateway and Open Cloud in processes of their own; load average ${load} on ${os.cpus().length} cores)`,
		);
		console.log(row("measure", "measured", "goal"));
		console.log(row("join checks refused for quota", `${refusedJoins} of ${joinCount}${otherJoins ? ` (${otherJoins} other failures)` : ""}`, "0"));
		console.log(
			row(
				`ban -> every polling server (${BANS} bans x ${SERVERS})`,
				`p99 ${ms(percentile(delays, 99))}   p50 ${ms(percentile(delays, 50))}${missed ? `   (${missed} not within ${BAN_GAP_MS / 1000} s)` : ""}`,
				"p99 <= 2000 ms",
			),
		);
		console.log(row(`ban -> published to Open Cloud (${BANS} bans)`, `max ${ms(Math.max(...publishDelays))}   (${publishDelays.map(ms).join(", ")})`, "<= 1000 ms"));
		console.log(row(`gateway memory per held poll (${heldPolls} held)`, `${kib(held.rss - none.rss)} KiB RSS   ${kib(held.heapUsed - none.heapUsed)} KiB heap`, "<= 20 KiB"));
		console.log(
			row(
				"module requests per server-hour, pushed",
				`${(heartbeatRate + pollRate).toFixed(0)} (${heartbeatRate.toFixed(0)} heartbeats + ${pollRate.toFixed(1)} polls, over ${((ended - pushedFrom) / 1000).toFixed(0)} s)`,
				"<= 70",
			),
		);
		console.log(
			row(
				"module requests per server-hour, polling",
				`${gaps.length === 0 ? `n/a (a quiet phase under ${POLL_WAIT_SECONDS} s)` : (3_600_000 / meanGapMs).toFixed(0)} with nothing changing, + 1 a change`,
				"<= 150",
			),
		);
		console.log(`  requests refused: ${[...refusedRequests].map(([refused, n]) => `${n} (${refused})`).join(", ") || 0}`);
		console.log(
			`  pushed servers: ${subscribed.length} of ${PUSHED_SERVERS} turned to the push; ${fellBack.length} would fall back to polling` +
				`${fellBack.length ? ` (${[...new Set(fellBack.map((server) => server.fellBack))].join("; ")})` : ""}; ${relay.messages.length} messages published`,
		);
	} finally {
		joins?.stop();
		relay?.stop();
		for (const server of [...servers, ...pushed]) server.stop();
		await targets.stop();
	}
}

// `npx tsx bench/fleet.ts` runs it alone.
if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) await fleetBench();
