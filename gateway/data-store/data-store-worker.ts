// gateway/data-store/data-store-worker.ts
// Runs the embedded data store on a worker thread (its own core), restarted on the same port when it dies.

import { Worker } from "node:worker_threads";
import type { Clock } from "./moderation-store";
import type { RunningDataStore } from "./server";
import { LentClock } from "./shared-clock";

/** What the worker is started with (`workerData`). */
export interface WorkerStart {
	/** The embedded store's PostgreSQL (DATABASE_URL), else SQLite under `dataDir`. */
	databaseUrl?: string;
	dataDir: string;
	internalToken: string;
	/** 0 on the first start; the port then chosen on every restart, since the gateway forwards to it. */
	port: number;
	/** The gateway's clock, lent when it is not the system's (see shared-clock.ts). */
	clock?: SharedArrayBuffer;
}

/** What the worker tells the gateway. */
export type WorkerReport =
	| { type: "listening"; url: string }
	| { type: "failed"; message: string }
	| { type: "log"; message: string; error: { message: string; stack?: string } }
	| { type: "clock" };

export interface DataStoreWorkerOptions {
	databaseUrl?: string;
	dataDir: string;
	internalToken: string;
	/** Default `Date.now`, read in the worker itself; any other clock is lent to it. */
	clock?: Clock;
	/** The data store's failures, and the worker's own deaths. */
	log: (message: string, err: unknown) => void;
}

/** The first restart waits this long; each failed one doubles it, up to the maximum. */
const FIRST_RESTART_DELAY_MS = 200;
const MAX_RESTART_DELAY_MS = 5_000;
/** A worker that stayed up this long died of something new: its restart starts again at the first delay. */
const STABLE_AFTER_MS = 10_000;
/** How long `close()` lets the worker finish requests and close its database before ending it. */
const CLOSE_TIMEOUT_MS = 10_000;

/**
 * The worker's entry: the bundle beside dist/gateway/main.js in a build, the TypeScript source
 * (through tsx, as the tests and `npm run bench` run the gateway) otherwise.
 */
function workerEntry(): { code: URL | string; eval: boolean } {
	if (!import.meta.url.endsWith(".ts")) return { code: new URL("./data-store-worker.js", import.meta.url), eval: false };
	const entry = JSON.stringify(new URL("./worker-entry.ts", import.meta.url).href);
	return { code: `import("tsx/esm/api").then(({ tsImport }) => tsImport(${entry}, ${entry}))`, eval: true };
}

/**
 * Gateway and data store on one event loop held uncached ban-status to one core (1,274 req/s with
 * the second idle, issue 12). Here the store has a thread of its own. If it dies, requests meanwhile
 * get the forwarder's 502 `upstream_unavailable` (the port refuses at once, nothing hangs) and the
 * worker is started again on the same port, so the forwarder, readiness and event feed find it there.
 */
export class DataStoreWorker implements RunningDataStore {
	private closing = false;
	private restartTimer: NodeJS.Timeout | undefined;
	private restartDelayMs = FIRST_RESTART_DELAY_MS;
	private startedAt = Date.now();
	/** Times the worker was started again after dying. */
	restarts = 0;

	private constructor(
		private readonly options: DataStoreWorkerOptions,
		private readonly lentClock: LentClock | undefined,
		private worker: Worker,
		readonly url: string,
		private readonly port: number,
	) {
		this.supervise(worker);
	}

	/** Starts the worker; rejects with the store's own reason when it cannot open (e.g. PostgreSQL down). */
	static async start(options: DataStoreWorkerOptions): Promise<DataStoreWorker> {
		const lentClock = options.clock === undefined || options.clock === Date.now ? undefined : new LentClock(options.clock);
		const { worker, url } = await spawnWorker(options, lentClock, 0);
		return new DataStoreWorker(options, lentClock, worker, url, Number(new URL(url).port));
	}

	/** Ends the worker at once, as a crash would (for tests and drills): it is restarted like after any death. */
	async kill(): Promise<void> {
		await this.worker.terminate();
	}

	async close(): Promise<void> {
		this.closing = true;
		clearTimeout(this.restartTimer);
		const worker = this.worker;
		const exited = new Promise<void>((resolve) => worker.once("exit", () => resolve()));
		if (worker.threadId === -1) return;
		worker.postMessage("close");
		const deadline = setTimeout(() => void worker.terminate(), CLOSE_TIMEOUT_MS);
		await exited;
		clearTimeout(deadline);
	}

	private supervise(worker: Worker): void {
		worker.on("error", (err) => this.options.log("embedded data store failed", err));
		worker.once("exit", (code) => {
			if (this.closing) return;
			if (Date.now() - this.startedAt > STABLE_AFTER_MS) this.restartDelayMs = FIRST_RESTART_DELAY_MS;
			this.options.log(`embedded data store stopped (exit code ${code}); starting it again`, undefined);
			this.scheduleRestart();
		});
	}

	private scheduleRestart(): void {
		const delay = this.restartDelayMs;
		this.restartDelayMs = Math.min(MAX_RESTART_DELAY_MS, delay * 2);
		this.restartTimer = setTimeout(() => {
			spawnWorker(this.options, this.lentClock, this.port).then(
				({ worker }) => {
					if (this.closing) return void worker.terminate();
					this.worker = worker;
					this.startedAt = Date.now();
					this.restarts++;
					this.supervise(worker);
				},
				(err: unknown) => {
					if (this.closing) return;
					this.options.log("embedded data store could not start again; retrying", err);
					this.scheduleRestart();
				},
			);
		}, delay);
	}
}

/** One worker, resolved once it listens. */
function spawnWorker(
	options: DataStoreWorkerOptions,
	lentClock: LentClock | undefined,
	port: number,
): Promise<{ worker: Worker; url: string }> {
	const start: WorkerStart = {
		databaseUrl: options.databaseUrl,
		dataDir: options.dataDir,
		internalToken: options.internalToken,
		port,
		clock: lentClock?.buffer,
	};
	const entry = workerEntry();
	const worker = new Worker(entry.code, { eval: entry.eval, workerData: start });
	return new Promise((resolve, reject) => {
		const failed = (err: Error) => {
			worker.off("exit", exitedEarly);
			void worker.terminate();
			reject(err);
		};
		const exitedEarly = (code: number) => reject(new Error(`embedded data store exited (code ${code}) before listening`));
		worker.once("error", failed);
		worker.once("exit", exitedEarly);
		worker.on("message", (report: WorkerReport) => {
			if (report.type === "clock") lentClock?.answer();
			else if (report.type === "log") options.log(report.message, Object.assign(new Error(report.error.message), { stack: report.error.stack }));
			else if (report.type === "failed") failed(new Error(report.message));
			else {
				worker.off("error", failed);
				worker.off("exit", exitedEarly);
				resolve({ worker, url: report.url });
			}
		});
	});
}
