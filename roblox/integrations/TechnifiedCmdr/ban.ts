// roblox/integrations/TechnifiedCmdr/ban.ts
// Cmdr's definition of `ban`. Cmdr sends definitions to every client: data only, nothing required.

export = {
	Name: "ban",
	Description: "Bans a player from the whole game through Technified; every server kicks them.",
	Group: "Technified",
	Args: [
		{ Type: "playerId", Name: "player", Description: "The player: a name, or a user id after #" },
		{ Type: "duration", Name: "duration", Description: "How long: 30m, 7d, 1d12h; 0 for a permanent ban" },
		{ Type: "string", Name: "reason", Description: "Why; kept with the ban and shown to the player" },
	],
};
