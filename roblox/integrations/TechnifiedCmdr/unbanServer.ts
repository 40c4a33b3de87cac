// roblox/integrations/TechnifiedCmdr/unbanServer.ts
// The server side of Cmdr's `unban`: Cmdr calls it with the parsed arguments; TechnifiedCmdr runs it.

import type { CmdrContext } from "../cmdr-commands";

export = (context: CmdrContext, userId: number, reason?: string) =>
	(require(script.Parent as ModuleScript) as typeof import(".")).run("unban", context, userId, reason);
