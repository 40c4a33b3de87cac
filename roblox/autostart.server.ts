// roblox/autostart.server.ts
// The drop-in path: a Script inside the model that starts the guard from Config, so a game owner
// writes no code. It refuses to start where clients can read the model, reads the secret (when named)
// and explains, once, why it cannot start.

import { HttpService } from "@rbxts/services";
import config from "./Config";
import { start } from "./index";
import type { StartOptions } from "./options";
import { placementProblem } from "./placement";

function configuredOptions(): StartOptions | undefined {
	if (config.secretName !== "") {
		const [found, secret] = pcall(() => HttpService.GetSecret(config.secretName));
		if (!found) {
			warn(
				`[Technified] not started: the secret "${config.secretName}" was not found. Secrets exist only on live servers and in Team Test; for Play in Studio add it under Game Settings > Security > Secrets.`,
			);
			return undefined;
		}
		return { ...config.options, apiKey: secret, guildId: config.guildId !== "" ? config.guildId : undefined };
	}
	return { ...config.options, apiKey: config.apiKey };
}

// Checked before the Config is read: in a place clients can read, the key must not even be touched.
const misplaced = placementProblem(script, "the Technified model");
if (misplaced !== undefined) {
	warn(`[Technified] not started: ${misplaced}`);
} else if (config.autoStart) {
	const options = configuredOptions();
	if (options !== undefined) start(options);
}
