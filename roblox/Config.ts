// roblox/Config.ts
// The drop-in settings (the Config ModuleScript inside the model): fill in the key, or the name of a
// secret holding it, and the guard starts with no code. Set autoStart = false to call start() yourself.

import type { DropInConfig } from "./options";

const config: DropInConfig = {
	autoStart: true,
	apiKey: "PASTE_YOUR_KEY_HERE",
	secretName: "",
	guildId: "",
	options: {
		failMode: "open",
	},
};

export = config;
