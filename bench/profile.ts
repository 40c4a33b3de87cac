// bench/profile.ts
// `npx tsx bench/profile.ts cached|uncached`: the gateway under the bench's load with --cpu-prof, summarised as CPU µs per request.

import { spawn } from "node:child_process";
import { mkdtemp, readdir, readFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { createInterface } from "node:readline";
import autocannon from "autocannon";
import { BenchTargets } from "./harness";

const GUILD = "123456789012345678";
const CONNECTIONS = 32;
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const TOP = Number(process.env.PROFILE_TOP ?? 30);
/**
 * BENCH_RATE=n: n requests a second rather than as many as the gateway takes. Two trees compared at
 * one rate do the same work per turn of the event loop, so their CPU per request compares.
 */
const RATE = Number(process.env.BENCH_RATE ?? 0);
const kind = process.argv[2] ?? "cached";
/** CPU_PROF=0: the CPU time per request only, without the profiler's own cost. */
const PROFILING = process.env.CPU_PROF !== "0";
if (kind !== "cached" && kind !== "uncached") throw new Error('say "cached" or "uncached"');

interface ProfileNode {
	id: number;
	callFrame: { functionName: string; url: string; lineNumber: number };
}
interface CpuProfile {
	nodes: ProfileNode[];
	endTime: number;
	samples: number[];
	timeDeltas: number[];
}

/** Native frames that are write system calls: time the kernel spends, on a loaded machine mostly waiting its turn. */
const SYSCALL_WRITES = ["writev", "writeString", "writeLatin1String", "writeUtf8String", "writeBuffer"];

/** Where a frame's code lives: a package, a gateway file, or Node itself. */
function placeOf(url: string): string {
	if (url === "") return "(native/V8)";
	const inPackage = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
	if (inPackage !== null) return inPackage[1];
	if (url.startsWith("node:")) return "node:" + url.slice(5).split("/")[0];
	const inRepo = /\/(gateway|shared)\/.*$/.exec(url);
	return inRepo !== null ? inRepo[0].slice(1) : url;
}

/** Self time per function and per place over the last `windowMicros` of the profile, in µs per request, idle left out. */
function summarise(profile: CpuProfile, windowMicros: number, requests: number): void {
	const nodes = new Map(profile.nodes.map((node) => [node.id, node]));
	const byFunction = new Map<string, number>();
	const byPlace = new Map<string, number>();
	let busy = 0;
	// Sample times, counted back from the profile's end: the measured run is its last stretch.
	let at = profile.endTime - profile.timeDeltas.reduce((sum, delta) => sum + delta, 0);
	const from = profile.endTime - windowMicros;
	profile.samples.forEach((id, i) => {
		const frame = nodes.get(id)!.callFrame;
		const micros = profile.timeDeltas[i] ?? 0;
		at += micros;
		if (at < from || frame.functionName === "(idle)") return;
		busy += micros;
		const place = placeOf(frame.url);
		const name = `${frame.functionName || "(anonymous)"}  ${place}:${frame.lineNumber + 1}`;
		byFunction.set(name, (byFunction.get(name) ?? 0) + micros);
		byPlace.set(place, (byPlace.get(place) ?? 0) + micros);
	});
	const perRequest = (micros: number) => (micros / requests).toFixed(1).padStart(7);
	const top = (table: Map<string, number>) =>
		[...table].sort((a, b) => b[1] - a[1]).slice(0, TOP).map(([name, micros]) => `${perRequest(micros)} µs  ${((100 * micros) / busy).toFixed(1).padStart(5)}%  ${name}`);
	const named = (names: readonly string[]) => names.reduce((sum, name) => sum + [...byFunction].filter(([key]) => key.startsWith(`${name}  `)).reduce((s, [, v]) => s + v, 0), 0);
	const writes = named(SYSCALL_WRITES);
	const gc = named(["(garbage collector)"]);
	console.log(`\n${requests} requests, ${perRequest(busy)} µs of CPU per request (idle left out)`);
	console.log(`  of which ${perRequest(writes)} µs in socket and file writes (the kernel's), ${perRequest(gc)} µs collecting garbage, ${perRequest(busy - writes - gc)} µs the rest`);
	console.log("\nBy place:");
	console.log(top(byPlace).join("\n"));
	console.log("\nBy function (self time):");
	console.log(top(byFunction).join("\n"));
}

/**
 * The process's CPU time (user + system, every thread) from /proc, in µs: unlike the profile's
 * samples, time the process waits for a core on a busy machine is not in it.
 */
async function processCpuMicros(pid: number): Promise<number> {
	const fields = (await readFile(`/proc/${pid}/stat`, "utf8")).split(") ")[1].split(" ");
	// utime and stime are fields 14 and 15 of stat(5), in clock ticks (100 per second on Linux).
	return ((Number(fields[11]) + Number(fields[12])) * 1_000_000) / 100;
}

const targets = new BenchTargets();
try {
	const store = await targets.start("data-store");
	const dir = await mkdtemp(path.join(os.tmpdir(), "gateway-profile-"));
	const gatewayProcess = spawn(
		process.execPath,
		[...(PROFILING ? ["--cpu-prof", `--cpu-prof-dir=${dir}`] : []), "--import", "tsx", "bench/targets.ts", "gateway", store.url, store.token, GUILD],
		{ stdio: ["ignore", "pipe", "inherit"] },
	);
	let gateway: Record<string, string> | undefined;
	for await (const line of createInterface({ input: gatewayProcess.stdout! })) {
		if (line.startsWith("{")) {
			gateway = JSON.parse(line) as Record<string, string>;
			break;
		}
	}
	if (gateway === undefined) throw new Error("the gateway exited before reporting its URL");
	const url = `${gateway.url}/api/v1/moderation/${GUILD}/ban-status/261${kind === "uncached" ? "?no_cache=true" : ""}`;
	const headers = { "x-api-key": gateway.key };
	// Warm-up: the JIT, the cache entry, the connection pool.
	await autocannon({ url, headers, connections: CONNECTIONS, duration: 2 });
	const started = performance.now();
	const cpuBefore = await processCpuMicros(gatewayProcess.pid!);
	const result = await autocannon({ url, headers, connections: CONNECTIONS, duration: SECONDS, ...(RATE > 0 ? { overallRate: RATE } : {}) });
	const cpu = (await processCpuMicros(gatewayProcess.pid!)) - cpuBefore;
	console.log(`${kind}: ${result.requests.average.toFixed(0)} req/s, p99 ${result.latency.p99} ms, ${result.non2xx + result.errors} failed`);
	console.log(`gateway process CPU time (user + system, all threads): ${(cpu / result.requests.total).toFixed(1)} µs per request`);
	// From the measured run's start to the exit (the profile's end), so start-up and warm-up stay out.
	await new Promise((resolve) => gatewayProcess.once("exit", resolve).kill("SIGTERM"));
	const windowMicros = (performance.now() - started) * 1000;
	if (PROFILING) {
		const [file] = (await readdir(dir)).filter((name) => name.endsWith(".cpuprofile"));
		const profile = JSON.parse(await readFile(path.join(dir, file), "utf8")) as CpuProfile;
		console.log(`profile: ${path.join(dir, file)}`);
		summarise(profile, windowMicros, result.requests.total);
	}
} finally {
	await targets.stop();
}
