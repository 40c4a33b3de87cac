// gateway/outbound/outbound.ts
// Starts everything that sends out: the change-log follower, the key scheduler, the delivery worker, over the outbox's stores.

import type { Logger } from "pino";
import type { OutboundAdmin } from "./outbound-routes";
import type { ChangeFeed } from "../changes/change-feed";
import { ExperienceService } from "./experiences/experience-service";
import { OutboundHttp } from "../platform/http/outbound-http";
import type { SecretBox } from "../platform/secrets/secret-box";
import { WebhookService } from "./webhooks/webhook-service";
import { ChangeLogFollower } from "./queue/change-log-follower";
import { DeliveryWorker } from "./queue/delivery-worker";
import { KeyLifecycleScheduler } from "./queue/key-lifecycle";
import type { ChangeCursors } from "./queue/change-cursors";
import type { DeliveryQueue } from "./queue/delivery-queue";
import type { KeyNotices } from "./queue/key-notices";
import type { ExperienceStore } from "./experiences/experience-store";
import { PushDirectory } from "./experiences/push-directory";
import type { PlayersInUniverse } from "./experiences/push-publisher";
import type { WebhookStore } from "./webhooks/webhook-store";

/** Tests shorten the waits; production uses the defaults of each part. */
export interface OutboundTiming {
	/** Delays after each failed attempt (default: Standard Webhooks' schedule). */
	retryDelaysMs?: readonly number[];
	/** Delivery worker's look for due rows (default 1 s). */
	pollMs?: number;
	/** How long a leased row stays one worker's (default 15 s). */
	leaseMs?: number;
	/** Key lifecycle scan (default 60 s). */
	keyScanMs?: number;
	/** Another read of the followed change logs, for changes whose wake was lost (default 2 s). */
	changeLogPollMs?: number;
	/** Another read of which universes are pushed, for links changed by other instances (default 5 s). */
	pushRefreshMs?: number;
	/** How long a pushed guild's streams and polls wait for the outbox to send a change first (default 200 ms). */
	pushHeadStartMs?: number;
}

export interface RunningOutbound {
	admin: OutboundAdmin;
	/**
	 * A ban or mute changed somewhere: read the change logs now rather than at the next poll. Resolves
	 * (never rejects) once what the change put in the outbox has been sent, pushes included.
	 */
	changed(): Promise<void>;
	/** Which universes are pushed through Roblox: `push.pushFor(guildId, universeId)` answers the events route's `data.push`. */
	push: PushDirectory;
	close(): Promise<void>;
}

/** The outbox's stores, all in the gateway database (so key changes write their events in their own transaction). */
export interface OutboxStores {
	webhooks: WebhookStore;
	experiences: ExperienceStore;
	queue: DeliveryQueue;
	cursors: ChangeCursors;
	notices: KeyNotices;
}

export function startOutbound(
	config: { openCloudUrl: string; outboundAllowLoopback: boolean },
	parts: {
		stores: OutboxStores;
		feed: ChangeFeed;
		secrets: SecretBox;
		clock: () => number;
		logger: Logger;
		timing?: OutboundTiming;
		/** Players in a universe now (the presence store), for Roblox's publish rate; default 0 (50 messages a minute). */
		playersInUniverse?: PlayersInUniverse;
	},
): RunningOutbound {
	const { stores, feed, clock, logger, secrets, timing = {} } = parts;
	const log = (message: string, err: unknown) => logger.warn({ err }, message);
	const push = new PushDirectory({ experiences: stores.experiences, refreshMs: timing.pushRefreshMs, log });
	const onPushChanged = () => void push.refresh();
	const policy = { allowLoopback: config.outboundAllowLoopback };
	const http = new OutboundHttp(policy);
	const worker = new DeliveryWorker({
		queue: stores.queue,
		webhooks: stores.webhooks,
		experiences: stores.experiences,
		http,
		secrets,
		openCloudUrl: config.openCloudUrl,
		clock,
		logger,
		retryDelaysMs: timing.retryDelaysMs,
		pollMs: timing.pollMs,
		leaseMs: timing.leaseMs,
		playersInUniverse: parts.playersInUniverse,
		onPushChanged,
	});
	const wake = () => worker.wake();
	const follower = new ChangeLogFollower({ cursors: stores.cursors, feed, pollMs: timing.changeLogPollMs, onEnqueued: wake, log });
	const scheduler = new KeyLifecycleScheduler({ notices: stores.notices, clock, scanMs: timing.keyScanMs, onEnqueued: wake, log });
	const outboundParts = { webhooks: stores.webhooks, experiences: stores.experiences, secrets, policy, feed, clock, wake, onLinksChanged: onPushChanged };
	return {
		admin: { webhooks: new WebhookService(outboundParts), experiences: new ExperienceService(outboundParts) },
		changed: () => follower.wake().then(() => worker.settled()),
		push,
		async close() {
			await Promise.all([follower.close(), scheduler.close(), worker.close(), push.close()]);
			await http.close().catch(() => undefined);
		},
	};
}
