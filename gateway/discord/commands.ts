// gateway/discord/commands.ts
// The slash commands as registered with Discord (docs/discord.md, "Commands"), and the permission each needs here.

import {
	ApplicationCommandOptionType,
	ApplicationCommandType,
	InteractionContextType,
	PermissionFlagsBits,
	type APIApplicationCommandStringOption,
	type RESTPostAPIChatInputApplicationCommandsJSONBody,
} from "discord-api-types/v10";
import type { Permission } from "../../shared/records";
import { REASON_MAX_CHARS } from "../platform/http/fields";

/** Who sees the moderation commands until a server admin allows others (a decimal string, as Discord's bitfields). */
const MODERATE_MEMBERS = String(PermissionFlagsBits.ModerateMembers);
/** Who sees `/keys` until a server admin allows others. */
const MANAGE_GUILD = String(PermissionFlagsBits.ManageGuild);

const user: APIApplicationCommandStringOption = { type: ApplicationCommandOptionType.String, name: "user", description: "Roblox username or user id", required: true, autocomplete: true, max_length: 32 };
const reason = (required: boolean): APIApplicationCommandStringOption => ({ type: ApplicationCommandOptionType.String, name: "reason", description: "Why", required, max_length: REASON_MAX_CHARS });
const duration: APIApplicationCommandStringOption = { type: ApplicationCommandOptionType.String, name: "duration", description: "How long: 30m, 12h, 7d or permanent (the default)", max_length: 20 };
const place: APIApplicationCommandStringOption = { type: ApplicationCommandOptionType.String, name: "place", description: "Only in this Roblox place (its id); every place when left out", max_length: 20 };

const command = (name: string, description: string, options: APIApplicationCommandStringOption[], seenBy: string): RESTPostAPIChatInputApplicationCommandsJSONBody => ({
	name,
	description,
	type: ApplicationCommandType.ChatInput,
	options,
	default_member_permissions: seenBy,
	// Guild-only: the commands act on a guild's bans.
	contexts: [InteractionContextType.Guild],
});

/** The body of the bulk overwrite, in the order Discord lists them. */
export const COMMANDS: readonly RESTPostAPIChatInputApplicationCommandsJSONBody[] = [
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
