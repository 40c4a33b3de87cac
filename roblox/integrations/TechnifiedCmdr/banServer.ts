// roblox/integrations/TechnifiedCmdr/banServer.ts
// The server side of Cmdr's `ban`: Cmdr calls it with the parsed arguments; TechnifiedCmdr runs it.

import type { CmdrContext } from "../cmdr-commands";

export = (context: CmdrContext, userId: number, duration: number, reason: string) =>
	(require(script.Parent as ModuleScript) as typeof import(".")).run("ban", context, userId, duration, reason);
