// roblox/live-updates.ts
// Follows the guild's events route (docs/api.md, "API summary") so a ban or mute made anywhere bites in this
// server within seconds: one stream where HttpService:CreateWebStreamClient works (Roblox documents it for
// Studio only at the time of writing), otherwise one long poll at a time held up to 25 s. Each resumes
// after the last sequence, spends the module's request budget, and backs off with jitter on failure.
// When the gateway says the universe is pushed (docs/fleets.md), it follows through MessagingService
// instead (pushed-events.ts) and polls again when the push ends.

import { HttpService } from "@rbxts/services";
import type { BanInfo, ModerationEvent, MuteInfo, ServerCommandOrder } from "../shared/records";
import { BanApi, banInfoCheck, muteInfoCheck } from "./api-client";
import { Backoff } from "./backoff";
import { REFUSAL_PROBE_SECONDS, warnRefusal } from "./ban-lookup";
import { BanStatus, MuteStatus, toBanStatus, toMuteStatus } from "./ban-status";
import { Clock } from "./clock";
import { Deferred } from "./deferred";
import { Diagnostics } from "./diagnostics";
import { FollowerState, PUSH_RETRY_SECONDS, PushedEvents } from "./pushed-events";
import { ROBLOX_LIMIT_STALL_SECONDS, RequestBudget } from "./request-budget";

/**
 * Seconds the gateway may hold a poll (the contract's maximum). Roblox does not document RequestAsync's
 * own time-out; it is taken as 30 s, so 25 leaves room for the answer's trip.
 */
export const POLL_WAIT_SECONDS = 25;

/**
 * A poll answered with nothing well before its wait ended came from an API that does not hold polls:
 * the next one waits this long, so such an API costs a few requests a minute, not the whole budget.
 */
const QUICK_EMPTY_ANSWER_GAP = 5;

/** Retries back off up to this many doublings of the base delay (then stay at the cap). */
const MAX_BACKOFF_STEP = 6;

/** What this server does with each change. */
export interface LiveEffects {
	readonly banned: (userId: number, status: BanStatus) => void;
	readonly unbanned: (userId: number) => void;
	readonly muted: (userId: number, status: MuteStatus) => void;
	readonly unmuted: (userId: number) => void;
	/** The position was older than what the gateway keeps: anything may have changed. */
	readonly reset: () => void;
	/** Healthy: changes arrive as they happen, so the periodic re-check may slow down. */
	readonly health: (healthy: boolean) => void;
	/** A command for live servers (docs/fleets.md); it decides itself whether it is for this one. */
	readonly command: (command: ServerCommandOrder) => void;
}

export interface LiveParts {
	api: BanApi;
	budget: RequestBudget;
	backoff: Backoff;
	clock: Clock;
	diagnostics: Diagnostics;
	effects: LiveEffects;
	/** game.PlaceId when positive: bans and mutes of another place do not apply here. */
	placeId?: number;
	/** Pushed messages of other guilds (another game's key on the same universe) are ignored. */
	guildId: string;
}

type StreamEnd = "unavailable" | "closed" | "dropped" | "refused_open";

export class LiveUpdates {
	private running = false;
	private loop?: thread;
	/** The last sequence seen: polls and streams resume after it. */
	private after?: number;
	private healthy = false;
	private failures = 0;
	private streamsWork = true;
	private stream?: WebStreamClient;
	private streamConnections = new Array<RBXScriptConnection>();
	/** While the gateway pushes through Roblox: polls stop. */
	private pushed?: PushedEvents;
	/** No subscription is tried before this (monotonic seconds): it failed, or the push stopped arriving. */
	private pushBlockedUntil = 0;
	/** What the pushed follower shares with this one. */
	private readonly state: FollowerState = {
		position: () => this.after,
		moveTo: (sequence) => {
			this.after = sequence;
		},
		apply: (event) => this.apply(event),
		acquire: () => this.acquire(),
		isRunning: () => this.running,
		succeeded: () => {
			this.failures = 0;
			this.setHealthy(true);
		},
		failed: (retryAfter) => this.failed(retryAfter),
	};

	constructor(private readonly parts: LiveParts) {}

	start() {
		this.running = true;
		this.loop = task.spawn(() => this.follow());
	}

	stop() {
		this.running = false;
		if (this.loop !== undefined && coroutine.status(this.loop) === "suspended") task.cancel(this.loop);
		this.loop = undefined;
		this.pushed?.close();
		this.pushed = undefined;
		// Let go of the stream's events first: its Closed must not wake the cancelled loop.
		this.disconnectStream();
		const stream = this.stream;
		this.stream = undefined;
		if (stream !== undefined) pcall(() => stream.Close());
	}

	private follow() {
		while (this.running) {
			if (this.pushed !== undefined) this.followPushed(this.pushed);
			else if (this.streamsWork) this.streamOnce();
			else this.pollOnce();
		}
	}

	/** Waits for the request budget (and any shared pause); false once stopped. */
	private acquire(): boolean {
		const { budget, clock } = this.parts;
		while (this.running) {
			const wait = budget.take(clock.now());
			if (wait === 0) return true;
			task.wait(wait);
		}
		return false;
	}

	private setHealthy(healthy: boolean) {
		if (healthy === this.healthy) return;
		this.healthy = healthy;
		this.parts.effects.health(healthy);
	}

	private failed(retryAfter?: number) {
		this.failures += 1;
		this.setHealthy(false);
		task.wait(this.parts.backoff.delay(math.min(this.failures - 1, MAX_BACKOFF_STEP), retryAfter));
	}

	/** One long poll, and what its answer says to do. */
	private pollOnce() {
		const { api, budget, clock, diagnostics } = this.parts;
		if (!this.acquire()) return;
		const sentAt = clock.now();
		const outcome = api.events(this.after, POLL_WAIT_SECONDS);
		if (!this.running) return;
		switch (outcome.kind) {
			case "ok": {
				this.failures = 0;
				this.setHealthy(true);
				diagnostics.clear("live_updates_failing", "live updates work again");
				for (const event of outcome.data.events) this.apply(event);
				this.after = outcome.data.next;
				if (outcome.data.push !== undefined && clock.now() >= this.pushBlockedUntil) {
					const pushed = new PushedEvents(this.parts, this.state, outcome.data.push.topic);
					this.pushed = pushed;
					if (pushed.subscribe()) {
						this.setHealthy(true);
						return;
					}
					pushed.close();
					this.pushed = undefined;
					this.pushBlockedUntil = clock.now() + PUSH_RETRY_SECONDS;
				}
				if (outcome.data.events.size() === 0 && clock.now() - sentAt < POLL_WAIT_SECONDS / 2) {
					task.wait(QUICK_EMPTY_ANSWER_GAP);
				}
				return;
			}
			case "unsupported":
				return this.turnOff();
			case "refused":
				// The key or the setup was refused: like every other request, wait for someone to fix it.
				this.setHealthy(false);
				warnRefusal(diagnostics, outcome.reason, outcome.httpDisabled === true);
				task.wait(REFUSAL_PROBE_SECONDS);
				return;
			case "quota":
				budget.pauseUntil(clock.now() + outcome.retryAfter);
				return;
			case "roblox_limit":
				budget.pauseUntil(clock.now() + ROBLOX_LIMIT_STALL_SECONDS);
				return;
			case "rejected":
			case "retry": {
				if (this.failures === 0) {
					diagnostics.warnOnce(
						"live_updates_failing",
						`live updates failed (${outcome.reason}); players are re-checked every recheckInterval until they work again.`,
					);
				}
				if (outcome.kind === "rejected" && this.after !== undefined) {
					// The API refused this poll (400), perhaps its position: start again from the newest
					// change, and re-check everyone for what may have been missed in between.
					this.after = undefined;
					this.parts.effects.reset();
				}
				return this.failed(outcome.kind === "retry" ? outcome.retryAfter : undefined);
			}
		}
	}

	/** One step of the pushed loop; when the push ends, back to polling. */
	private followPushed(pushed: PushedEvents) {
		const ended = pushed.step();
		if (ended === undefined || this.pushed !== pushed) return;
		pushed.close();
		this.pushed = undefined;
		this.pushBlockedUntil = this.parts.clock.now() + ended.retryIn;
	}

	/** The API has no events route (the hosted API, an older gateway): periodic re-checks carry on alone. */
	private turnOff() {
		this.running = false;
		this.setHealthy(false);
		this.parts.diagnostics.noticeOnce(
			"live_updates_off",
			`the API at ${this.parts.api.baseUrl} has no events route (an older gateway, or the hosted API): live updates are off and players are re-checked every recheckInterval.`,
		);
	}

	/**
	 * One stream, from opening to its end. Where streams cannot be created (live servers at the time of
	 * writing) or the events route refuses to open one, long polls take over: they read the API's answer.
	 */
	private streamOnce() {
		const { api } = this.parts;
		if (!this.acquire()) return;
		const after = this.after;
		const [created, client] = pcall(() =>
			HttpService.CreateWebStreamClient(Enum.WebStreamClientType.SSE, {
				Url: `${api.eventsUrl()}?${api.eventsQuery(after).sub(2)}`,
				Method: "GET",
				Headers: api.streamHeaders(after),
			}),
		);
		if (!created) {
			this.streamsWork = false;
			return;
		}
		const ended = this.watch(client as WebStreamClient);
		if (!this.running) return;
		if (ended === "refused_open" || ended === "unavailable") {
			this.streamsWork = false;
			return;
		}
		// The server ended the stream (a restart asks clients to come back at once): reconnect after a
		// moment's jitter. A dropped stream backs off like a failed poll.
		if (ended === "closed") task.wait(this.parts.backoff.delay(0));
		else this.failed();
	}

	/** Yields until the stream ends; changes are applied as they arrive. */
	private watch(client: WebStreamClient): StreamEnd {
		this.stream = client;
		const ended = new Deferred<StreamEnd>();
		let opened = false;
		this.streamConnections = [
			client.Opened.Connect(() => {
				opened = true;
				this.failures = 0;
				this.setHealthy(true);
			}),
			client.MessageReceived.Connect((message) => this.receive(message)),
			// An HTTP status on a stream that never opened: the long poll reads the envelope and classifies it.
			client.Error.Connect((statusCode) => ended.resolve(!opened && statusCode >= 400 ? "refused_open" : "dropped")),
			client.Closed.Connect(() => ended.resolve("closed")),
		];
		const result = ended.await();
		this.disconnectStream();
		if (this.stream === client) this.stream = undefined;
		return result;
	}

	private disconnectStream() {
		for (const connection of this.streamConnections) connection.Disconnect();
		this.streamConnections = [];
	}

	/**
	 * A stream message in the event stream format (`id:`, `event:`, `data:` lines, comments starting with
	 * ':'). Roblox does not say whether a message is one event's lines or its data alone: a message with
	 * no field lines is taken as the data object, naming its event and id itself.
	 */
	private receive(message: string) {
		for (const [frame] of (message + "\n\n").gmatch("(.-)\r?\n\r?\n")) {
			let id: string | undefined;
			let eventName: string | undefined;
			const data = new Array<string>();
			let fields = 0;
			const other = new Array<string>();
			for (const [line] of (frame as string).gmatch("[^\r\n]+")) {
				// A comment (the gateway's keep-alive), should Roblox pass one on: not an event.
				if ((line as string).sub(1, 1) === ":") continue;
				const [name, value] = (line as string).match("^([%a%-]+):%s?(.*)$");
				if (name === "id") id = value as string;
				else if (name === "event") eventName = value as string;
				else if (name === "data") data.push(value as string);
				if (name !== undefined) fields += 1;
				else other.push(line as string);
			}
			const text = fields > 0 ? data.join("\n") : other.join("\n");
			if (text === "" && eventName === undefined) continue;
			const [ok, decoded] = pcall(() => HttpService.JSONDecode(text === "" ? "{}" : text));
			const body = (ok && typeIs(decoded, "table") ? decoded : {}) as Partial<ModerationEvent>;
			const sequence = (id !== undefined ? tonumber(id) : undefined) ?? body.id;
			this.apply({ ...body, id: sequence ?? 0, event: eventName ?? body.event ?? "reset" } as ModerationEvent);
			if (sequence !== undefined) this.after = sequence;
		}
	}

	private appliesHere(placeId: unknown) {
		if (placeId === undefined) return true;
		return tonumber(placeId) === this.parts.placeId;
	}

	private apply(event: ModerationEvent) {
		const { effects } = this.parts;
		const kind = event.event as string;
		if (kind === "reset") return effects.reset();
		if (kind === "command") {
			if (typeIs(event.command, "table")) effects.command(event.command);
			return;
		}
		// A kind this version does not know (a later gateway's) is not about bans or mutes here.
		if (kind !== "ban" && kind !== "unban" && kind !== "mute" && kind !== "unmute") return;
		const userId = tonumber(event.roblox_id);
		// A change this module cannot read may be about anyone here: everyone is asked again.
		if (userId === undefined || userId <= 0) return effects.reset();
		if (kind === "ban") {
			if (!banInfoCheck(event.ban_info)) return effects.reset();
			if (this.appliesHere(event.place_id)) effects.banned(userId, toBanStatus({ banned: true, ban_info: event.ban_info as BanInfo }));
		} else if (kind === "mute") {
			if (!muteInfoCheck(event.mute_info)) return effects.reset();
			if (this.appliesHere(event.place_id)) effects.muted(userId, toMuteStatus(true, event.mute_info as MuteInfo));
		} else if (kind === "unban") {
			effects.unbanned(userId);
		} else {
			effects.unmuted(userId);
		}
	}
}
