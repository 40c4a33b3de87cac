// gateway/data-store/shared-clock.ts
// Lends the gateway's clock to the data store's worker thread, read synchronously as the stores expect.

import type { Clock } from "./moderation-store";

/** Milliseconds a reading waits for the gateway before falling back to the system clock. */
const READ_TIMEOUT_MS = 1_000;

/**
 * The gateway's side. Tests move the gateway's clock to reach a ban's expiry, and the data store
 * must see the same time; a function cannot cross to a worker, so the worker asks for each reading
 * and waits on shared memory while this thread answers (it never blocks on the worker, so it always can).
 */
export class LentClock {
	/** Int32 flag (1 when a reading is ready) at byte 0, the reading (Float64) at byte 8. */
	readonly buffer = new SharedArrayBuffer(16);
	private readonly ready = new Int32Array(this.buffer, 0, 1);
	private readonly reading = new Float64Array(this.buffer, 8, 1);

	constructor(private readonly clock: Clock) {}

	/** Answers the worker's request for a reading. */
	answer(): void {
		this.reading[0] = this.clock();
		Atomics.store(this.ready, 0, 1);
		Atomics.notify(this.ready, 0);
	}
}

/** The worker's side: `ask` posts the request, then the reading is awaited on the shared buffer. */
export function borrowedClock(buffer: SharedArrayBuffer, ask: () => void): Clock {
	const ready = new Int32Array(buffer, 0, 1);
	const reading = new Float64Array(buffer, 8, 1);
	return () => {
		Atomics.store(ready, 0, 0);
		ask();
		if (Atomics.wait(ready, 0, 0, READ_TIMEOUT_MS) === "timed-out") return Date.now();
		return reading[0];
	};
}
