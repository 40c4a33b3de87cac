// gateway/outbound/queue/delivery-worker.ts
// Sends what the outbox holds: leases due deliveries, makes one attempt each, records it, and schedules the retry.

import { randomUUID } from "node:crypto";
import type { Logger } from "pino";
import { judgeMirror, restrictionRequest, retryAfterMs } from "../experiences/open-cloud-client";
import type { AuditDraft } from "../../keys/key-store";
import type { OutboundHttp, OutboundResponse } from "../../platform/http/outbound-http";
import type { SecretBox } from "../../platform/secrets/secret-box";
import { discordRequest, standardRequest } from "../webhooks/webhook-messages";
import type { ExperienceStore } from "../experiences/experience-store";
import { PushPublisher, type PlayersInUniverse } from "../experiences/push-publisher";
import type { WebhookStore } from "../webhooks/webhook-store";
import type { AttemptOutcome, DeliveryQueue, StoredDelivery } from "./delivery-queue";
import type { OutboxEvent } from "./outbox-events";
import { transportWords, type Verdict } from "./verdicts";

/**
 * Delays after each failed attempt: Standard Webhooks' schedule (immediately, 5 s, 5 min, 30 min, 2 h,
 * 5 h, 10 h, 10 h), eight attempts over about 27.6 hours before a delivery is `failed`.
 */
export const STANDARD_RETRY_DELAYS_MS: readonly number[] = [5_000, 300_000, 1_800_000, 7_200_000, 18_000_000, 36_000_000, 36_000_000];

/** Delivered and failed deliveries are listed this long (ms), then pruned. */
export const FINISHED_RETENTION_MS = 30 * 86_400_000;
const PRUNE_EVERY_MS = 3_600_000;

/** Purposes of the sealed secrets, so one cannot be opened as the other. */
export const WEBHOOK_SECRET_PURPOSE = "webhook signing secret";
export const OPEN_CLOUD_KEY_PURPOSE = "open cloud api key";

export interface DeliveryWorkerOptions {
	queue: DeliveryQueue;
	/** Where a delivery's target is read: its webhook, or its experience link (whose mirror outcome is recorded). */
	webhooks: WebhookStore;
	experiences: ExperienceStore;
	http: OutboundHttp;
	secrets: SecretBox;
	openCloudUrl: string;
	clock: () => number;
	logger: Logger;
	/** Delays (ms) after the 1st, 2nd, … failed attempt; past the last, the delivery fails. Tests shorten it. */
	retryDelaysMs?: readonly number[];
	/** How often (ms) the worker looks for due deliveries without being woken. Default 1000. */
	pollMs?: number;
	/**
	 * How long (ms) a leased row stays this worker's: longer than one send (10 s at most, the outbound
	 * client's deadline). Also how long a row leased by a worker that died waits for another. Default 15 000.
	 */
	leaseMs?: number;
	/** Deliveries leased per round. Default 20. */
	batch?: number;
	/** Players in a universe now, for Roblox's publish rate (50 + 5 × players a minute). Default: 0, so 50 a minute. */
	playersInUniverse?: PlayersInUniverse;
	/** A link's push turned ok or failing. */
	onPushChanged?: () => void;
}

function judgeWebhook(response: OutboundResponse, now: number): Verdict {
	if (response.status >= 200 && response.status < 300) return { kind: "done" };
	return {
		kind: "retry",
		words: `the receiver answered ${response.status}`,
		statusCode: response.status,
		retryAfterMs: response.status === 429 ? retryAfterMs(response.headers["retry-after"], now) : undefined,
	};
}

/**
 * Several workers (one per instance) share the outbox: a lease keeps a row to one of them for one
 * attempt, and an attempt is recorded only by the worker still holding it. A worker killed mid-send
 * loses nothing: the lease ends and another (or the restarted one) tries again with the same id.
 */
export class DeliveryWorker {
	private readonly owner = `worker-${randomUUID()}`;
	private readonly delays: readonly number[];
	private readonly timer: NodeJS.Timeout;
	private running: Promise<void> | undefined;
	private again = false;
	private closed = false;
	private lastPruneAt = 0;
	private readonly publisher: PushPublisher;

	constructor(private readonly options: DeliveryWorkerOptions) {
		this.delays = options.retryDelaysMs ?? STANDARD_RETRY_DELAYS_MS;
		this.publisher = new PushPublisher({
			queue: options.queue,
			experiences: options.experiences,
			http: options.http,
			openKey: (link) => options.secrets.open(link.sealedKey, OPEN_CLOUD_KEY_PURPOSE),
			openCloudUrl: options.openCloudUrl,
			clock: options.clock,
			playersInUniverse: options.playersInUniverse ?? (() => 0),
			onPushChanged: options.onPushChanged ?? (() => undefined),
			wake: () => this.wake(),
			settle: (delivery, verdict, now) => this.settle(delivery, verdict, now),
			owner: this.owner,
			leaseMs: options.leaseMs ?? 15_000,
		});
		this.timer = setInterval(() => this.wake(), options.pollMs ?? 1_000);
		this.timer.unref();
	}

	/** Looks for due deliveries now (after a write); rounds asked for meanwhile fold into one more. */
	wake(): void {
		if (this.closed) return;
		if (this.running !== undefined) {
			this.again = true;
			return;
		}
		this.running = this.rounds().finally(() => {
			this.running = undefined;
		});
	}

	/** Resolves when the rounds under way, if any, have sent and recorded what they leased (never rejects). */
	settled(): Promise<void> {
		return this.running ?? Promise.resolve();
	}

	private async rounds(): Promise<void> {
		do {
			this.again = false;
			try {
				const { queue, clock } = this.options;
				const now = clock();
				const leased = await queue.lease(this.owner, now, now + (this.options.leaseMs ?? 15_000), this.options.batch ?? 20);
				// A universe's pushes go out together, as few messages as fit.
				const pushes = new Map<string, StoredDelivery[]>();
				for (const delivery of leased.filter((leasedOne) => leasedOne.target.kind === "push")) {
					const universe = `${delivery.guildId}\u0000${delivery.target.id}`;
					pushes.set(universe, [...(pushes.get(universe) ?? []), delivery]);
				}
				await Promise.all([
					...leased.filter((delivery) => delivery.target.kind !== "push").map((delivery) => this.attempt(delivery)),
					...[...pushes.values()].map((group) => this.publisher.publish(group)),
				]);
				// A full batch means more may be due.
				if (leased.length === (this.options.batch ?? 20)) this.again = true;
				if (now - this.lastPruneAt >= PRUNE_EVERY_MS) {
					this.lastPruneAt = now;
					await queue.pruneFinished(now - FINISHED_RETENTION_MS);
				}
			} catch (err) {
				this.options.logger.warn({ err }, "outbox delivery round failed; retrying on the next");
			}
		} while (this.again && !this.closed);
	}

	private async attempt(delivery: StoredDelivery): Promise<void> {
		const now = this.options.clock();
		let verdict: Verdict;
		try {
			verdict = delivery.target.kind === "webhook" ? await this.sendWebhook(delivery, now) : await this.mirror(delivery, now);
		} catch (err) {
			verdict = { kind: "retry", words: transportWords(err), statusCode: null };
		}
		await this.settle(delivery, verdict, now);
	}

	/** Records how the attempt ended (or that it was held back) and returns the outcome. */
	private async settle(delivery: StoredDelivery, verdict: Verdict, now: number): Promise<AttemptOutcome> {
		const outcome = this.outcome(delivery, verdict, now);
		await this.options.queue.finish(delivery.id, this.owner, outcome);
		if (outcome.result === "retry" || outcome.result === "failed") {
			this.options.logger.info(
				{ delivery_id: delivery.id, event: delivery.event, target: delivery.target.kind, result: outcome.result, reason: outcome.attempt.error },
				"outbox attempt did not deliver",
			);
		}
		return outcome;
	}

	private outcome(delivery: StoredDelivery, verdict: Verdict, now: number): AttemptOutcome {
		const at = Math.floor(now / 1000);
		if (verdict.kind === "done") return { result: "delivered", attempt: { at, statusCode: null, error: null } };
		if (verdict.kind === "deferred") return { result: "deferred", nextAttemptAt: verdict.until };
		const attempt = { at, statusCode: verdict.statusCode, error: verdict.words };
		const delay = this.delays[delivery.tries];
		if (verdict.kind === "give_up" || delay === undefined) return { result: "failed", attempt };
		return { result: "retry", attempt, nextAttemptAt: now + Math.max(delay, verdict.retryAfterMs ?? 0) };
	}

	private async sendWebhook(delivery: StoredDelivery, now: number): Promise<Verdict> {
		const webhook = await this.options.webhooks.getWebhook(delivery.guildId, delivery.target.id);
		if (webhook === undefined) return { kind: "give_up", words: "the webhook was deleted", statusCode: null };
		if (!webhook.enabled) return { kind: "give_up", words: "the webhook is disabled", statusCode: null };
		const request =
			webhook.format === "standard"
				? standardRequest(webhook, this.options.secrets.open(webhook.sealedSecret ?? "", WEBHOOK_SECRET_PURPOSE), delivery, now)
				: discordRequest(webhook, delivery);
		const response = await this.options.http.send(request);
		return judgeWebhook(response, now);
	}

	private async mirror(delivery: StoredDelivery, now: number): Promise<Verdict> {
		const { experiences, secrets } = this.options;
		const link = await experiences.getExperience(delivery.guildId, delivery.target.id);
		if (link === undefined) return { kind: "give_up", words: "the experience was unlinked", statusCode: null };
		if (link.status === "failing") return { kind: "give_up", words: "the experience link is failing", statusCode: null };
		const event = JSON.parse(delivery.payload) as Parameters<typeof restrictionRequest>[3];
		const request = restrictionRequest(this.options.openCloudUrl, link, secrets.open(link.sealedKey, OPEN_CLOUD_KEY_PURPOSE), event, now);
		if (request === undefined) return { kind: "done" };
		const response = await this.options.http.send(request);
		const verdict = judgeMirror(response, now);
		switch (verdict.kind) {
			case "done":
				await experiences.markMirrored(link.guildId, link.universeId, Math.floor(now / 1000));
				return verdict;
			case "key_refused": {
				const failing: OutboxEvent = {
					guildId: link.guildId,
					type: "experience.link_failing",
					at: now,
					data: { guild_id: link.guildId, universe_id: link.universeId, key_prefix: link.keyPrefix, part: "mirror", status_code: response.status, error: verdict.words },
				};
				// The gateway decided this alone: the audit names the system as the actor, with no address.
				const audit: AuditDraft = {
					event: "experience_link_failing",
					actor: { type: "system" },
					address: null,
					at: Math.floor(now / 1000),
					details: { universe_id: link.universeId, key_prefix: link.keyPrefix, part: "mirror", status_code: response.status, error: verdict.words },
				};
				await experiences.markFailing(link.guildId, link.universeId, verdict.words, failing, audit);
				this.wake();
				return { kind: "give_up", words: verdict.words, statusCode: response.status };
			}
			default:
				return { ...verdict, statusCode: response.status };
		}
	}

	/** Stops looking for work and waits for the attempts in flight (each bounded by the client's timeouts). */
	async close(): Promise<void> {
		this.closed = true;
		clearInterval(this.timer);
		await this.running;
	}
}
