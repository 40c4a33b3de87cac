// gateway/discord/discord-api.ts
// Discord's REST API as the slash commands need it: completing a deferred answer (`@original`) and overwriting the registered commands.
//
// Discord's pages: "Receiving and Responding" (Edit Original Interaction Response,
// `PATCH /webhooks/{application.id}/{interaction.token}/messages/@original`, no bot token: the interaction
// token is the credential) and "Application Commands" (Bulk Overwrite Global / Guild Application Commands,
// `PUT /applications/{application.id}/commands` and `/applications/{application.id}/guilds/{guild.id}/commands`,
// `Authorization: Bot <token>`).

import type { CommandDefinition, InteractionMessage } from "./interaction-types";

/** DISCORD_PUBLIC_KEY, DISCORD_APPLICATION_ID, DISCORD_BOT_TOKEN and DISCORD_API_URL (docs/discord.md). */
export interface DiscordCommandSettings {
	/** The application's Ed25519 public key, 64 hex digits, lower case. */
	publicKey: string;
	applicationId: string;
	/** Only `npm run discord -- register` needs it; the interactions endpoint never does. */
	botToken: string | undefined;
	/** DISCORD_API_URL without a trailing slash (`https://discord.com/api`). */
	apiUrl: string;
}

const TIMEOUT_MS = 10_000;

/** Discord refused or could not be reached; the words never hold a token. */
export class DiscordApiError extends Error {
	constructor(message: string, options?: { cause?: unknown }) {
		super(message, options);
		this.name = "DiscordApiError";
	}
}

export class DiscordApi {
	constructor(private readonly settings: Pick<DiscordCommandSettings, "applicationId" | "apiUrl" | "botToken">) {}

	/** Completes (or replaces) the answer to an interaction, within the token's 15 minutes. */
	async editOriginal(interactionToken: string, message: InteractionMessage): Promise<void> {
		const path = `/webhooks/${this.settings.applicationId}/${encodeURIComponent(interactionToken)}/messages/@original`;
		await this.send("PATCH", path, message, "editing the answer", {});
	}

	/** Replaces every command of the application (or of one guild) with `commands`; answers what Discord registered. */
	async overwriteCommands(commands: readonly CommandDefinition[], guildId?: string): Promise<(CommandDefinition & { id: string })[]> {
		const { botToken, applicationId } = this.settings;
		if (botToken === undefined) throw new DiscordApiError("DISCORD_BOT_TOKEN is not set: registering the commands needs the bot's token");
		const path = guildId === undefined ? `/applications/${applicationId}/commands` : `/applications/${applicationId}/guilds/${guildId}/commands`;
		const answer = await this.send("PUT", path, commands, "registering the commands", { authorization: `Bot ${botToken}` });
		return answer as (CommandDefinition & { id: string })[];
	}

	private async send(method: "PATCH" | "PUT", path: string, body: unknown, doing: string, headers: Record<string, string>): Promise<unknown> {
		let response: Response;
		try {
			response = await fetch(`${this.settings.apiUrl}${path}`, {
				method,
				headers: { "content-type": "application/json", accept: "application/json", ...headers },
				body: JSON.stringify(body),
				signal: AbortSignal.timeout(TIMEOUT_MS),
			});
		} catch (err) {
			throw new DiscordApiError(`Discord could not be reached while ${doing}`, { cause: err });
		}
		const text = await response.text();
		if (!response.ok) {
			// Discord's own error words (`{"message": "...", "code": ...}`), never the URL: it holds the interaction token.
			let words = text.slice(0, 300);
			try {
				words = (JSON.parse(text) as { message?: string }).message ?? words;
			} catch {
				// not JSON: the first bytes as they are
			}
			throw new DiscordApiError(`Discord answered ${response.status} while ${doing}: ${words}`);
		}
		return text === "" ? undefined : (JSON.parse(text) as unknown);
	}
}
