// roblox/pushed-events.ts
// Following the guild's events when the gateway pushes them through Roblox (docs/fleets.md): one
// MessagingService subscription instead of long polls, a heartbeat a minute so the gateway still lists
// the server, one catch-up poll when a message shows a gap in the sequence (Roblox delivers "best effort
// and not guaranteed") and one every 10 minutes as a safety net. It ends, and the server polls again,
// when the gateway stops pushing or the push stops reaching this server.

import { HttpService, MessagingService } from "@rbxts/services";
import { t } from "@rbxts/t";
import type { ModerationEvent, PushMessage } from "../shared/records";
import { warnRefusal } from "./ban-lookup";
import { Deferred } from "./deferred";
import type { LiveParts } from "./live-updates";
import { ROBLOX_LIMIT_STALL_SECONDS } from "./request-budget";

/** A pushed server's heartbeat interval, and its safety-net poll's (docs/fleets.md). */
export const HEARTBEAT_SECONDS = 60;
export const SAFETY_POLL_SECONDS = 600;

/** After a failed subscription, or a push that stopped delivering, polls go on this long before push is tried again. */
export const PUSH_RETRY_SECONDS = 600;

/** A pushed message as the gateway publishes it; each event's own fields are checked where it is applied. */
const pushMessageCheck = t.interface({
	v: t.literal(1),
	guild: t.string,
	seq: t.number,
	events: t.array(t.interface({ id: t.number, event: t.string })),
});

/** What the pushed follower shares with the polling one: the position, the events' effects, the loop's pacing. */
export interface FollowerState {
	/** The last sequence seen. */
	readonly position: () => number | undefined;
	readonly moveTo: (sequence: number) => void;
	readonly apply: (event: ModerationEvent) => void;
	/** Waits for the request budget; false once stopped. */
	readonly acquire: () => boolean;
	readonly isRunning: () => boolean;
	readonly succeeded: () => void;
	/** Waits a growing back-off (never less than `retryAfter`). */
	readonly failed: (retryAfter?: number) => void;
}

/** The push is over: back to polling, and no new subscription for `retryIn` seconds. */
export interface PushEnd {
	retryIn: number;
}

export class PushedEvents {
	private subscription?: RBXScriptConnection;
	private nextHeartbeat: number;
	private nextSafetyPoll: number;
	/** A message showed a gap: the next step polls once. */
	private catchUpWanted = false;
	private catchingUp = false;
	/** The highest sequence a message carried while a catch-up poll was out. */
	private heardDuringCatchUp = 0;
	/** Messages of this guild since the last catch-up poll: none while the log moved means the push is not arriving. */
	private messagesSinceCatchUp = 0;
	private closed = false;
	/** Wakes the sleep between steps early (a gap), and the timer that ends it otherwise. */
	private wake?: Deferred<boolean>;
	private sleepTimer?: thread;

	constructor(
		private readonly parts: LiveParts,
		private readonly state: FollowerState,
		readonly topic: string,
	) {
		const now = parts.clock.now();
		this.nextHeartbeat = now + HEARTBEAT_SECONDS;
		this.nextSafetyPoll = now + SAFETY_POLL_SECONDS;
	}

	/** Subscribes to the topic (yields); false, with one warning, where MessagingService refuses. */
	subscribe(): boolean {
		const { diagnostics } = this.parts;
		const [ok, connection] = pcall(() => MessagingService.SubscribeAsync(this.topic, (message) => this.receive(message.Data)));
		if (ok && this.closed) (connection as RBXScriptConnection).Disconnect();
		if (!ok) {
			diagnostics.warnOnce(
				"push_failing",
				`the gateway pushes changes through MessagingService, but subscribing to "${this.topic}" failed (${tostring(connection)}): this server long-polls instead and tries again in ${PUSH_RETRY_SECONDS / 60} minutes.`,
			);
			return false;
		}
		diagnostics.clear("push_failing");
		this.subscription = connection as RBXScriptConnection;
		return true;
	}

	/** Lets go of the subscription and of any sleep; safe to call twice. */
	close() {
		this.closed = true;
		this.subscription?.Disconnect();
		this.subscription = undefined;
		if (this.sleepTimer !== undefined && coroutine.status(this.sleepTimer) === "suspended") task.cancel(this.sleepTimer);
		this.sleepTimer = undefined;
		this.wake = undefined;
	}

	/** One step: a catch-up poll when due, else a heartbeat when due, else sleep until one is. */
	step(): PushEnd | undefined {
		const now = this.parts.clock.now();
		if (this.catchUpWanted || now >= this.nextSafetyPoll) return this.catchUp();
		if (now >= this.nextHeartbeat) return this.beat();
		const wake = new Deferred<boolean>();
		this.wake = wake;
		this.sleepTimer = task.delay(math.min(this.nextHeartbeat, this.nextSafetyPoll) - now, () => wake.resolve(true));
		wake.await();
		this.sleepTimer = undefined;
		this.wake = undefined;
		return undefined;
	}

	/** A message of the topic: its events in order, or one catch-up poll when some are missing. */
	private receive(payload: unknown) {
		if (this.closed) return;
		let decoded = payload;
		if (typeIs(payload, "string")) {
			const [ok, value] = pcall(() => HttpService.JSONDecode(payload));
			decoded = ok ? value : undefined;
		}
		if (!pushMessageCheck(decoded)) return;
		const message = decoded as PushMessage;
		if (message.guild !== this.parts.guildId) return;
		this.messagesSinceCatchUp += 1;
		if (this.catchingUp) {
			this.heardDuringCatchUp = math.max(this.heardDuringCatchUp, message.seq);
			return;
		}
		const after = this.state.position() ?? 0;
		const first = message.events.size() > 0 ? message.events[0].id : message.seq;
		if (first > after + 1) {
			// Roblox dropped a message in between: one poll brings all of it, this message's events too.
			this.catchUpWanted = true;
			this.wake?.resolve(false);
			return;
		}
		for (const event of message.events) if (event.id > after) this.state.apply(event);
		this.state.moveTo(math.max(after, message.seq));
	}

	/** One poll with no wait from the position: after a gap, and every 10 minutes as a safety net. */
	private catchUp(): PushEnd | undefined {
		const { api, budget, clock, diagnostics } = this.parts;
		if (!this.state.acquire()) return undefined;
		this.catchUpWanted = false;
		this.catchingUp = true;
		this.heardDuringCatchUp = 0;
		const messagesBefore = this.messagesSinceCatchUp;
		const outcome = api.events(this.state.position(), 0);
		this.catchingUp = false;
		if (!this.state.isRunning() || this.closed) return undefined;
		if (outcome.kind !== "ok") {
			if (outcome.kind === "unsupported") return { retryIn: 0 };
			if (outcome.kind === "quota") budget.pauseUntil(clock.now() + outcome.retryAfter);
			else if (outcome.kind === "roblox_limit") budget.pauseUntil(clock.now() + ROBLOX_LIMIT_STALL_SECONDS);
			else this.state.failed(outcome.kind === "retry" ? outcome.retryAfter : undefined);
			// Still due: the pause or back-off above spaces the tries.
			this.catchUpWanted = true;
			return undefined;
		}
		this.state.succeeded();
		this.messagesSinceCatchUp = 0;
		this.nextSafetyPoll = clock.now() + SAFETY_POLL_SECONDS;
		for (const event of outcome.data.events) this.state.apply(event);
		this.state.moveTo(outcome.data.next);
		if (this.heardDuringCatchUp > outcome.data.next) this.catchUpWanted = true;
		if (outcome.data.push === undefined) return { retryIn: 0 };
		if (outcome.data.events.size() > 0 && messagesBefore === 0) {
			// Changes came, yet no message did since the last poll: the push does not reach this server.
			diagnostics.warnOnce(
				"push_failing",
				`no message of "${this.topic}" arrived while the guild changed: this server long-polls instead and tries the push again in ${PUSH_RETRY_SECONDS / 60} minutes.`,
			);
			return { retryIn: PUSH_RETRY_SECONDS };
		}
		return undefined;
	}

	/** The server's presence, once a minute; an answer without `push` ends the push. */
	private beat(): PushEnd | undefined {
		const { api, budget, clock, diagnostics } = this.parts;
		if (!this.state.acquire()) return undefined;
		const outcome = api.heartbeat();
		this.nextHeartbeat = clock.now() + HEARTBEAT_SECONDS;
		if (!this.state.isRunning() || this.closed) return undefined;
		switch (outcome.kind) {
			case "ok":
				return outcome.data.push === undefined ? { retryIn: 0 } : undefined;
			case "unsupported":
				return { retryIn: 0 };
			case "quota":
				budget.pauseUntil(clock.now() + outcome.retryAfter);
				return undefined;
			case "roblox_limit":
				budget.pauseUntil(clock.now() + ROBLOX_LIMIT_STALL_SECONDS);
				return undefined;
			case "refused":
				warnRefusal(diagnostics, outcome.reason, outcome.httpDisabled === true);
				return undefined;
			default:
				// A lost heartbeat costs nothing but the server's place in the list until the next one.
				return undefined;
		}
	}
}
