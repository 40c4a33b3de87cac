// gateway/auth/auth-throttle.ts
// Counts failed authentications per caller address and says when an address is throttled.

import ipaddr from "ipaddr.js";
import { RateLimiterMemory, type RateLimiterAbstract } from "rate-limiter-flexible";
import { ErrorMessage } from "../../shared/errors";
import { ApiError } from "../platform/http/envelope";
import { secondsUntil } from "../rate-limits/quota";

export interface ThrottleState {
	throttled: boolean;
	/** Seconds until the address may fail again; meaningful when throttled. */
	retryAfter: number;
}

/**
 * Which addresses count as one caller: an IPv6 caller by its /64, the smallest network one subscriber
 * is given (rotating addresses inside it must not reset the count); IPv4 (mapped or not) as it is.
 */
export function throttledAddress(ip: string | undefined): string {
	if (ip === undefined || !ipaddr.isValid(ip)) return ip ?? "unknown";
	const address = ipaddr.process(ip);
	if (address.kind() === "ipv4") return address.toString();
	const network = (address as ipaddr.IPv6).parts.slice(0, 4).map((part) => part.toString(16));
	return `${network.join(":")}::/64`;
}

/**
 * An address is throttled once it has failed `failuresPerMinute` times in the current minute: the
 * attempt after those is "over" the limit. Reading the state spends nothing, so valid keys from a busy shared address (many Roblox
 * servers share addresses) are never slowed by it.
 */
export class AuthThrottle {
	constructor(private readonly failures: RateLimiterAbstract) {}

	static inMemory(failuresPerMinute: number): AuthThrottle {
		return new AuthThrottle(new RateLimiterMemory({ points: failuresPerMinute, duration: 60 }));
	}

	/** `address` is the caller's as Express reports it (`req.ip`). */
	async state(address: string | undefined): Promise<ThrottleState> {
		const current = await this.failures.get(throttledAddress(address));
		if (current === null || current.consumedPoints < this.failures.points) return { throttled: false, retryAfter: 0 };
		return { throttled: true, retryAfter: secondsUntil(current.msBeforeNext) };
	}

	async recordFailure(address: string | undefined): Promise<void> {
		// A rejection only means the address is already over its limit: the failure is still counted.
		await this.failures.penalty(throttledAddress(address), 1);
	}

	/** Answers a failed authentication: `auth_throttled` while the address is throttled, else counts it and throws `refusal`. */
	async refuse(address: string | undefined, refusal: ApiError): Promise<never> {
		const state = await this.state(address);
		if (state.throttled) {
			throw new ApiError(429, "auth_throttled", ErrorMessage.authThrottled, { retry_after: state.retryAfter });
		}
		await this.recordFailure(address);
		throw refusal;
	}
}
