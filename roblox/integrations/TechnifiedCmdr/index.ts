// roblox/integrations/TechnifiedCmdr/index.ts
// Technified's commands for Cmdr (ban, unban, mute, unmute, lookup), to copy where the game's Cmdr setup
// lives: one ModuleScript holding, per command, Cmdr's definition module and its "…Server" module.
// register() adds them to Cmdr's Registry with a BeforeRun hook that lets only the players `canRun`
// allows run the "Technified" group. It imports nothing on purpose: copied out of the model, it reaches
// the model by its place, and the model's integrations/cmdr-commands does the work.

import type { CmdrContext, CommandName } from "../cmdr-commands";

/** What register() uses of Cmdr's Registry (Cmdr/CmdrClient/Shared/Registry.luau). */
interface CmdrRegistry {
	RegisterCommand(commandScript: ModuleScript, commandServerScript?: ModuleScript): void;
	RegisterHook(hookName: "BeforeRun", callback: (context: CmdrContext) => string | undefined, priority?: number): void;
	/** Private to Cmdr, read only to keep its refusal while no other BeforeRun hook exists. */
	_hooks: { BeforeRun: Array<unknown> };
}

export interface RegisterOptions {
	/** Whether `player` may run the Technified command `commandName` ("ban", "lookup", …). */
	canRun: (player: Player, commandName: string) => boolean;
}

const GROUP = "Technified";
const COMMANDS: Array<CommandName> = ["ban", "unban", "mute", "unmute", "lookup"];
/** Cmdr's own words (Dispatcher.luau) when a live game has no BeforeRun hook at all. */
const NO_HOOK = "Command blocked for security as no BeforeRun hook is configured.";

/** Cmdr refuses commands in live games until some BeforeRun hook exists: this one must not lift that for the game's others. */
function aloneInLiveGame(registry: CmdrRegistry, context: CmdrContext) {
	if (context.Group === "DefaultUtil" || context.Group === "UserAlias") return false;
	if (game.GetService("RunService").IsStudio()) return false;
	const [ok, count] = pcall(() => registry._hooks.BeforeRun.size());
	return !ok || count <= 1;
}

export function register(registry: CmdrRegistry, options: RegisterOptions) {
	if (!typeIs(options, "table") || !typeIs(options.canRun, "function")) {
		error("[Technified] Cmdr: register(Cmdr.Registry, { canRun = function(player, commandName) return … end }) needs canRun: who may ban and mute", 2);
	}
	for (const name of COMMANDS) {
		registry.RegisterCommand(script.WaitForChild(name) as ModuleScript, script.WaitForChild(`${name}Server`) as ModuleScript);
	}
	registry.RegisterHook("BeforeRun", (context) => {
		if (context.Group !== GROUP) return aloneInLiveGame(registry, context) ? NO_HOOK : undefined;
		const executor = context.Executor;
		if (executor === undefined) return undefined;
		// A canRun that errors refuses: moderation is closed by default.
		const [ok, allowed] = pcall(() => options.canRun(executor, context.Name));
		return ok && allowed === true ? undefined : `You may not run ${context.Name}: Technified's commands need permission (canRun)`;
	});
}

/** Called by each "…Server" module with Cmdr's parsed arguments. */
export function run(name: CommandName, context: CmdrContext, ...args: Array<unknown>): string {
	const model =
		game.GetService("ServerScriptService").FindFirstChild("Technified") ?? game.GetService("ServerStorage").FindFirstChild("Technified");
	const integration = model?.FindFirstChild("integrations")?.FindFirstChild("cmdr-commands");
	if (integration === undefined || !integration.IsA("ModuleScript")) return "Technified: no Technified model in ServerScriptService";
	const { commands } = require(integration) as { commands: Record<CommandName, (context: CmdrContext, ...args: Array<unknown>) => string> };
	return commands[name](context, ...args);
}
