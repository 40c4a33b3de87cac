// gateway/data-store/worker-entry.ts
// The embedded data store's worker thread: opens its own store, serves it on loopback, reports to the gateway.

import { parentPort, workerData } from "node:worker_threads";
import { openModerationStore } from "./open-moderation-store";
import { borrowedClock } from "./shared-clock";
import { startDataStore } from "./server";
import type { WorkerReport, WorkerStart } from "./data-store-worker";

const start = workerData as WorkerStart;
const port = parentPort;
if (port === null) throw new Error("worker-entry.ts runs as a worker thread of the gateway");
const report = (message: WorkerReport) => port.postMessage(message);

try {
	const clock = start.clock === undefined ? Date.now : borrowedClock(start.clock, () => report({ type: "clock" }));
	const store = await openModerationStore({ databaseUrl: start.databaseUrl, dataDir: start.dataDir }, clock);
	const running = await startDataStore({
		store,
		internalToken: start.internalToken,
		port: start.port,
		clock,
		// The gateway's logger writes the line: one log stream, whichever thread had something to say.
		log: (message, err) =>
			report({ type: "log", message, error: err instanceof Error ? { message: err.message, stack: err.stack } : { message: String(err) } }),
	});
	port.on("message", (message: "close") => {
		if (message !== "close") return;
		void running.close().finally(() => port.close());
	});
	report({ type: "listening", url: running.url });
} catch (err) {
	report({ type: "failed", message: err instanceof Error ? err.message : String(err) });
	port.close();
}
