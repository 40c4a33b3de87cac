// roblox/integrations/Server-Technified.ts
// The Adonis plugin to copy into Adonis_Loader > Config > Plugins (Adonis loads the server plugins named
// "Server-…" and calls each with its Vargs). It imports nothing on purpose: it runs from Adonis's folder,
// so it reaches the Technified model by its place, and the model's integrations/adonis does the work.

import type { AdonisVargs } from "./adonis";

export = (vargs: AdonisVargs) => {
	const model =
		game.GetService("ServerScriptService").FindFirstChild("Technified") ?? game.GetService("ServerStorage").FindFirstChild("Technified");
	const integration = model?.FindFirstChild("integrations")?.FindFirstChild("adonis");
	if (integration === undefined || !integration.IsA("ModuleScript")) {
		warn("[Technified] the Adonis plugin found no Technified model in ServerScriptService: bans and mutes in Adonis stay in Adonis");
		return;
	}
	(require(integration) as { install: (vargs: AdonisVargs) => void }).install(vargs);
};
