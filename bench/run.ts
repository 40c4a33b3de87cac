// bench/run.ts
// `npm run bench`: every section measured in one run on this machine, printed as ratios.

import { BenchTargets, best, measure, row, type Measurement } from "./harness";
import { formatJoinRequests, joinRequestsBench } from "./join-requests";
import { eventsBench } from "./events";
import { liveRequestsSection } from "./live-requests";
import { postgresScaleBench } from "./postgres-scale";
import { scaleOutBench } from "./scale-out";

const GUILD = "123456789012345678";
const CONNECTIONS = 32;
const SECONDS = Number(process.env.BENCH_SECONDS ?? 6);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);

/** (a) data store, (b) bare proxy, (c) gateway without its cache, (d) gateway cached, side by side. */
async function gatewayBench(): Promise<void> {
	const targets = new BenchTargets();
	try {
		const store = await targets.start("data-store");
		const proxy = await targets.start("bare-proxy", store.url, store.token, GUILD);
		const gateway = await targets.start("gateway", store.url, store.token, GUILD);
		const path = `/api/v1/moderation/${GUILD}/ban-status/261`;
		const internal = { "x-technified-internal-token": store.token, "x-technified-guild": GUILD };
		const keyed = { "x-api-key": gateway.key };

		const cases: Record<string, (seconds: number) => Promise<Measurement>> = {
			"(a) data store directly": (s) => measure(store.url + path, internal, CONNECTIONS, s),
			"(b) bare http-proxy-middleware, no auth": (s) => measure(proxy.url + path, {}, CONNECTIONS, s),
			"(c) gateway, no_cache=true": (s) => measure(`${gateway.url}${path}?no_cache=true`, keyed, CONNECTIONS, s),
			"(d) gateway, cached ban-status": (s) => measure(gateway.url + path, keyed, CONNECTIONS, s),
		};
		// A short unmeasured pass first: the JIT and connection pools warm up on it, not on case (a).
		for (const run of Object.values(cases)) await run(2);
		const runs: Record<string, Measurement[]> = {};
		// Interleaved rounds, so a slow moment of the machine does not land on one case only.
		for (let round = 0; round < ROUNDS; round++) {
			for (const [name, run] of Object.entries(cases)) (runs[name] ??= []).push(await run(SECONDS));
		}
		const [a, b, c, d] = Object.values(runs).map(best);
		console.log(`\nGateway (${CONNECTIONS} connections, ${SECONDS} s per run, best of ${ROUNDS} interleaved rounds)`);
		for (const [name, m] of Object.entries(runs)) console.log(row(name, best(m)));
		console.log(`\n  b/a = ${(b.rps / a.rps).toFixed(2)}   (what a bare proxy costs)`);
		console.log(`  c/b = ${(c.rps / b.rps).toFixed(2)}   (goal >= 0.90)`);
		console.log(`  d/c = ${(d.rps / c.rps).toFixed(2)}`);
		console.log(`  p99(c) - p99(b) = ${c.p99 - b.p99} ms   (goal <= 1 ms)`);
	} finally {
		await targets.stop();
	}
}

await gatewayBench();
// Needs the compiled module: `npm run build` first.
console.log(`\n${formatJoinRequests(await joinRequestsBench())}`);
console.log(`\n${await liveRequestsSection()}`);
await scaleOutBench();
await eventsBench();
await postgresScaleBench();
