// roblox/clock.ts
// Time as the decision logic sees it, so a test engine can drive it on a virtual clock.

export interface Clock {
	/** Monotonic seconds, for lifetimes, budgets and back-off. */
	readonly now: () => number;
	/** Unix seconds, for ban expiry (the API's `expires_at`). */
	readonly unixNow: () => number;
}

export const robloxClock: Clock = {
	now: () => os.clock(),
	unixNow: () => os.time(),
};
