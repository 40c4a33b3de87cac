// roblox/request-budget.ts
// The server's HTTP budget: a token bucket well under Roblox's 500 requests/minute, plus shared pauses
// (the key's 429 quota, Roblox's own limit) that hold back every caller at once.

/** Roblox stalls HttpService for this long after "Number of requests exceeded limit". */
export const ROBLOX_LIMIT_STALL_SECONDS = 30;

export class RequestBudget {
	private tokens: number;
	private readonly burst: number;
	private readonly refillPerSecond: number;
	private updatedAt: number;
	private pausedUntil = 0;

	/**
	 * @param requestsPerMinute ceiling in any 60-second window. The bucket holds a small burst and refills
	 * at (requestsPerMinute - burst) per minute, so burst + refill never exceeds the ceiling.
	 */
	constructor(requestsPerMinute: number, now: number) {
		this.burst = math.max(1, math.min(20, math.floor(requestsPerMinute / 4)));
		this.refillPerSecond = (requestsPerMinute - this.burst) / 60;
		this.tokens = this.burst;
		this.updatedAt = now;
	}

	/** Takes one request's worth of budget; returns 0 if taken, else the seconds to wait before asking again. */
	take(now: number): number {
		if (now < this.pausedUntil) return this.pausedUntil - now;
		this.tokens = math.min(this.burst, this.tokens + (now - this.updatedAt) * this.refillPerSecond);
		this.updatedAt = now;
		if (this.tokens >= 1) {
			this.tokens -= 1;
			return 0;
		}
		return (1 - this.tokens) / this.refillPerSecond;
	}

	/** Holds back every request until `resumeAt` (monotonic seconds); a shorter pause never shortens a longer one. */
	pauseUntil(resumeAt: number) {
		this.pausedUntil = math.max(this.pausedUntil, resumeAt);
	}

	isPaused(now: number) {
		return now < this.pausedUntil;
	}
}
