// roblox/ban-lookup.ts
// Turns "what is this user's ban status?" into as few HTTP requests as possible: cache first, one lookup
// per user in flight, joins within a short window merged into one batch, and retries paced by the
// budget, the back-off and the circuit breaker.

import { BATCH_MAX_IDENTIFIERS } from "../shared/routes";
import type { BanStatusData } from "../shared/records";
import { ApiOutcome, BanApi } from "./api-client";
import { Backoff } from "./backoff";
import { BanCache } from "./ban-cache";
import { BanStatus, toBanStatus } from "./ban-status";
import { CircuitBreaker } from "./circuit-breaker";
import { Clock } from "./clock";
import { Deferred } from "./deferred";
import { Diagnostics } from "./diagnostics";
import { ROBLOX_LIMIT_STALL_SECONDS, RequestBudget } from "./request-budget";

export type LookupResult =
	/** `stale`: the API could not answer now, this is the last answer it gave (at `answeredAt`, monotonic). */
	| { kind: "known"; status: BanStatus; stale: boolean; answeredAt?: number }
	| { kind: "unavailable"; reason: string };

/** Attempts per lookup before it is answered "unavailable" (the periodic re-check tries again later). */
const MAX_ATTEMPTS = 4;

/** Requests (with their retries) under way at once. */
const MAX_SENDERS = 4;

export interface LookupParts {
	api: BanApi;
	cache: BanCache;
	budget: RequestBudget;
	circuit: CircuitBreaker;
	backoff: Backoff;
	clock: Clock;
	diagnostics: Diagnostics;
	/** Seconds joins wait for company before their batch is sent. */
	batchWindow: number;
}

/** Hears every answer the API gives, whoever asked: the guard kicks from here. */
export type AnswerListener = (userId: number, status: BanStatus) => void;

/** Offers users worth re-checking to fill the spare room of a batch that is going out anyway. */
export type BatchFiller = (room: number) => number[];

export class BanLookup {
	private readonly inFlight = new Map<number, Deferred<LookupResult>>();
	private answerListener?: AnswerListener;
	private filler?: BatchFiller;
	/** Joins waiting out the batch window. */
	private pending = new Array<number>();
	/** Ids waiting for a sender (and for budget). */
	private ready = new Array<number>();
	private senders = 0;
	private flushTimer?: thread;
	private batchSupported = true;
	private stoppedBecause?: string;
	private lastFailure = "the API has not answered yet";

	constructor(private readonly parts: LookupParts) {}

	/** The user's status: from the cache, or shared with any lookup already under way, or a new one. */
	statusOf(userId: number): Deferred<LookupResult> {
		return this.lookUp(userId, false, true);
	}

	/**
	 * Fresh answers for players already in the server, sent at once: they come as a group, so there is
	 * nothing to wait for, and the re-check deadline is already counted.
	 */
	refresh(userIds: number[]) {
		for (const userId of userIds) this.lookUp(userId, true, false);
		if (this.pending.size() > 0) this.flush();
	}

	/**
	 * @param fresh skip the cache (re-checks must see bans made since the last answer).
	 * @param urgent a join: start the batch window; re-checks are flushed by `refresh` itself.
	 */
	private lookUp(userId: number, fresh: boolean, urgent: boolean): Deferred<LookupResult> {
		const { cache, clock } = this.parts;
		if (!fresh) {
			const cached = cache.fresh(userId, clock.now(), clock.unixNow());
			if (cached !== undefined) {
				return this.settled({ kind: "known", status: cached.status, stale: false, answeredAt: cached.answeredAt });
			}
		}
		const existing = this.inFlight.get(userId);
		if (existing !== undefined) return existing;
		if (this.stoppedBecause !== undefined) return this.settled(this.fallback(userId, this.stoppedBecause));

		const lookup = new Deferred<LookupResult>();
		this.inFlight.set(userId, lookup);
		this.pending.push(userId);
		if (this.pending.size() >= BATCH_MAX_IDENTIFIERS) {
			this.flush();
		} else if (urgent && this.flushTimer === undefined) {
			this.flushTimer = task.delay(this.parts.batchWindow, () => {
				this.flushTimer = undefined;
				this.flush();
			});
		}
		return lookup;
	}

	onAnswer(listener: AnswerListener) {
		this.answerListener = listener;
	}

	/**
	 * Periodic re-checks ride along with join batches: a batch costs one request whether it carries 3 ids
	 * or 100, so on a busy server the re-check rarely needs requests of its own.
	 */
	fillBatchesWith(filler: BatchFiller) {
		this.filler = filler;
	}

	/**
	 * Permanently stops asking the API; every lookup, waiting or new, gets the last known answer or
	 * "unavailable". Requests already on the wire finish, but their answers are no longer awaited.
	 */
	stop(reason: string) {
		if (this.stoppedBecause !== undefined) return;
		this.stoppedBecause = reason;
		if (this.flushTimer !== undefined) {
			task.cancel(this.flushTimer);
			this.flushTimer = undefined;
		}
		this.pending = [];
		this.ready = [];
		const waiting = new Array<number>();
		for (const [userId] of this.inFlight) waiting.push(userId);
		this.settleUnavailable(waiting, reason);
	}

	private settled(result: LookupResult) {
		const lookup = new Deferred<LookupResult>();
		lookup.resolve(result);
		return lookup;
	}

	/** Hands the joins that waited out their window to the senders. */
	private flush() {
		if (this.flushTimer !== undefined) {
			task.cancel(this.flushTimer);
			this.flushTimer = undefined;
		}
		for (const userId of this.pending) this.ready.push(userId);
		this.pending = [];
		// A sender may finish at once (circuit open, lookup stopped), so the need is measured afresh each time.
		while (this.stoppedBecause === undefined && this.senders < math.min(MAX_SENDERS, this.chunksWaiting())) {
			this.senders += 1;
			task.spawn(() => this.sendWhileReady());
		}
	}

	private chunksWaiting() {
		return this.batchSupported ? math.ceil(this.ready.size() / BATCH_MAX_IDENTIFIERS) : this.ready.size();
	}

	/**
	 * A sender takes ids only once the budget lets it send: under pressure, ids pile up in `ready` and
	 * leave 100 to a request, so a backlog shrinks instead of growing a thread per batch.
	 */
	private sendWhileReady() {
		while (this.ready.size() > 0 && this.stoppedBecause === undefined) {
			if (!this.acquire()) {
				const refused = this.ready;
				this.ready = [];
				this.settleUnavailable(refused, this.stoppedBecause ?? this.lastFailure);
				break;
			}
			// Another sender may have taken the last ids while this one waited for budget.
			if (this.ready.size() === 0) break;
			this.run(this.takeChunk());
		}
		this.senders -= 1;
	}

	private takeChunk(): number[] {
		const size = this.batchSupported ? BATCH_MAX_IDENTIFIERS : 1;
		const chunk = new Array<number>();
		while (chunk.size() < size && this.ready.size() > 0) chunk.push(this.ready.shift()!);
		if (this.batchSupported && this.filler !== undefined && chunk.size() < size) {
			for (const userId of this.filler(size - chunk.size())) {
				if (this.inFlight.has(userId) || chunk.size() >= size) continue;
				this.inFlight.set(userId, new Deferred<LookupResult>());
				chunk.push(userId);
			}
		}
		return chunk;
	}

	/** Waits for budget; false when the circuit is open or the lookup was stopped (send nothing). */
	private acquire(): boolean {
		const { budget, circuit, clock } = this.parts;
		while (this.stoppedBecause === undefined) {
			const now = clock.now();
			// A pause (429, Roblox's limit) is waited out even while the circuit is open: it ends on its own.
			if (!budget.isPaused(now) && !circuit.wouldAllow(now)) return false;
			const wait = budget.take(now);
			if (wait === 0) return circuit.allows(clock.now());
			task.wait(wait);
		}
		return false;
	}

	private request(userIds: number[]): ApiOutcome<Map<number, BanStatusData>> {
		const { api } = this.parts;
		if (userIds.size() > 1) return api.getMany(userIds);
		const userId = userIds[0];
		const outcome = api.getOne(userId);
		if (outcome.kind !== "ok") return outcome;
		return { kind: "ok", data: new Map([[userId, outcome.data]]), maxAge: outcome.maxAge };
	}

	/** Sends one chunk, the budget for its first attempt already taken, retrying as the outcome says. */
	private run(userIds: number[]) {
		const { budget, circuit, backoff, clock, diagnostics, cache } = this.parts;
		for (let attempt = 1; ; attempt++) {
			if (attempt > 1 && !this.acquire()) {
				return this.settleUnavailable(userIds, this.stoppedBecause ?? this.lastFailure);
			}
			const outcome = this.request(userIds);
			const now = clock.now();
			if (outcome.kind === "ok") {
				if (circuit.recordSuccess()) {
					diagnostics.clear("api_unreachable", "the ban API answers again; players are checked as usual");
				}
				for (const [userId, data] of outcome.data) {
					const status = toBanStatus(data);
					cache.store(userId, status, now, clock.unixNow(), outcome.maxAge);
					this.settle(userId, { kind: "known", status, stale: false });
					this.answerListener?.(userId, status);
				}
				return;
			}
			if (outcome.kind === "fatal") {
				diagnostics.warnOnce(
					outcome.httpDisabled ? "http_disabled" : "key_refused",
					`${outcome.reason}. Technified has stopped checking players until the server restarts.`,
				);
				return this.stop(outcome.reason);
			}
			if (outcome.kind === "batch_unsupported") {
				// The API answered, so it is up; it just has no batch route (the hosted API has none).
				circuit.recordSuccess();
				this.batchSupported = false;
				for (const userId of userIds) this.ready.push(userId);
				return this.flush();
			}
			let retryAfter: number | undefined;
			if (outcome.kind === "quota") {
				circuit.recordSuccess();
				budget.pauseUntil(now + outcome.retryAfter);
				diagnostics.warnOnce(
					"quota_exhausted",
					`the key's rate limit was reached (it is shared by every server using the key); requests pause for ${outcome.retryAfter} s. Raise recheckInterval if this repeats.`,
				);
				this.lastFailure = "the key's rate limit was reached";
			} else if (outcome.kind === "roblox_limit") {
				circuit.abandonTrial();
				budget.pauseUntil(now + ROBLOX_LIMIT_STALL_SECONDS);
				diagnostics.warnOnce(
					"roblox_http_limit",
					`Roblox's limit of 500 HTTP requests per minute for this server was reached (other scripts share it); Technified pauses ${ROBLOX_LIMIT_STALL_SECONDS} s.`,
				);
				this.lastFailure = "Roblox's HTTP request limit was reached";
			} else {
				this.lastFailure = outcome.reason;
				retryAfter = outcome.retryAfter;
				if (outcome.malformed) diagnostics.warnOnce("bad_response", `${outcome.reason}: check baseUrl.`);
				if (circuit.recordFailure(now)) {
					diagnostics.warnOnce(
						"api_unreachable",
						`the ban API is failing (${outcome.reason}); requests are held back until it recovers.`,
					);
				}
			}
			if (attempt >= MAX_ATTEMPTS) return this.settleUnavailable(userIds, this.lastFailure);
			if (outcome.kind === "retry") task.wait(backoff.delay(attempt - 1, retryAfter));
		}
	}

	/** The last answer the API gave for this user, else "unavailable". */
	private fallback(userId: number, reason: string): LookupResult {
		const { cache, clock } = this.parts;
		const last = cache.lastKnown(userId, clock.unixNow());
		return last !== undefined ? { kind: "known", status: last, stale: true } : { kind: "unavailable", reason };
	}

	private settleUnavailable(userIds: number[], reason: string) {
		for (const userId of userIds) this.settle(userId, this.fallback(userId, reason));
	}

	private settle(userId: number, result: LookupResult) {
		const lookup = this.inFlight.get(userId);
		this.inFlight.delete(userId);
		lookup?.resolve(result);
	}
}
