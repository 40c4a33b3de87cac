// roblox/integrations/TechnifiedCmdr/unmute.ts
// Cmdr's definition of `unmute`. Cmdr sends definitions to every client: data only, nothing required.

export = {
	Name: "unmute",
	Description: "Lifts a player's Technified mute.",
	Group: "Technified",
	Args: [
		{ Type: "playerId", Name: "player", Description: "The player: a name, or a user id after #" },
	],
};
