// roblox/integrations/TechnifiedCmdr/lookup.ts
// Cmdr's definition of `lookup`. Cmdr sends definitions to every client: data only, nothing required.

export = {
	Name: "lookup",
	Description: "Shows a player's Technified ban and mute.",
	Group: "Technified",
	Args: [
		{ Type: "playerId", Name: "player", Description: "The player: a name, or a user id after #" },
	],
};
