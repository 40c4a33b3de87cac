// gateway/discord/interaction-routes.ts
// `POST /discord/interactions` (docs/discord.md): Discord's signed HTTP interactions, checked on the raw body, answered within Discord's 3 seconds or deferred.

import express, { type Request, type RequestHandler } from "express";
import { z } from "zod";
import type { Permission } from "../../shared/records";
import { operatorAccess, type Access } from "../operators/access";
import { ApiError } from "../platform/http/envelope";
import { defineRoute, type Route } from "../platform/http/route";
import { requestLogger } from "../platform/logging/request-log";
import { idAlone } from "../roblox-users/roblox-users-service";
import { parseHistoryButton, playerName, privateNote } from "./answers";
import { COMMANDS, NEEDS, isCommandName, type CommandName } from "./commands";
import type { DiscordApi } from "./discord-api";
import type { InteractionClaims } from "./interaction-claims";
import type { InteractionSignature, SignatureVerdict } from "./interaction-signature";
import { CallbackType, EPHEMERAL, InteractionType, type Interaction, type InteractionAnswer, type InteractionMessage } from "./interaction-types";
import { CommandRefusal, type Invocation, type ModerationCommands } from "./moderation-commands";

export interface DiscordRouteParts {
	/** Undefined when DISCORD_PUBLIC_KEY and DISCORD_APPLICATION_ID are not set: the route answers 404. */
	interactions: InteractionHandler | undefined;
}

export interface InteractionParts {
	signature: InteractionSignature;
	claims: InteractionClaims;
	commands: ModerationCommands;
	discordApi: DiscordApi;
	/** What members with `manage_members` granted this Discord user in the guild. */
	grantsOf(guildId: string, discordUserId: string): Promise<Permission[]>;
	clock: () => number;
}

/** Answer "deferred" when the work is not done by then: leaves half of Discord's 3 seconds for the answer to travel and for a busy event loop. */
const DEFER_AFTER_MS = 1_500;
/** Autocomplete cannot be deferred: suggestions not found by then are left out. */
const SUGGEST_WITHIN_MS = 1_500;
/** Claims are kept past the signature's 5 minutes, so a replay is refused by one or the other. */
const CLAIM_KEPT_MS = 10 * 60 * 1000;
const FORGET_EVERY_MS = 60 * 1000;
/** Discord's interaction payloads are a few kilobytes. */
const MAX_BODY = "64kb";

const DEFERRED = Symbol("deferred");

/** What a member may do in the guild: all with Administrator or Manage Server in the payload, else what was granted (contract section 9). */
function memberAccess(member: { id: string; name: string }, guildId: string, discordPermissions: string, granted: Permission[]): Access {
	return operatorAccess(member, new Map([[guildId, { owner: false, permissions: discordPermissions }]]), new Map([[guildId, granted]]));
}

/** Reads accept `moderate` too, as the dashboard's do; `/keys` accepts any key permission (create_keys then sees its own keys). */
function allows(held: ReadonlySet<Permission>, command: CommandName): boolean {
	const need = NEEDS[command];
	if (held.has(need)) return true;
	if (command === "keys") return held.has("administer_keys") || held.has("create_keys");
	return need === "view" && held.has("moderate");
}

const refusedFor = (command: CommandName) =>
	privateNote(
		`You lack the ${NEEDS[command]} permission in this server, so /${command} is refused. Server administrators (Administrator or Manage Server) ` +
			`have every permission; others get ${NEEDS[command]} on the dashboard's Members page.`,
	);

export class InteractionHandler {
	private lastForget = 0;

	constructor(private readonly parts: InteractionParts) {}

	/** Whether the request is Discord's: to be asked before its body is read as anything. */
	verify(timestamp: string | undefined, signature: string | undefined, body: Buffer): SignatureVerdict {
		return this.parts.signature.check(timestamp, signature, body);
	}

	/** The answer to a verified, parsed interaction; the deferred ones are completed later by editing `@original`. */
	async answer(req: Request, interaction: Interaction): Promise<InteractionAnswer> {
		if (interaction.type === InteractionType.PING) return { type: CallbackType.PONG };
		if (!(await this.claim(interaction.id))) throw new ApiError(400, "bad_request", "This interaction was already answered");
		const guildId = interaction.guild_id;
		const member = interaction.member;
		if (guildId === undefined || member?.user === undefined) return message(privateNote("These commands work in a Discord server, not in direct messages."));
		const who = { id: member.user.id, name: member.user.global_name || member.user.username };
		const access = memberAccess(who, guildId, member.permissions, await this.parts.grantsOf(guildId, who.id));
		const held = access.permissionsIn(guildId);
		const base = { req, guildId, member: who, access };

		if (interaction.type === InteractionType.AUTOCOMPLETE) {
			const name = interaction.data?.name;
			const focused = interaction.data?.options?.find((option) => option.focused === true);
			if (!isCommandName(name) || !allows(held, name) || focused?.name !== "user") return { type: CallbackType.AUTOCOMPLETE_RESULT, data: { choices: [] } };
			return { type: CallbackType.AUTOCOMPLETE_RESULT, data: { choices: await this.suggest(String(focused.value ?? "")) } };
		}

		if (interaction.type === InteractionType.MESSAGE_COMPONENT) {
			const button = parseHistoryButton(interaction.data?.custom_id ?? "");
			if (button === undefined || button.guildId !== guildId) return message(privateNote("This button belongs to no command of this server."));
			if (!allows(held, "history")) return message(refusedFor("history"));
			const invocation: Invocation = { ...base, options: new Map() };
			return this.inTime(req, interaction, false, true, async () => {
				// The name is a nicety here: the page shows the id alone when Roblox cannot say.
				const player = (await this.parts.commands.player(String(button.robloxId)).catch(() => undefined)) ?? idAlone(button.robloxId);
				return this.parts.commands.history(invocation, button.page, player);
			});
		}

		if (interaction.type !== InteractionType.APPLICATION_COMMAND) throw new ApiError(400, "bad_request", `Interaction type ${interaction.type} is not one these commands answer`);
		const name = interaction.data?.name;
		if (!isCommandName(name)) return message(privateNote(`This gateway has no /${name ?? "?"} command. An administrator may register the current ones: npm run discord -- register.`));
		const options = new Map<string, string>();
		const known = new Set(COMMANDS.find((command) => command.name === name)?.options?.map((option) => option.name));
		for (const option of interaction.data?.options ?? []) {
			if (!known.has(option.name)) return message(privateNote(`/${name} has no option "${option.name}". An administrator may register the current commands: npm run discord -- register.`));
			options.set(option.name, String(option.value ?? ""));
		}
		if (!allows(held, name)) return message(refusedFor(name));
		return this.inTime(req, interaction, name === "keys", false, () => this.parts.commands.run(name, { ...base, options }));
	}

	/**
	 * The work's answer when it is done within DEFER_AFTER_MS; else "deferred" now (ephemeral if the answer
	 * will be) and the answer later, by editing `@original`. A button's message is updated in place.
	 */
	private async inTime(req: Request, interaction: Interaction, ephemeral: boolean, update: boolean, work: () => Promise<InteractionMessage>): Promise<InteractionAnswer> {
		const log = requestLogger(req);
		const done = work().catch((err: unknown): InteractionMessage => {
			if (err instanceof CommandRefusal) return privateNote(err.message);
			log.error({ err }, "a Discord command failed");
			return privateNote("Something went wrong on the gateway; the error is in its log. Try again, or use the dashboard.");
		});
		let timer: NodeJS.Timeout | undefined;
		const late = new Promise<typeof DEFERRED>((resolve) => {
			timer = setTimeout(() => resolve(DEFERRED), DEFER_AFTER_MS);
		});
		const first = await Promise.race([done, late]);
		clearTimeout(timer);
		// A refusal after a button press is said to the presser alone rather than written over the page everyone sees.
		if (first !== DEFERRED) return update && first.flags !== EPHEMERAL ? { type: CallbackType.UPDATE_MESSAGE, data: first } : message(first);
		void done.then(async (answer) => {
			// Ephemerality is set by the first answer; an edit carries no flags.
			const { flags: _flags, ...edit } = answer;
			try {
				await this.parts.discordApi.editOriginal(interaction.token, edit);
			} catch (err) {
				log.error({ err }, "a deferred Discord answer could not be completed");
			}
		});
		return update ? { type: CallbackType.DEFERRED_UPDATE_MESSAGE } : { type: CallbackType.DEFERRED_CHANNEL_MESSAGE, data: ephemeral ? { flags: EPHEMERAL } : {} };
	}

	/** Choices for the `user` option being typed: a player's name and id, the id sent as the value. */
	private async suggest(typed: string): Promise<{ name: string; value: string }[]> {
		const players = await this.parts.commands.suggestions(typed, SUGGEST_WITHIN_MS);
		return players.map((player) => ({ name: `${playerName(player)} · ${player.id}`.slice(0, 100), value: String(player.id) }));
	}

	private async claim(id: string): Promise<boolean> {
		const now = this.parts.clock();
		if (now - this.lastForget > FORGET_EVERY_MS) {
			this.lastForget = now;
			await this.parts.claims.forgetBefore(now - CLAIM_KEPT_MS);
		}
		return this.parts.claims.claim(id, now);
	}
}

const message = (data: InteractionMessage): InteractionAnswer => ({ type: CallbackType.CHANNEL_MESSAGE, data });

/** Verified before anything reads it as JSON: the signature covers the bytes as sent. */
function interactionsHandler({ interactions }: DiscordRouteParts): RequestHandler {
	return async (req, res) => {
		if (interactions === undefined) throw new ApiError(404, "not_found", "Discord commands are off: set DISCORD_PUBLIC_KEY and DISCORD_APPLICATION_ID");
		const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
		const verdict = interactions.verify(req.get("x-signature-timestamp"), req.get("x-signature-ed25519"), body);
		if (verdict === "bad") throw new ApiError(401, "unauthorized", "Invalid request signature");
		if (verdict === "stale") throw new ApiError(401, "unauthorized", "Request signature is older than 5 minutes");
		let interaction: Interaction;
		try {
			interaction = JSON.parse(body.toString("utf8")) as Interaction;
		} catch {
			throw new ApiError(400, "bad_request", "Request body must be JSON");
		}
		if (typeof interaction !== "object" || interaction === null || typeof interaction.type !== "number" || typeof interaction.id !== "string") {
			throw new ApiError(400, "bad_request", "Request body must be a Discord interaction");
		}
		res.json(await interactions.answer(req, interaction));
	};
}

const interactionAnswer = z.object({
	type: z.int().meta({ description: "1 PONG, 4 a message, 5 deferred (completed by editing @original), 6 deferred update, 7 update of a button's message, 8 suggestions" }),
	data: z.record(z.string(), z.unknown()).optional(),
});

export const DISCORD_ROUTES: readonly Route<DiscordRouteParts>[] = [
	defineRoute({
		method: "post",
		path: "/discord/interactions",
		tag: "Discord",
		summary: "Discord's interactions endpoint (slash commands)",
		description:
			"Set as the application's Interactions Endpoint URL. Every request must carry Discord's Ed25519 signature over " +
			"`X-Signature-Timestamp` + the raw body, less than 5 minutes old, else 401. An interaction id is answered once. " +
			"404 while DISCORD_PUBLIC_KEY and DISCORD_APPLICATION_ID are unset.",
		// No credential of ours: the signature is Discord's, checked by the handler on the raw body (a guard would need the parsed one).
		guard: { caller: "anyone" },
		request: {
			headers: [
				{ name: "X-Signature-Ed25519", description: "Discord's signature, hex", schema: z.string() },
				{ name: "X-Signature-Timestamp", description: "Unix seconds, signed with the body", schema: z.string() },
			],
		},
		answers: [{ status: 200, description: "Discord's interaction answer", data: { text: "application/json", schema: interactionAnswer } }],
		errors: [400, 401, 404, 413],
		// The raw bytes, not a JSON parser: the signature covers them exactly as sent.
		handle: (parts) => [express.raw({ type: () => true, limit: MAX_BODY }), interactionsHandler(parts)],
	}),
];
