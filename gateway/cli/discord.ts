// gateway/cli/discord.ts
// `npm run discord -- register [--guild <id>]` (`node dist/gateway/cli/discord.js` when built): registers the slash commands with Discord (docs/discord.md).

import { Command } from "commander";
import { readConfig } from "../config";
import { COMMANDS } from "../discord/commands";
import { DiscordApi } from "../discord/discord-api";

const program = new Command("discord")
	.usage("<command> [options]   (npm run discord -- <command> …)")
	.description("Discord's slash commands for this gateway: DISCORD_APPLICATION_ID, DISCORD_PUBLIC_KEY and DISCORD_BOT_TOKEN from the environment.")
	.showHelpAfterError();

program
	.command("register")
	.description("Overwrite the application's commands with this gateway's (every server, or one with --guild: at once, for trying them)")
	.option("--guild <id>", "register in this Discord server only")
	.action(async ({ guild }: { guild?: string }) => {
		if (guild !== undefined && !/^\d{17,20}$/.test(guild)) throw new Error("--guild must be a Discord server id (17 to 20 digits)");
		const settings = readConfig().discordCommands;
		if (settings === undefined) throw new Error("set DISCORD_APPLICATION_ID and DISCORD_PUBLIC_KEY (and DISCORD_BOT_TOKEN) first; see docs/discord.md");
		const registered = await new DiscordApi(settings).overwriteCommands(COMMANDS, guild);
		console.log(`Registered ${registered.length} commands for application ${settings.applicationId} ${guild === undefined ? "in every server (Discord may take up to an hour to show changes)" : `in server ${guild}`}:`);
		for (const command of registered) {
			const options = (command.options ?? []).map((option) => (option.required === true ? option.name : `[${option.name}]`)).join(" ");
			console.log(`  /${command.name}${options === "" ? "" : ` ${options}`}  (id ${command.id}): ${command.description}`);
		}
	});

program.parseAsync(process.argv).catch((err: unknown) => {
	console.error(`discord: ${err instanceof Error ? err.message : String(err)}`);
	process.exit(1);
});
