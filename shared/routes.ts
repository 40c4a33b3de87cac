// shared/routes.ts
// Public paths of the API, so the gateway, the data store and the Roblox module cannot drift apart.

export const API_BASE = "/api/v1";

/** Every API key reads `technified_<guildId>_<secret>`. */
export const API_KEY_PREFIX = "technified_";

/** Keys per guild that are not revoked. */
export const MAX_KEYS_PER_GUILD = 3;

/** Ids the batch endpoint accepts in one request. */
export const BATCH_MAX_IDENTIFIERS = 100;

export const moderationPath = {
	banStatus: (guildId: string, identifier: string | number) =>
		`/moderation/${guildId}/ban-status/${identifier}`,
	banStatusBatch: (guildId: string) => `/moderation/${guildId}/ban-status/batch`,
	muteStatus: (guildId: string, identifier: string | number) =>
		`/moderation/${guildId}/mute-status/${identifier}`,
} as const;
