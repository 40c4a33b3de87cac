// roblox/server-commands.ts
// Runs the commands an operator sends to live servers (docs/fleets.md): kick one player, show a message
// in chat, shut the server down. A command reaches this server by a poll or a push, perhaps more than
// once (a catch-up poll repeats what a message carried): each id runs once, then its outcome is
// acknowledged to the gateway in words.

import { Players, ServerScriptService, TextChatService } from "@rbxts/services";
import type { ServerCommandOrder } from "../shared/records";
import { BanApi } from "./api-client";
import { Backoff } from "./backoff";
import { Clock } from "./clock";
import { ROBLOX_LIMIT_STALL_SECONDS, RequestBudget } from "./request-budget";

/** Shown when the command names no reason. */
const DEFAULT_KICK_REASON = "You were removed from this server by a moderator";
const DEFAULT_SHUTDOWN_REASON = "This server is shutting down";

/** Ids remembered so a repeated command does nothing; older ones are long past any repeat. */
const REMEMBERED_COMMANDS = 200;

/** An ack is tried this many times (each waiting its backoff or Retry-After) before it is given up. */
const ACK_ATTEMPTS = 5;

export interface CommandParts {
	api: BanApi;
	budget: RequestBudget;
	backoff: Backoff;
	clock: Clock;
	/** game.JobId; undefined in Studio, where only commands for every server apply and none is acked. */
	jobId?: string;
}

interface Outcome {
	success: boolean;
	result: string;
}

/** The legacy chat's server API (the ChatServiceRunner's ChatService module), as far as it is used here. */
interface LegacyChatService {
	GetChannel(this: LegacyChatService, name: string): { SendSystemMessage(this: unknown, text: string): void } | undefined;
}

export class ServerCommands {
	private readonly seen = new Set<string>();
	private readonly order = new Array<string>();
	private shutdownReason?: string;
	private shutdownConnection?: RBXScriptConnection;

	constructor(private readonly parts: CommandParts) {}

	/** Whether the command is for this server: its job, or every server (job_id null). */
	isForHere(command: ServerCommandOrder) {
		return command.job_id === undefined || command.job_id === this.parts.jobId;
	}

	/** Runs a command for this server once, then acknowledges it; repeats and others' commands do nothing. */
	receive(command: ServerCommandOrder) {
		if (!typeIs(command, "table") || !typeIs(command.id, "string") || !this.isForHere(command)) return;
		if (this.seen.has(command.id)) return;
		this.remember(command.id);
		const outcome = this.run(command);
		task.spawn(() => this.acknowledge(command.id, outcome));
	}

	/** No more kicking of joiners after a shutdown (the client was stopped). */
	stop() {
		this.shutdownConnection?.Disconnect();
		this.shutdownConnection = undefined;
	}

	private remember(id: string) {
		this.seen.add(id);
		this.order.push(id);
		if (this.order.size() > REMEMBERED_COMMANDS) this.seen.delete(this.order.remove(0) as string);
	}

	private run(command: ServerCommandOrder): Outcome {
		if (command.kind === "kick") return this.kick(command.user_id, command.reason);
		if (command.kind === "message") return this.message(command.text);
		if (command.kind === "shutdown") return this.shutdown(command.reason);
		return { success: false, result: `Unknown command ${tostring(command.kind)}` };
	}

	private kick(userIdText: string | undefined, reason: string | undefined): Outcome {
		const userId = tonumber(userIdText);
		const player = userId !== undefined ? Players.GetPlayerByUserId(userId) : undefined;
		if (player === undefined) return { success: false, result: `Player ${tostring(userIdText)} is not in this server` };
		player.Kick(reason ?? DEFAULT_KICK_REASON);
		return { success: true, result: `Kicked ${userIdText}` };
	}

	/**
	 * A system message in every TextChannel of TextChatService. In a place still on the legacy chat, the
	 * legacy chat's own server API says it in its "All" channel, as a developer of such a place would.
	 */
	private message(text: string | undefined): Outcome {
		if (!typeIs(text, "string") || text === "") return { success: false, result: "No text to show" };
		if (TextChatService.ChatVersion === Enum.ChatVersion.LegacyChatService) return this.legacyMessage(text);
		let shown = 0;
		let refusal: unknown;
		for (const instance of TextChatService.GetDescendants()) {
			if (!instance.IsA("TextChannel")) continue;
			const [ok, problem] = pcall(() => instance.DisplaySystemMessage(text));
			if (ok) shown += 1;
			else refusal ??= problem;
		}
		// Roblox's own words when it refused, so the operator sees why in the command's acks.
		if (shown === 0 && refusal !== undefined) return { success: false, result: `DisplaySystemMessage failed: ${tostring(refusal)}` };
		if (shown === 0) return { success: false, result: "No text channel to show the message in" };
		return { success: true, result: `Shown in ${shown} text channel${shown === 1 ? "" : "s"}` };
	}

	private legacyMessage(text: string): Outcome {
		const runner = ServerScriptService.FindFirstChild("ChatServiceRunner");
		const module = runner?.FindFirstChild("ChatService");
		if (module === undefined || !module.IsA("ModuleScript")) {
			return { success: false, result: "This place uses the legacy chat and has no ChatServiceRunner to show the message" };
		}
		const [ok, shown] = pcall(() => {
			const channel = (require(module) as LegacyChatService).GetChannel("All");
			channel?.SendSystemMessage(text);
			return channel !== undefined;
		});
		if (!ok || shown !== true) return { success: false, result: "The legacy chat has no All channel to show the message in" };
		return { success: true, result: "Shown in the legacy chat's All channel" };
	}

	/** Everyone is kicked with the reason, and so is anyone who joins after. */
	private shutdown(reason: string | undefined): Outcome {
		this.shutdownReason = reason ?? DEFAULT_SHUTDOWN_REASON;
		this.shutdownConnection ??= Players.PlayerAdded.Connect((player) => player.Kick(this.shutdownReason));
		const players = Players.GetPlayers();
		for (const player of players) player.Kick(this.shutdownReason);
		return { success: true, result: `Shutting down: kicked ${players.size()} player${players.size() === 1 ? "" : "s"}` };
	}

	/** One ack per command, through the request budget; a failed one is retried a few times, then dropped. */
	private acknowledge(commandId: string, outcome: Outcome) {
		const { api, budget, backoff, clock, jobId } = this.parts;
		if (jobId === undefined) return;
		for (let attempt = 0; attempt < ACK_ATTEMPTS; attempt++) {
			let wait = budget.take(clock.now());
			while (wait > 0) {
				task.wait(wait);
				wait = budget.take(clock.now());
			}
			const answer = api.acknowledge(jobId, commandId, outcome.success, outcome.result);
			if (answer.kind === "ok" || answer.kind === "rejected" || answer.kind === "refused" || answer.kind === "unsupported") return;
			if (answer.kind === "quota") budget.pauseUntil(clock.now() + answer.retryAfter);
			else if (answer.kind === "roblox_limit") budget.pauseUntil(clock.now() + ROBLOX_LIMIT_STALL_SECONDS);
			else task.wait(backoff.delay(attempt, answer.retryAfter));
		}
	}
}
