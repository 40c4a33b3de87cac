// test/gateway/gateway-process.ts
// Runs the gateway as an operator does (from source with tsx, or a build with node) in a child process, for process-level suites.

import { spawn, type ChildProcess } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

export interface GatewayProcess {
	child: ChildProcess;
	url: string;
	/** Everything it printed so far, stdout and stderr. */
	output: string[];
	/** Sends SIGTERM (if still running) and resolves with the exit code. */
	stop(): Promise<number | null>;
}

/** How to run it: node's arguments, in which folder. */
export interface GatewayCommand {
	cwd: string;
	args: string[];
}

/** The sources of this checkout, through tsx. */
const FROM_SOURCE: GatewayCommand = { cwd: REPO_ROOT, args: ["--import", "tsx", "gateway/main.ts"] };

/** Spawns the gateway on loopback with a free port unless `env` says otherwise. */
export function spawnGateway(env: Record<string, string>, command: GatewayCommand = FROM_SOURCE): ChildProcess {
	return spawn(process.execPath, command.args, {
		cwd: command.cwd,
		env: { ...process.env, HOST: "127.0.0.1", PORT: "0", ...env },
		stdio: ["ignore", "pipe", "pipe"],
	});
}

/** Resolves with the exit code once the process has ended (at once if it already has). */
export function exitOf(child: ChildProcess): Promise<number | null> {
	if (child.exitCode !== null) return Promise.resolve(child.exitCode);
	return new Promise((resolve) => child.once("exit", (code) => resolve(code)));
}

/** Starts the gateway and waits for its "listening on" line; rejects with its output if it exits first. */
export function startGatewayProcess(
	env: Record<string, string>,
	{ command, timeoutMs = 30_000 }: { command?: GatewayCommand; timeoutMs?: number } = {},
): Promise<GatewayProcess> {
	const child = spawnGateway(env, command);
	const output: string[] = [];
	const stop = () => {
		const exit = exitOf(child);
		if (child.exitCode === null) child.kill("SIGTERM");
		return exit;
	};
	return new Promise((resolve, reject) => {
		const timer = setTimeout(() => reject(new Error(`gateway did not start: ${output.join("")}`)), timeoutMs);
		child.stdout!.on("data", (chunk: Buffer) => {
			output.push(chunk.toString());
			const match = /listening on (http:\/\/\S+) /.exec(output.join(""));
			if (match) {
				clearTimeout(timer);
				resolve({ child, url: match[1], output, stop });
			}
		});
		child.stderr!.on("data", (chunk: Buffer) => output.push(chunk.toString()));
		child.on("exit", (code) => reject(new Error(`gateway exited (${code}): ${output.join("")}`)));
	});
}
