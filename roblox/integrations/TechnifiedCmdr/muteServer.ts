// roblox/integrations/TechnifiedCmdr/muteServer.ts
// The server side of Cmdr's `mute`: Cmdr calls it with the parsed arguments; TechnifiedCmdr runs it.

import type { CmdrContext } from "../cmdr-commands";

export = (context: CmdrContext, userId: number, duration: number, reason: string) =>
	(require(script.Parent as ModuleScript) as typeof import(".")).run("mute", context, userId, duration, reason);
