// roblox/circuit-breaker.ts
// Stops sending requests while the API is down: after repeated failures only one trial request is let
// through per cool-down, and the cool-down doubles up to a cap while the outage lasts.

type CircuitState = "closed" | "open" | "half-open";

export class CircuitBreaker {
	private failures = 0;
	private state: CircuitState = "closed";
	private openUntil = 0;
	private cooldown: number;

	/**
	 * @param failureThreshold consecutive failures that open the circuit.
	 * @param firstCooldown seconds the circuit stays open the first time; doubled per failed trial.
	 * @param maxCooldown seconds; the cool-down stops growing here.
	 */
	constructor(
		private readonly failureThreshold: number,
		private readonly firstCooldown: number,
		private readonly maxCooldown: number,
	) {
		this.cooldown = firstCooldown;
	}

	/** Whether `allows` would let a request through now, without claiming the half-open trial. */
	wouldAllow(now: number): boolean {
		return this.state === "closed" || (this.state === "open" && now >= this.openUntil);
	}

	/** Whether a request may go now. In half-open, only the first caller gets through (the trial). */
	allows(now: number): boolean {
		if (this.state === "closed") return true;
		if (this.state === "open" && now >= this.openUntil) {
			this.state = "half-open";
			return true;
		}
		return false;
	}

	/** @returns true when this success closed an open circuit (the API came back). */
	recordSuccess(): boolean {
		const recovered = this.state !== "closed";
		this.failures = 0;
		this.state = "closed";
		this.cooldown = this.firstCooldown;
		return recovered;
	}

	/** @returns true when this failure opened the circuit. */
	recordFailure(now: number): boolean {
		this.failures += 1;
		if (this.state === "half-open") {
			this.cooldown = math.min(this.maxCooldown, this.cooldown * 2);
			this.state = "open";
			this.openUntil = now + this.cooldown;
			return false;
		}
		if (this.state === "closed" && this.failures >= this.failureThreshold) {
			this.state = "open";
			this.openUntil = now + this.cooldown;
			return true;
		}
		return false;
	}

	/** A trial that never reached the API (e.g. Roblox's own limit) decides nothing: the next caller tries. */
	abandonTrial() {
		if (this.state === "half-open") this.state = "open";
	}
}
