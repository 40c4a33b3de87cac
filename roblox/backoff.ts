// roblox/backoff.ts
// Retry delays: exponential with full jitter (servers recovering from an outage are not hit in lockstep),
// capped, and never shorter than what the API asked for with Retry-After.

/** A Retry-After longer than this is treated as this long, so a bad header cannot stall a server for hours. */
export const MAX_RETRY_AFTER_SECONDS = 600;

export class Backoff {
	/**
	 * @param baseDelay seconds; the first retry waits up to this long.
	 * @param maxDelay seconds; no computed delay exceeds it.
	 * @param random uniform in [0, 1); injectable so tests can drive it.
	 */
	constructor(
		private readonly baseDelay: number,
		private readonly maxDelay: number,
		private readonly random: () => number = () => math.random(),
	) {}

	/** Delay before retry number `attempt` (0 = first retry). */
	delay(attempt: number, retryAfter?: number): number {
		const ceiling = math.min(this.maxDelay, this.baseDelay * 2 ** attempt);
		const jittered = this.random() * ceiling;
		if (retryAfter === undefined) return jittered;
		return math.max(math.min(retryAfter, MAX_RETRY_AFTER_SECONDS), jittered);
	}
}
