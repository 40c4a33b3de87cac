// roblox/integrations/TechnifiedCmdr/unban.ts
// Cmdr's definition of `unban`. Cmdr sends definitions to every client: data only, nothing required.

export = {
	Name: "unban",
	Description: "Lifts a player's Technified ban.",
	Group: "Technified",
	Args: [
		{ Type: "playerId", Name: "player", Description: "The player: a name, or a user id after #" },
		{ Type: "string", Name: "reason", Description: "Why (optional); kept in the history", Optional: true },
	],
};
