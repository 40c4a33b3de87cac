// bench/run.ts
// `npm run bench`: every section measured in one run on this machine, printed as ratios.

import { spawnSync } from "node:child_process";
import { eventsBench } from "./events";
import { fleetBench } from "./fleet";
import { BenchTargets, best, measure, row, type Measurement } from "./harness";
import { postgresScaleBench } from "./postgres-scale";
import { scaleOutBench } from "./scale-out";

const GUILD = "123456789012345678";
const CONNECTIONS = 32;
const SECONDS = Number(process.env.BENCH_SECONDS ?? 6);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
/** BENCH_SECTIONS=gateway,embedded (say) runs only those; every section by default. */
const SECTIONS = process.env.BENCH_SECTIONS?.split(",").map((name) => name.trim());
const wanted = (section: string) => SECTIONS === undefined || SECTIONS.includes(section);

/** Interleaved rounds of every case, after a short unmeasured pass; the best of each case's rounds. */
async function bestOfRounds(cases: Record<string, (seconds: number) => Promise<Measurement>>): Promise<Record<string, Measurement>> {
	// The JIT and connection pools warm up on the first pass, not on the first case.
	for (const run of Object.values(cases)) await run(2);
	const runs: Record<string, Measurement[]> = {};
	// Interleaved, so a slow moment of the machine does not land on one case only.
	for (let round = 0; round < ROUNDS; round++) {
		for (const [name, run] of Object.entries(cases)) (runs[name] ??= []).push(await run(SECONDS));
	}
	return Object.fromEntries(Object.entries(runs).map(([name, measured]) => [name, best(measured)]));
}

/** A ratio of two measurements against its goal, as the issue states it. */
const ratio = (name: string, value: number, goal: string) => `  ${name.padEnd(18)} = ${value.toFixed(2).padStart(6)}   (${goal})`;

/**
 * (a) data store, (b) bare http-proxy-middleware, (c) gateway without its cache, (d) gateway cached,
 * (e) a minimal Node keep-alive proxy (Node's own ceiling for a proxy hop), (f) a bare Node server
 * answering the cached answer's JSON (the ceiling of any Node answer), side by side. Every server runs
 * in a process of its own (bench/targets.ts), none on the event loop of the load generator.
 */
async function gatewayBench(): Promise<void> {
	const targets = new BenchTargets();
	try {
		const store = await targets.start("data-store");
		const proxy = await targets.start("bare-proxy", store.url, store.token, GUILD);
		const gateway = await targets.start("gateway", store.url, store.token, GUILD);
		const nodeProxy = await targets.start("node-proxy", store.url, store.token, GUILD);
		const bareAnswer = await targets.start("bare-answer");
		const path = `/api/v1/moderation/${GUILD}/ban-status/261`;
		const internal = { "x-technified-internal-token": store.token, "x-technified-guild": GUILD };
		const keyed = { "x-api-key": gateway.key };

		const cases = {
			a: ["(a) data store directly", (s: number) => measure(store.url + path, internal, CONNECTIONS, s)],
			b: ["(b) bare http-proxy-middleware, no auth", (s: number) => measure(proxy.url + path, {}, CONNECTIONS, s)],
			c: ["(c) gateway, no_cache=true", (s: number) => measure(`${gateway.url}${path}?no_cache=true`, keyed, CONNECTIONS, s)],
			d: ["(d) gateway, cached ban-status", (s: number) => measure(gateway.url + path, keyed, CONNECTIONS, s)],
			e: ["(e) minimal Node keep-alive proxy", (s: number) => measure(nodeProxy.url + path, {}, CONNECTIONS, s)],
			f: ["(f) bare Node server, same JSON", (s: number) => measure(bareAnswer.url + path, {}, CONNECTIONS, s)],
		} as const;
		const runs = await bestOfRounds(Object.fromEntries(Object.values(cases)));
		const [a, b, c, d, e, f] = Object.values(cases).map(([name]) => runs[name]);
		console.log(`\nGateway (${CONNECTIONS} connections, ${SECONDS} s per run, best of ${ROUNDS} interleaved rounds)`);
		for (const [name, m] of Object.entries(runs)) console.log(row(name, m));
		console.log();
		console.log(ratio("b/a", b.rps / a.rps, "what a bare proxy costs"));
		console.log(ratio("d/c", d.rps / c.rps, "what the cache saves"));
		console.log(ratio("cached/(f)  d/f", d.rps / f.rps, "goal >= 0.40"));
		console.log(ratio("uncached/(e) c/e", c.rps / e.rps, "goal >= 0.60"));
		console.log(ratio("uncached/(b) c/b", c.rps / b.rps, "goal >= 1.0"));
		console.log(`  p99(c) - p99(b)    = ${String(c.p99 - b.p99).padStart(3)} ms   (goal <= 2 ms, at ${CONNECTIONS} connections)`);
	} finally {
		await targets.stop();
	}
}

/**
 * (g) `npm start` as shipped, the data store embedded: on the gateway's own event loop against on a
 * worker thread of its own, uncached ban-status (every request reaches the store).
 */
async function embeddedBench(): Promise<void> {
	const targets = new BenchTargets();
	try {
		const inline = await targets.start("gateway-embedded", "inline", "", GUILD);
		const offLoop = await targets.start("gateway-embedded", "worker", "", GUILD);
		const path = `/api/v1/moderation/${GUILD}/ban-status/261?no_cache=true`;
		const runs = await bestOfRounds({
			"(g) embedded, data store inline": (s) => measure(inline.url + path, { "x-api-key": inline.key }, CONNECTIONS, s),
			"(g) embedded, data store off-loop (worker)": (s) => measure(offLoop.url + path, { "x-api-key": offLoop.key }, CONNECTIONS, s),
		});
		const [together, apart] = Object.values(runs);
		console.log(`\nEmbedded data store, uncached ban-status (${CONNECTIONS} connections, ${SECONDS} s per run, best of ${ROUNDS})`);
		for (const [name, m] of Object.entries(runs)) console.log(row(name, m));
		console.log(`\n  off-loop / inline = ${(apart.rps / together.rps).toFixed(2)}   (goal >= 1.5)`);
	} finally {
		await targets.stop();
	}
}

/**
 * A Luau section in a process of its own: luau-web's heap is fixed at 16 MiB and a destroyed state
 * breaks the next one (DESIGN.md), so two module benches cannot share a process.
 */
function luauSection(file: string): void {
	console.log();
	const run = spawnSync(process.execPath, ["--import", "tsx", file], { stdio: "inherit" });
	if (run.status !== 0) throw new Error(`${file} failed (exit ${run.status})`);
}

if (wanted("gateway")) await gatewayBench();
if (wanted("embedded")) await embeddedBench();
// Both need the compiled module: `npm run bench` builds it first.
if (wanted("join")) luauSection("bench/join-requests.ts");
if (wanted("live")) luauSection("bench/live-requests.ts");
if (wanted("scale-out")) await scaleOutBench();
if (wanted("events")) await eventsBench();
if (wanted("postgres")) await postgresScaleBench();
if (wanted("fleet")) await fleetBench();
