// roblox/integrations/TechnifiedCmdr/unmuteServer.ts
// The server side of Cmdr's `unmute`: Cmdr calls it with the parsed arguments; TechnifiedCmdr runs it.

import type { CmdrContext } from "../cmdr-commands";

export = (context: CmdrContext, userId: number) =>
	(require(script.Parent as ModuleScript) as typeof import(".")).run("unmute", context, userId);
