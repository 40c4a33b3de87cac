// roblox/ban-lookup.ts
// Turns "what is this user's ban (and mute) status?" into as few HTTP requests as possible: cache first,
// one lookup per user in flight, joins within a short window merged into one batch, and retries paced by
// the budget, the back-off and the circuit breaker. A failure stays as small as its cause: a refused
// request costs only its own ids, a refused key pauses asking until a probe finds it working again.

import { BATCH_MAX_IDENTIFIERS } from "../shared/routes";
import type { BanStatusBatchResult } from "../shared/records";
import { ApiOutcome, BanApi } from "./api-client";
import { Backoff } from "./backoff";
import { BanCache } from "./ban-cache";
import { PlayerStatus, toMuteStatus, toPlayerStatus } from "./ban-status";
import { CircuitBreaker } from "./circuit-breaker";
import { Clock } from "./clock";
import { Deferred } from "./deferred";
import { Diagnostics } from "./diagnostics";
import { ROBLOX_LIMIT_STALL_SECONDS, RequestBudget } from "./request-budget";

export type LookupResult =
	/** `stale`: the API could not answer now, this is the last answer it gave (at `answeredAt`, monotonic). */
	| { kind: "known"; status: PlayerStatus; stale: boolean; answeredAt?: number }
	| { kind: "unavailable"; reason: string };

/** Attempts per lookup before it is answered "unavailable" (the periodic re-check tries again later). */
const MAX_ATTEMPTS = 4;

/** Requests (with their retries) under way at once. */
const MAX_SENDERS = 4;

/**
 * After a refusal (key, setup), one request this often checks whether it works again. A refused id
 * (400) is not asked about again for as long.
 */
export const REFUSAL_PROBE_SECONDS = 300;

/**
 * Refused requests (400) in a row, with no answer between, that show the refusal is not about some ids
 * but about every request (an API that rejects a field the module sends): asking pauses as for a refused
 * key. Splitting a batch around one bad id alternates refusals with answers, so it never gets here.
 */
const SYSTEMATIC_REJECTIONS = 6;

/** The one warning of a refusal (the key, HTTP disabled), whichever part of the module met it first. */
export function warnRefusal(diagnostics: Diagnostics, reason: string, httpDisabled: boolean) {
	diagnostics.warnOnce(
		httpDisabled ? "http_disabled" : "key_refused",
		`${reason}. Technified asks nothing more and checks every ${REFUSAL_PROBE_SECONDS / 60} minutes whether it works again; until then players are judged by their last answer or failMode.`,
	);
}

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
export type AnswerListener = (userId: number, status: PlayerStatus) => void;

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
	/** Set while the key or setup is refused: nothing is sent but the probe. */
	private refusal?: { reason: string; probe?: thread };
	/** Ids whose own request the API refused (400), with until when (monotonic) they are not asked again. */
	private readonly rejected = new Map<number, { until: number; reason: string }>();
	private answeredOnce = false;
	/** The last user anyone asked about: the probe's id when nobody is in the server (failMode "closed"). */
	private lastAsked?: number;
	private rejectionsInARow = 0;
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
		if (userId <= 0) return this.settled({ kind: "unavailable", reason: "Studio test players (user id 0 and below) are not sent to the API" });
		this.lastAsked = userId;
		const stoppedBecause = this.stoppedBecause ?? this.refusal?.reason;
		if (stoppedBecause !== undefined) return this.settled(this.fallback(userId, stoppedBecause));
		const rejected = this.rejected.get(userId);
		if (rejected !== undefined) {
			if (clock.now() < rejected.until) return this.settled(this.fallback(userId, rejected.reason));
			this.rejected.delete(userId);
		}

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
		const probe = this.refusal?.probe;
		if (probe !== undefined && coroutine.status(probe) === "suspended") task.cancel(probe);
		this.dropWaiting(reason);
	}

	/** Settles every lookup waiting or under way with its last known answer; nothing more is sent for them. */
	private dropWaiting(reason: string) {
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

	/**
	 * The key or the setup was refused: stop asking, warn once, and let one request every
	 * REFUSAL_PROBE_SECONDS find out whether someone fixed it.
	 */
	private refuse(reason: string, httpDisabled: boolean) {
		warnRefusal(this.parts.diagnostics, reason, httpDisabled);
		this.lastFailure = reason;
		if (this.refusal === undefined) {
			this.refusal = { reason };
			this.dropWaiting(reason);
		}
		this.scheduleProbe();
	}

	private scheduleProbe() {
		const refusal = this.refusal;
		if (refusal === undefined || refusal.probe !== undefined || this.stoppedBecause !== undefined) return;
		refusal.probe = task.delay(REFUSAL_PROBE_SECONDS, () => {
			refusal.probe = undefined;
			this.probe();
		});
	}

	/** One request, for players in the server, while refused; its answer decides whether asking resumes. */
	private probe() {
		if (this.refusal === undefined || this.stoppedBecause !== undefined) return;
		const userIds = new Array<number>();
		const room = this.batchSupported ? BATCH_MAX_IDENTIFIERS : 1;
		const candidates = this.filler?.(room) ?? [];
		// With failMode "closed" a refusal empties the server: ask about whoever was turned away last.
		if (candidates.size() === 0 && this.lastAsked !== undefined) candidates.push(this.lastAsked);
		for (const userId of candidates) {
			if (this.inFlight.has(userId) || userId <= 0) continue;
			this.inFlight.set(userId, new Deferred<LookupResult>());
			userIds.push(userId);
		}
		// Nobody ever asked about: the next probe tries again (the players who join meanwhile are its ids).
		if (userIds.size() > 0 && this.acquire()) this.run(userIds, true);
		else this.settleUnavailable(userIds, this.refusal.reason);
		if (this.refusal !== undefined) this.scheduleProbe();
	}

	/** A probe got an answer: asking resumes, and the owner hears so. */
	private resume() {
		if (this.refusal === undefined) return;
		this.refusal = undefined;
		const { diagnostics } = this.parts;
		diagnostics.clear("key_refused", "the API accepts the key again: Technified checks players again");
		diagnostics.clear("http_disabled", "HTTP requests work again: Technified checks players again");
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
		while (this.sending() && this.senders < math.min(MAX_SENDERS, this.chunksWaiting())) {
			this.senders += 1;
			task.spawn(() => this.sendWhileReady());
		}
	}

	/** Whether lookups may send now (not stopped, not refused). */
	private sending() {
		return this.stoppedBecause === undefined && this.refusal === undefined;
	}

	private chunksWaiting() {
		return this.batchSupported ? math.ceil(this.ready.size() / BATCH_MAX_IDENTIFIERS) : this.ready.size();
	}

	/**
	 * A sender takes ids only once the budget lets it send: under pressure, ids pile up in `ready` and
	 * leave 100 to a request, so a backlog shrinks instead of growing a thread per batch.
	 */
	private sendWhileReady() {
		while (this.ready.size() > 0 && this.sending()) {
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

	/**
	 * With mutes enforced, one id goes through the batch route too, so its mute comes in the same request;
	 * without the batch route (the hosted API) a mute costs a request of its own.
	 */
	private request(userIds: number[]): ApiOutcome<Map<number, BanStatusBatchResult>> {
		const { api } = this.parts;
		if (this.batchSupported && (userIds.size() > 1 || api.asksMutes())) return api.getMany(userIds);
		const userId = userIds[0];
		const outcome = api.getOne(userId);
		if (outcome.kind !== "ok") return outcome;
		const data: BanStatusBatchResult = { banned: outcome.data.banned, ban_info: outcome.data.ban_info };
		// A banned player is about to be kicked: their mute would cost a request for nothing.
		if (api.asksMutes() && !data.banned) {
			const mute = api.getMuteOne(userId);
			if (mute.kind !== "ok") return mute;
			data.muted = mute.data.muted;
			data.mute_info = mute.data.mute_info;
		}
		return { kind: "ok", data: new Map([[userId, data]]), maxAge: outcome.maxAge };
	}

	/**
	 * Sends one chunk, the budget for its first attempt already taken, retrying as the outcome says.
	 * @param probing the refusal probe: its answer is what ends the refusal.
	 */
	private run(userIds: number[], probing = false) {
		const { api, budget, circuit, backoff, clock, diagnostics, cache } = this.parts;
		for (let attempt = 1; ; attempt++) {
			if (attempt > 1 && !this.acquire()) {
				return this.settleUnavailable(userIds, this.stoppedBecause ?? this.lastFailure);
			}
			const outcome = this.request(userIds);
			const now = clock.now();
			if (outcome.kind === "ok") {
				this.answeredOnce = true;
				this.rejectionsInARow = 0;
				if (circuit.recordSuccess()) {
					diagnostics.clear("api_unreachable", "the ban API answers again; players are checked as usual");
				}
				if (probing) this.resume();
				for (const [userId, data] of outcome.data) {
					const status = toPlayerStatus(data);
					if (api.asksMutes() && status.mute === undefined && this.batchSupported) {
						diagnostics.warnOnce(
							"mutes_unanswered",
							"the API answers ban statuses without mutes (a gateway older than include_mutes?): mutes are not enforced",
						);
					}
					cache.store(userId, status, now, clock.unixNow(), outcome.maxAge);
					this.settle(userId, { kind: "known", status, stale: false });
					this.answerListener?.(userId, status);
				}
				return;
			}
			if (outcome.kind === "refused") {
				// A refusal that arrives while asking had resumed (another sender's answer) starts a new one.
				this.settleUnavailable(userIds, outcome.reason);
				return this.refuse(outcome.reason, outcome.httpDisabled === true);
			}
			if (outcome.kind === "rejected") {
				circuit.recordSuccess();
				// Past the key check: the key works again, whatever the API thinks of these ids.
				if (probing) this.resume();
				return this.rejectedRequest(userIds, outcome.reason);
			}
			if (outcome.kind === "unsupported") {
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
				if (outcome.notFromApi) {
					diagnostics.warnOnce(
						"not_from_api",
						`${outcome.reason}: a proxy, CDN or firewall in front of the gateway may be answering for it. Treated as a temporary failure and retried with back-off.`,
					);
				}
				if (outcome.unreached && api.keyIsSecret() && !this.answeredOnce) {
					diagnostics.warnOnce(
						"secret_domain",
						`no request has reached the API yet and the key is a Secret: Roblox uses a Secret only for the domain it was given in Creator Dashboard > Secrets, so check that domain covers the host of baseUrl (${api.baseUrl}).`,
					);
				}
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

	/**
	 * The API refused this request (400). It concerns these ids only: a batch is split in halves and each
	 * asked again, until the ids the API refuses are alone; those are not asked about for a while.
	 */
	private rejectedRequest(userIds: number[], reason: string) {
		const { clock, diagnostics } = this.parts;
		this.rejectionsInARow += 1;
		if (this.rejectionsInARow >= SYSTEMATIC_REJECTIONS) {
			this.settleUnavailable(userIds, reason);
			return this.refuse(`${reason}, for every request whatever the players in it (check baseUrl and the gateway's version)`, false);
		}
		if (userIds.size() > 1) {
			const half = math.ceil(userIds.size() / 2);
			const halves = [new Array<number>(), new Array<number>()];
			userIds.forEach((userId, index) => halves[index < half ? 0 : 1].push(userId));
			for (const part of halves) {
				// The first half may have ended in a refusal: then the second is not sent either.
				if (!this.sending() || !this.acquire()) {
					this.settleUnavailable(part, this.stoppedBecause ?? this.refusal?.reason ?? this.lastFailure);
					continue;
				}
				this.run(part);
			}
			return;
		}
		const userId = userIds[0];
		diagnostics.warnOnce(
			"request_rejected",
			`${reason}, when asked about user ${userId}. Only that user is affected; Technified asks again in ${REFUSAL_PROBE_SECONDS / 60} minutes.`,
		);
		this.rejected.set(userId, { until: clock.now() + REFUSAL_PROBE_SECONDS, reason });
		this.settleUnavailable(userIds, reason);
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
