// roblox/integrations/TechnifiedCmdr/lookupServer.ts
// The server side of Cmdr's `lookup`: Cmdr calls it with the parsed arguments; TechnifiedCmdr runs it.

import type { CmdrContext } from "../cmdr-commands";

export = (context: CmdrContext, userId: number) =>
	(require(script.Parent as ModuleScript) as typeof import(".")).run("lookup", context, userId);
