// roblox/integrations/TechnifiedCmdr/mute.ts
// Cmdr's definition of `mute`. Cmdr sends definitions to every client: data only, nothing required.

export = {
	Name: "mute",
	Description: "Mutes a player in every server through Technified.",
	Group: "Technified",
	Args: [
		{ Type: "playerId", Name: "player", Description: "The player: a name, or a user id after #" },
		{ Type: "duration", Name: "duration", Description: "How long: 10m, 1h, 1d; 0 for a permanent mute" },
		{ Type: "string", Name: "reason", Description: "Why; kept with the mute" },
	],
};
