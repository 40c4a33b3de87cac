// bench/run.ts
// `npm run bench`: measures the data store, a bare proxy and the gateway side by side in one run.

import { spawn, type ChildProcess } from "node:child_process";
import { createInterface } from "node:readline";
import autocannon from "autocannon";

const GUILD = "123456789012345678";
const CONNECTIONS = 32;
const SECONDS = Number(process.env.BENCH_SECONDS ?? 6);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 2);

const children: ChildProcess[] = [];

/** Starts a bench target in its own process so the load generator does not share its event loop. */
async function startTarget(...args: string[]): Promise<Record<string, string>> {
	const child = spawn(process.execPath, ["--import", "tsx", "bench/targets.ts", ...args], {
		stdio: ["ignore", "pipe", "inherit"],
	});
	children.push(child);
	const lines = createInterface({ input: child.stdout! });
	for await (const line of lines) {
		if (line.startsWith("{")) return JSON.parse(line) as Record<string, string>;
	}
	throw new Error(`bench target ${args[0]} exited before reporting its URL`);
}

interface Measurement {
	rps: number;
	p50: number;
	p99: number;
	errors: number;
}

async function measure(url: string, headers: Record<string, string>, seconds = SECONDS): Promise<Measurement> {
	const result = await autocannon({ url, headers, connections: CONNECTIONS, duration: seconds });
	const errors = result.errors + result.timeouts + result.non2xx;
	return { rps: result.requests.average, p50: result.latency.p50, p99: result.latency.p99, errors };
}

/** The best of the rounds: on a shared 2-core machine, noise only ever makes a run slower. */
function best(runs: Measurement[]): Measurement {
	return runs.reduce((a, b) => (b.rps > a.rps ? b : a));
}

const row = (name: string, m: Measurement) =>
	`${name.padEnd(44)} ${m.rps.toFixed(0).padStart(8)} req/s   p50 ${String(m.p50).padStart(4)} ms   p99 ${String(m.p99).padStart(4)} ms${m.errors ? `   (${m.errors} errors)` : ""}`;

async function gatewayBench(): Promise<void> {
	const store = await startTarget("data-store");
	const proxy = await startTarget("bare-proxy", store.url, store.token, GUILD);
	const gateway = await startTarget("gateway", store.url, store.token, GUILD);
	const path = `/api/v1/moderation/${GUILD}/ban-status/261`;
	const internal = { "x-technified-internal-token": store.token, "x-technified-guild": GUILD };
	const keyed = { "x-api-key": gateway.key };

	const cases: Record<string, (seconds?: number) => Promise<Measurement>> = {
		"(a) data store directly": (seconds) => measure(store.url + path, internal, seconds),
		"(b) bare http-proxy-middleware, no auth": (seconds) => measure(proxy.url + path, {}, seconds),
		"(c) gateway, no_cache=true": (seconds) => measure(`${gateway.url}${path}?no_cache=true`, keyed, seconds),
		"(d) gateway, cached ban-status": (seconds) => measure(gateway.url + path, keyed, seconds),
	};
	// A short unmeasured pass first: the JIT and connection pools warm up on it, not on case (b).
	for (const run of Object.values(cases)) await run(2);
	const runs: Record<string, Measurement[]> = {};
	// Interleaved rounds, so a slow moment of the machine does not land on one case only.
	for (let round = 0; round < ROUNDS; round++) {
		for (const [name, run] of Object.entries(cases)) (runs[name] ??= []).push(await run());
	}
	const [a, b, c, d] = Object.values(runs).map(best);
	console.log(`\nGateway (${CONNECTIONS} connections, ${SECONDS} s per run, best of ${ROUNDS} interleaved rounds)`);
	for (const [name, m] of Object.entries(runs)) console.log(row(name, best(m)));
	console.log(`\n  b/a = ${(b.rps / a.rps).toFixed(2)}   (what a bare proxy costs)`);
	console.log(`  c/b = ${(c.rps / b.rps).toFixed(2)}   (goal >= 0.90)`);
	console.log(`  d/c = ${(d.rps / c.rps).toFixed(2)}`);
	console.log(`  p99(c) - p99(b) = ${c.p99 - b.p99} ms   (goal <= 1 ms)`);
}

try {
	await gatewayBench();
} finally {
	for (const child of children) child.kill("SIGTERM");
}
