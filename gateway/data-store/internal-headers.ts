// gateway/data-store/internal-headers.ts
// Header names the gateway sets on every request it forwards to a data store, and strips from callers.

/**
 * Carries the secret shared by gateway and data store. Without it the data store answers 401, so a
 * caller who reaches the store's port directly cannot act as the gateway.
 */
export const INTERNAL_TOKEN_HEADER = "x-technified-internal-token";

/**
 * Carries the guild the gateway proved the API key belongs to. The data store serves a path only when
 * its `:guildId` equals this value, so one guild's key can never reach another guild's data.
 */
export const GUILD_HEADER = "x-technified-guild";


/**
 * Who acted, for moderation from the dashboard: `discord:<user id>` or `admin_token`. Recorded as the
 * moderator (or lifter) when the body names no Roblox moderator. Only the gateway sets it.
 */
export const ACTOR_HEADER = "x-technified-actor";
