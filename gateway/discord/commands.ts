// gateway/discord/commands.ts
// The slash commands as registered with Discord (docs/discord.md, "Commands"), and the permission each needs here.

import type { Permission } from "../../shared/records";
import { OptionType, type CommandDefinition, type CommandOptionDefinition } from "./interaction-types";

/** Discord's Moderate Members bit (1 << 40): who sees the moderation commands until a server admin allows others. */
const MODERATE_MEMBERS = String(1n << 40n);
/** Discord's Manage Server bit (0x20): who sees `/keys` until a server admin allows others. */
const MANAGE_GUILD = String(0x20);
/** As the data store's reason (contract section 3). */
const REASON_MAX = 500;

const user: CommandOptionDefinition = { type: OptionType.STRING, name: "user", description: "Roblox username or user id", required: true, autocomplete: true, max_length: 32 };
const reason = (required: boolean): CommandOptionDefinition => ({ type: OptionType.STRING, name: "reason", description: "Why", required, max_length: REASON_MAX });
const duration: CommandOptionDefinition = { type: OptionType.STRING, name: "duration", description: "How long: 30m, 12h, 7d or permanent (the default)", max_length: 20 };
const place: CommandOptionDefinition = { type: OptionType.STRING, name: "place", description: "Only in this Roblox place (its id); every place when left out", max_length: 20 };

const command = (name: string, description: string, options: CommandOptionDefinition[], seenBy: string): CommandDefinition => ({
	name,
	description,
	type: 1,
	options,
	default_member_permissions: seenBy,
	contexts: [0],
});

/** The body of the bulk overwrite, in the order Discord lists them. */
export const COMMANDS: readonly CommandDefinition[] = [
	command("ban", "Ban a Roblox player from your games", [user, reason(true), duration, place], MODERATE_MEMBERS),
	command("unban", "Lift a Roblox player's ban", [user, reason(false)], MODERATE_MEMBERS),
	command("mute", "Mute a Roblox player in your games' chat", [user, reason(true), duration, place], MODERATE_MEMBERS),
	command("unmute", "Lift a Roblox player's mute", [user, reason(false)], MODERATE_MEMBERS),
	command("lookup", "A Roblox player's ban and mute now, and their last five records", [user], MODERATE_MEMBERS),
	command("history", "A Roblox player's moderation history, page by page", [user], MODERATE_MEMBERS),
	command("keys", "This server's API keys (never their secrets), shown only to you", [], MANAGE_GUILD),
];

export type CommandName = "ban" | "unban" | "mute" | "unmute" | "lookup" | "history" | "keys";

/** What each command needs in the guild (contract section 9): `moderate` for the writes, `view` for the reads. */
export const NEEDS: Record<CommandName, Permission> = {
	ban: "moderate",
	unban: "moderate",
	mute: "moderate",
	unmute: "moderate",
	lookup: "view",
	history: "view",
	keys: "view",
};

export function isCommandName(name: string | undefined): name is CommandName {
	return name !== undefined && Object.hasOwn(NEEDS, name);
}
