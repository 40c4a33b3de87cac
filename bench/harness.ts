// bench/harness.ts
// What every bench needs: measured servers in their own processes, autocannon runs, best-of rounds, rows.

import { spawn, type ChildProcess } from "node:child_process";
import { createInterface } from "node:readline";
import autocannon from "autocannon";

export interface Measurement {
	rps: number;
	p50: number;
	p99: number;
	errors: number;
}

/** Bench targets started so far; `stopTargets` ends them. */
export class BenchTargets {
	private readonly children: ChildProcess[] = [];

	/** Starts `bench/targets.ts <args>` in its own process, so the load generator does not share its event loop. */
	async start(...args: string[]): Promise<Record<string, string>> {
		const child = spawn(process.execPath, ["--import", "tsx", "bench/targets.ts", ...args], {
			stdio: ["ignore", "pipe", "inherit"],
		});
		this.children.push(child);
		const lines = createInterface({ input: child.stdout! });
		for await (const line of lines) {
			if (line.startsWith("{")) return JSON.parse(line) as Record<string, string>;
		}
		throw new Error(`bench target ${args[0]} exited before reporting its URL`);
	}

	/** Ends every target and waits for them, so nothing they hold (ports, Redis connections) outlives the bench. */
	async stop(): Promise<void> {
		await Promise.all(
			this.children
				.filter((child) => child.exitCode === null)
				.map((child) => new Promise((resolve) => child.once("exit", resolve).kill("SIGTERM"))),
		);
	}
}

export async function measure(url: string, headers: Record<string, string>, connections: number, seconds: number): Promise<Measurement> {
	const result = await autocannon({ url, headers, connections, duration: seconds });
	const errors = result.errors + result.timeouts + result.non2xx;
	return { rps: result.requests.average, p50: result.latency.p50, p99: result.latency.p99, errors };
}

/** The best of the rounds: on a shared 2-core machine, noise only ever makes a run slower. */
export function best(runs: Measurement[]): Measurement {
	return runs.reduce((a, b) => (b.rps > a.rps ? b : a));
}

export const row = (name: string, m: Measurement) =>
	`${name.padEnd(44)} ${m.rps.toFixed(0).padStart(8)} req/s   p50 ${String(m.p50).padStart(4)} ms   p99 ${String(m.p99).padStart(4)} ms${m.errors ? `   (${m.errors} errors)` : ""}`;
