// gateway/cli/operator-cli.ts
// The one operator CLI over a running gateway's admin API: keys, imports and exports; `npm run technified` (or `npm run keys`) runs it.

import { Command, Option } from "commander";
import { addKeyCommands } from "./key-program";
import { addMovingCommands } from "./moving-commands";

/** Builds the program under the name it was started as, and runs it; a failure is one line on standard error. */
export function runOperatorCli(name: "technified" | "keys"): void {
	const program = new Command(name)
		.usage(`<command> [options]   (npm run ${name} -- <command> …)`)
		.description("Manage a running gateway through its admin API: API keys, and imports and exports of bans and mutes.")
		.addOption(
			new Option("--url <address>", "the gateway's address").default(`http://127.0.0.1:${process.env.PORT?.trim() || 8080}`, "http://127.0.0.1:$PORT, PORT defaulting to 8080"),
		)
		.option("--json", "print the API's data as JSON instead of tables")
		.addHelpText(
			"after",
			"\nA key is named by its id (or the first 8 characters `list` shows) or by its prefix; --guild may be left out when the prefix is given." +
				"\nThe admin token comes from ADMIN_TOKEN, else from $DATA_DIR/admin-token (DATA_DIR defaults to ./data).",
		)
		.showHelpAfterError();
	addKeyCommands(program);
	addMovingCommands(program);
	program.parseAsync(process.argv).catch((err: unknown) => {
		console.error(`${name}: ${err instanceof Error ? err.message : String(err)}`);
		process.exit(1);
	});
}
