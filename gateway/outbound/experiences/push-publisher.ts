// gateway/outbound/experiences/push-publisher.ts
// Sends a universe's waiting pushes as few Open Cloud messages as fit, within Roblox's rate for the universe, and records how push went.

import type { AuditDraft } from "../../keys/key-store";
import type { OutboundHttp } from "../../platform/http/outbound-http";
import type { AttemptOutcome, DeliveryQueue, StoredDelivery } from "../queue/delivery-queue";
import type { OutboxEvent } from "../queue/outbox-events";
import { transportWords, type Verdict } from "../queue/verdicts";
import type { ExperienceStore, StoredExperience } from "./experience-store";
import { judgePublish, publishRequest, pushBatches, pushItem, type PushItem } from "./open-cloud-messaging";

/** How many players a universe has now (the presence store knows); 0 when unknown. */
export type PlayersInUniverse = (guildId: string, universeId: string) => Promise<number> | number;

const WINDOW_MS = 60_000;
/** Pushes of one universe sent in one round at most; the rest go in the next. */
const MOST_PER_ROUND = 200;

/** Roblox's throttle: 50 + 5 × players messages a minute per universe (the "Messaging usage guide"). */
export const publishesPerMinute = (players: number) => 50 + 5 * Math.max(0, Math.floor(players));

/**
 * The messages sent to each universe in the last minute, so no 60 s window holds more than its rate.
 * Kept by each instance for what it sends; two instances sharing a universe's pushes could each use the
 * rate, and Open Cloud's own 429 (honoured) is the backstop then.
 */
export class UniverseRate {
	private readonly sent = new Map<string, number[]>();
	/** Open Cloud's Retry-After, per universe: nothing goes to it before. */
	private readonly held = new Map<string, number>();

	/** Open Cloud answered 429: hold every push to the universe until `until` (unix ms). */
	hold(universe: string, until: number): void {
		this.held.set(universe, Math.max(until, this.held.get(universe) ?? 0));
	}

	/** 0 (and the send is counted) when one more may go now, else how long (ms) until one may. */
	take(universe: string, perMinute: number, now: number): number {
		const heldUntil = this.held.get(universe) ?? 0;
		if (heldUntil > now) return heldUntil - now;
		this.held.delete(universe);
		const recent = (this.sent.get(universe) ?? []).filter((at) => at > now - WINDOW_MS);
		this.sent.set(universe, recent);
		if (recent.length >= perMinute) return recent[recent.length - perMinute] + WINDOW_MS - now;
		recent.push(now);
		return 0;
	}
}

export interface PushPublisherOptions {
	queue: DeliveryQueue;
	experiences: ExperienceStore;
	http: OutboundHttp;
	/** The link's Open Cloud key, opened. */
	openKey: (link: StoredExperience) => string;
	openCloudUrl: string;
	clock: () => number;
	playersInUniverse: PlayersInUniverse;
	/** A link's push turned ok or failing: the directory answering servers reads the links again. */
	onPushChanged: () => void;
	/** Something was written to the outbox (an `experience.link_failing` event). */
	wake: () => void;
	/** Turns a verdict into the delivery's outcome and records it (the worker's retry schedule). */
	settle: (delivery: StoredDelivery, verdict: Verdict, now: number) => Promise<AttemptOutcome>;
	owner: string;
	leaseMs: number;
}

type Parsed = { delivery: StoredDelivery; item: PushItem };

export class PushPublisher {
	private readonly rate = new UniverseRate();

	constructor(private readonly options: PushPublisherOptions) {}

	/**
	 * Publishes `leased` (pushes of one guild and universe) with every other push of that universe
	 * no one holds: changes waiting together go out in one message, in sequence order.
	 */
	async publish(leased: StoredDelivery[]): Promise<void> {
		const { queue, clock, owner, leaseMs } = this.options;
		const [first] = leased;
		const now = clock();
		const more = await queue.leaseTarget(owner, first.guildId, first.target, now, now + leaseMs, MOST_PER_ROUND);
		const all = [...new Map([...leased, ...more].map((delivery) => [delivery.id, delivery])).values()];
		const parsed: Parsed[] = [];
		for (const delivery of all) {
			try {
				parsed.push({ delivery, item: pushItem(delivery.payload) });
			} catch {
				await this.settleAll([delivery], { kind: "give_up", words: "the push's stored change is not readable", statusCode: null }, now);
			}
		}
		parsed.sort((a, b) => a.item.seq - b.item.seq);
		await this.send(first.guildId, first.target.id, parsed);
	}

	private async send(guildId: string, universeId: string, parsed: Parsed[]): Promise<void> {
		const { experiences, clock } = this.options;
		const link = await experiences.getExperience(guildId, universeId);
		const now = clock();
		if (link === undefined || link.pushStatus === "failing") {
			const words = link === undefined ? "the experience was unlinked" : "push to this experience is failing";
			await this.settleAll(parsed, { kind: "give_up", words, statusCode: null }, now);
			return;
		}
		const perMinute = publishesPerMinute(await this.players(guildId, universeId));
		const batches = pushBatches(guildId, parsed.map((entry) => entry.item));
		let start = 0;
		for (const batch of batches) {
			const rows = parsed.slice(start, start + batch.count);
			const later = parsed.slice(start + batch.count);
			start += batch.count;
			const at = clock();
			const wait = this.rate.take(universeId, perMinute, at);
			if (wait > 0) {
				await this.settleAll([...rows, ...later], { kind: "deferred", until: at + wait }, at);
				return;
			}
			const { verdict, refused } = await this.publishOne(link, batch.message, at);
			if (verdict.kind === "retry" && verdict.retryAfterMs !== undefined) this.rate.hold(universeId, at + verdict.retryAfterMs);
			const [outcome] = await this.settleAll(rows, verdict, at);
			if (refused) {
				await this.settleAll(later, { kind: "give_up", words: "push to this experience is failing", statusCode: null }, at);
				return;
			}
			if (outcome?.result === "retry") {
				// The messages behind wait for this one, without spending tries of their own.
				await this.settleAll(later, { kind: "deferred", until: outcome.nextAttemptAt }, at);
				return;
			}
		}
	}

	/** One message sent and judged; `refused` when the key may not publish (push is failing now). */
	private async publishOne(link: StoredExperience, message: string, now: number): Promise<{ verdict: Verdict; refused: boolean }> {
		const { experiences, http, openCloudUrl } = this.options;
		let response;
		try {
			response = await http.send(publishRequest(openCloudUrl, link.universeId, this.options.openKey(link), message));
		} catch (err) {
			return { verdict: { kind: "retry", words: transportWords(err), statusCode: null }, refused: false };
		}
		const verdict = judgePublish(response, now);
		switch (verdict.kind) {
			case "done":
				await experiences.markPushed(link.guildId, link.universeId, Math.floor(now / 1000));
				if (link.pushStatus !== "ok") this.options.onPushChanged();
				return { verdict, refused: false };
			case "key_refused":
				await this.refused(link, response.status, verdict.words, now);
				return { verdict: { kind: "give_up", words: verdict.words, statusCode: response.status }, refused: true };
			default:
				return { verdict: { ...verdict, statusCode: response.status }, refused: false };
		}
	}

	/** Push turns failing in words, `experience.link_failing` goes out, servers go back to polling. The ban mirror is untouched. */
	private async refused(link: StoredExperience, statusCode: number, words: string, now: number): Promise<void> {
		const details = { universe_id: link.universeId, key_prefix: link.keyPrefix, part: "push", status_code: statusCode, error: words };
		const failing: OutboxEvent = { guildId: link.guildId, type: "experience.link_failing", at: now, data: { guild_id: link.guildId, ...details } };
		// The gateway decided this alone: the audit names the system as the actor, with no address.
		const audit: AuditDraft = { event: "experience_link_failing", actor: { type: "system" }, address: null, at: Math.floor(now / 1000), details };
		await this.options.experiences.markPushFailing(link.guildId, link.universeId, words, failing, audit);
		this.options.onPushChanged();
		this.options.wake();
	}

	private async players(guildId: string, universeId: string): Promise<number> {
		try {
			const players = await this.options.playersInUniverse(guildId, universeId);
			return Number.isFinite(players) ? players : 0;
		} catch {
			return 0;
		}
	}

	private async settleAll(entries: readonly (Parsed | StoredDelivery)[], verdict: Verdict, now: number): Promise<AttemptOutcome[]> {
		const outcomes: AttemptOutcome[] = [];
		for (const entry of entries) outcomes.push(await this.options.settle("delivery" in entry ? entry.delivery : entry, verdict, now));
		return outcomes;
	}
}
