// roblox/integrations/cmdr-commands.ts
// What the Technified commands for Cmdr do (ban, unban, mute, unmute, lookup): each moderates through the
// running client with the executor's user id and answers in one line, the API's refusal included.

import { Players } from "@rbxts/services";
import { client, TechnifiedClient } from "../index";
import { durationInWords } from "../kick-message";
import { errorInWords } from "./errors";

/** What the commands read of Cmdr's CommandContext (Cmdr/CmdrClient/Shared/Command.luau). */
export interface CmdrContext {
	Name: string;
	Group?: string;
	/** Absent when a script runs the command on the server. */
	Executor?: Player;
}

function who(userId: number) {
	const player = Players.GetPlayerByUserId(userId);
	return player !== undefined ? `${player.Name} (${userId})` : `user ${userId}`;
}

/** Cmdr's `duration` type gives seconds; 0 or less is permanent, as in Cmdr's own ban command. */
function apiDuration(seconds: number): string | undefined {
	return seconds > 0 ? `${math.floor(seconds)}s` : undefined;
}

function ending(expiresAt: number | undefined) {
	return expiresAt !== undefined ? `ends in ${durationInWords(expiresAt - os.time())}` : "permanent";
}

/**
 * Runs `act` with the running client, the moderator's user id and the target's name (taken first: a ban
 * kicks them out of the server); any error comes back as the answer.
 */
function moderate(context: CmdrContext, userId: number, act: (running: TechnifiedClient, moderatorId: number, target: string) => string): string {
	const running = client();
	if (running === undefined) return "Technified is not running in this server";
	const executor = context.Executor;
	if (executor === undefined) return `${context.Name} needs a moderator: run it as a player`;
	const target = who(userId);
	const [ok, answer] = pcall(() => act(running, executor.UserId, target));
	return ok ? answer : errorInWords(answer);
}

export const commands = {
	ban: (context: CmdrContext, userId: number, duration: number, reason: string) =>
		moderate(context, userId, (running, moderatorId, target) => {
			const status = running.ban(userId, { reason, duration: apiDuration(duration), moderatorId });
			return `Banned ${target}: ${reason} (${ending(status.expiresAt)})`;
		}),

	unban: (context: CmdrContext, userId: number, reason?: string) =>
		moderate(context, userId, (running, moderatorId, target) => {
			running.unban(userId, { moderatorId, reason });
			return `Unbanned ${target}`;
		}),

	mute: (context: CmdrContext, userId: number, duration: number, reason: string) =>
		moderate(context, userId, (running, moderatorId, target) => {
			const status = running.mute(userId, { reason, duration: apiDuration(duration), moderatorId });
			return `Muted ${target}: ${reason} (${ending(status.expiresAt)})`;
		}),

	unmute: (context: CmdrContext, userId: number) =>
		moderate(context, userId, (running, moderatorId, target) => {
			running.unmute(userId, { moderatorId });
			return `Unmuted ${target}`;
		}),

	lookup: (context: CmdrContext, userId: number) =>
		moderate(context, userId, (running, _, target) => {
			const ban = running.getBanStatus(userId);
			const mute = running.getMuteStatus(userId);
			const banned = ban.banned ? `banned: ${ban.reason ?? "no reason given"} (${ending(ban.expiresAt)})` : "not banned";
			const muted = mute.muted ? `muted: ${mute.reason ?? "no reason given"} (${ending(mute.expiresAt)})` : "not muted";
			return `${target}: ${banned}; ${muted}`;
		}),
};

export type CommandName = keyof typeof commands;
