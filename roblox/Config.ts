// roblox/Config.ts
// The drop-in settings (the Config ModuleScript inside the model): fill in the key, or the name of a
// secret holding it, and the gateway's baseUrl, and the guard starts with no code. Set autoStart = false
// to call start() yourself.

import type { DropInConfig } from "./options";

const config: DropInConfig = {
	autoStart: true,
	apiKey: "PASTE_YOUR_KEY_HERE",
	secretName: "",
	guildId: "",
	options: {
		// Written out (not options.HOSTED_API_URL) so the owner sees the URL to replace in Studio; a
		// self-hosted gateway: "https://your-gateway.example/api/v1".
		baseUrl: "https://api.technified.xyz/api/v1",
		failMode: "open",
	},
};

export = config;
