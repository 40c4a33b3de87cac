// gateway/operators/permissions.ts
// The permissions an operator may hold in a guild (README, "API summary"), after Roblox's group API-key permissions.

export const PERMISSIONS = ["administer_keys", "create_keys", "moderate", "view", "manage_members"] as const;
export type Permission = (typeof PERMISSIONS)[number];
