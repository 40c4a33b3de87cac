// gateway/discord/discord-commands.ts
// Builds the Discord commands feature from its settings: the signature check, the claims, the commands over the dashboard's moderation path.

import type { Permission } from "../../shared/records";
import type { OperatorStore } from "../operators/operator-store";
import { DiscordApi, type DiscordCommandSettings } from "./discord-api";
import type { InteractionClaims } from "./interaction-claims";
import { InteractionHandler, type DiscordRouteParts } from "./interaction-routes";
import { InteractionSignature } from "./interaction-signature";
import { ModerationCommands, type CommandParts } from "./moderation-commands";

export function discordCommands(
	settings: DiscordCommandSettings | undefined,
	parts: Omit<CommandParts, "dashboardUrl"> & { publicUrl: string | undefined; claims: InteractionClaims; operators: OperatorStore; clock: () => number },
): DiscordRouteParts {
	if (settings === undefined) return { interactions: undefined };
	const { publicUrl, claims, operators, clock, ...commandParts } = parts;
	const grantsOf = async (guildId: string, discordUserId: string): Promise<Permission[]> => (await operators.getMember(guildId, discordUserId))?.permissions ?? [];
	return {
		interactions: new InteractionHandler({
			signature: new InteractionSignature(settings.publicKey, clock),
			claims,
			// The dashboard shows a guild's moderation on its Moderation page; it has no address per player.
			commands: new ModerationCommands({ ...commandParts, dashboardUrl: publicUrl === undefined ? undefined : `${publicUrl}/dashboard/#moderation` }),
			discordApi: new DiscordApi(settings),
			grantsOf,
			clock,
		}),
	};
}
