// roblox/moderation.ts
// In-game moderation (roblox/README.md): client:ban/unban/mute/unmute send the write to the API and
// apply it in this server at once (kick, mute); getMuteStatus answers from the lookups or asks.

import { t } from "@rbxts/t";
import type { BanInfo, MuteInfo } from "../shared/records";
import { ActionReporter } from "./actions";
import { ApiOutcome, BanApi } from "./api-client";
import { BanCache } from "./ban-cache";
import { BanStatus, MuteStatus, PlayerStatus, toBanStatus, toMuteStatus } from "./ban-status";
import { Clock } from "./clock";
import { RequestBudget } from "./request-budget";

export interface BanOptions {
	reason: string;
	/** `30s`, `5m`, `1h`, `7d` or `permanent` (the default). */
	duration?: string;
	/** The moderator's Roblox user id, kept with the record. */
	moderatorId: number;
	/** Ban from this place only (game.PlaceId) instead of every place of the guild's games. */
	placeOnly?: boolean;
}

export type MuteOptions = BanOptions;

export interface LiftOptions {
	moderatorId: number;
	reason?: string;
}

type Action = "ban" | "unban" | "mute" | "unmute";

const userIdCheck = t.intersection(t.integer, t.numberMin(1));

const imposeCheck = t.strictInterface({
	reason: t.string,
	duration: t.optional(t.string),
	moderatorId: userIdCheck,
	placeOnly: t.optional(t.boolean),
});

const liftCheck = t.strictInterface({ moderatorId: userIdCheck, reason: t.optional(t.string) });

const banAnswerCheck = t.interface({
	ban: t.interface({ reason: t.string, is_permanent: t.boolean, expires_at: t.optional(t.number) }),
});
const muteAnswerCheck = t.interface({
	mute: t.interface({ reason: t.string, is_permanent: t.boolean, expires_at: t.optional(t.number) }),
});

/** What the server this runs in applies at once when a write succeeds. */
export interface LocalEffects {
	readonly banned: (userId: number, status: BanStatus) => void;
	readonly unbanned: (userId: number) => void;
	readonly muted: (userId: number, status: MuteStatus) => void;
	readonly unmuted: (userId: number) => void;
}

function fail(action: string, message: string): never {
	// Level 3: the error points at the game's call (client:ban …), not at this file.
	error(`[Technified] ${action}: ${message}`, 3);
}

export class Moderation {
	constructor(
		private readonly api: BanApi,
		private readonly budget: RequestBudget,
		private readonly cache: BanCache,
		private readonly clock: Clock,
		private readonly effects: LocalEffects,
		private readonly place: { placeId?: number; jobId?: string },
	) {}

	ban(userId: number, options: BanOptions): BanStatus {
		const body = this.imposeBody("ban", userId, options);
		const data = this.send("ban", body);
		if (!banAnswerCheck(data)) fail("ban", "the API's answer does not describe the ban");
		const status = toBanStatus({ banned: true, ban_info: (data as { ban: BanInfo }).ban });
		this.remember(userId, (previous) => ({ ban: status, mute: previous?.mute }));
		this.effects.banned(userId, status);
		return status;
	}

	unban(userId: number, options: LiftOptions) {
		this.send("unban", this.liftBody("unban", userId, options));
		this.remember(userId, (previous) => ({ ban: { banned: false }, mute: previous?.mute }));
		this.effects.unbanned(userId);
	}

	mute(userId: number, options: MuteOptions): MuteStatus {
		const data = this.send("mute", this.imposeBody("mute", userId, options));
		if (!muteAnswerCheck(data)) fail("mute", "the API's answer does not describe the mute");
		const status = toMuteStatus(true, (data as { mute: MuteInfo }).mute);
		this.remember(userId, (previous) => ({ ban: previous?.ban ?? { banned: false }, mute: status }));
		this.effects.muted(userId, status);
		return status;
	}

	unmute(userId: number, options: LiftOptions) {
		this.send("unmute", this.liftBody("unmute", userId, options));
		this.remember(userId, (previous) => ({ ban: previous?.ban ?? { banned: false }, mute: { muted: false } }));
		this.effects.unmuted(userId);
	}

	/** The mute status from the API itself (one request): for games that enforce mutes themselves. */
	askMuteStatus(userId: number): MuteStatus {
		this.waitForBudget();
		const outcome = this.api.getMuteOne(userId);
		if (outcome.kind !== "ok") fail("getMuteStatus", `mute status unavailable: ${this.outcomeInWords(outcome, "getMuteStatus")}`);
		return toMuteStatus(outcome.data.muted, outcome.data.mute_info);
	}

	private remember(userId: number, update: (previous: PlayerStatus | undefined) => PlayerStatus) {
		this.cache.amend(userId, update, this.clock.now(), this.clock.unixNow());
	}

	private imposeBody(action: Action, userId: number, options: BanOptions) {
		checkUserId(action, userId);
		if (!imposeCheck(options)) {
			fail(action, "options must be { reason = string, moderatorId = the moderator's user id, duration = \"7d\"?, placeOnly = true? }");
		}
		const body: Record<string, string> = {
			roblox_id: tostring(userId),
			reason: options.reason,
			moderator_roblox_id: tostring(options.moderatorId),
		};
		if (options.duration !== undefined) body.duration = options.duration;
		if (options.placeOnly) {
			if (this.place.placeId === undefined) fail(action, "placeOnly needs a published place: game.PlaceId is 0 here");
			body.place_id = tostring(this.place.placeId);
		}
		if (this.place.jobId !== undefined) body.job_id = this.place.jobId;
		return body;
	}

	private liftBody(action: Action, userId: number, options: LiftOptions) {
		checkUserId(action, userId);
		if (!liftCheck(options)) fail(action, "options must be { moderatorId = the moderator's user id, reason = string? }");
		const body: Record<string, string> = { roblox_id: tostring(userId), moderator_roblox_id: tostring(options.moderatorId) };
		if (options.reason !== undefined) body.reason = options.reason;
		if (this.place.jobId !== undefined) body.job_id = this.place.jobId;
		return body;
	}

	private waitForBudget() {
		for (;;) {
			const wait = this.budget.take(this.clock.now());
			if (wait === 0) return;
			task.wait(wait);
		}
	}

	/** One attempt: a moderator at the keyboard reads the error and decides whether to try again. */
	private send(action: Action, body: object): unknown {
		this.waitForBudget();
		const outcome = this.api.write(this.api.moderationPath(action), body);
		if (outcome.kind === "ok") return outcome.data;
		if (outcome.kind === "api_error") fail(action, `the API refused: ${outcome.error.message}`);
		fail(action, this.outcomeInWords(outcome, action));
	}

	private outcomeInWords(outcome: ApiOutcome<unknown>, action: string): string {
		switch (outcome.kind) {
			case "refused":
			case "rejected":
			case "retry":
				return outcome.reason;
			case "quota":
				return `the key's rate limit was reached: try again in ${outcome.retryAfter} s`;
			case "roblox_limit":
				return "Roblox's limit of 500 HTTP requests per minute for this server was reached: try again shortly";
			default:
				return `the API could not do ${action}`;
		}
	}
}

/** Every client method that takes a user: the API knows only positive ids. */
export function checkUserId(action: string, userId: unknown) {
	if (!userIdCheck(userId)) {
		fail(action, "userId must be a positive whole number (Studio test players, with ids of 0 and below, are unknown to the API)");
	}
}
