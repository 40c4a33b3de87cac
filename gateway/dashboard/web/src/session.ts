// gateway/dashboard/web/src/session.ts
// What the page remembers, in sessionStorage only: gone when the tab closes, never in a URL or localStorage.

const TOKEN_ITEM = "technified.adminToken";
/** Set while this tab works with a Discord session (the cookie itself is HttpOnly: the page cannot see it). */
const DISCORD_SESSION_ITEM = "technified.discordSession";
const RECENT_GUILDS_ITEM = "technified.recentGuilds";
const MAX_RECENT_GUILDS = 8;

export function savedAdminToken(): string | null {
	return sessionStorage.getItem(TOKEN_ITEM);
}

export function saveAdminToken(token: string): void {
	sessionStorage.setItem(TOKEN_ITEM, token);
}

export function forgetAdminToken(): void {
	sessionStorage.removeItem(TOKEN_ITEM);
}

/** True when this tab signed in with Discord (and has not signed out): worth asking the gateway who it is. */
export function usesDiscordSession(): boolean {
	return sessionStorage.getItem(DISCORD_SESSION_ITEM) !== null;
}

export function rememberDiscordSession(inUse: boolean): void {
	if (inUse) sessionStorage.setItem(DISCORD_SESSION_ITEM, "1");
	else sessionStorage.removeItem(DISCORD_SESSION_ITEM);
}

/** Guild ids opened in this tab, most recent first. */
export function recentGuilds(): string[] {
	try {
		const parsed: unknown = JSON.parse(sessionStorage.getItem(RECENT_GUILDS_ITEM) ?? "[]");
		return Array.isArray(parsed) ? parsed.filter((id): id is string => typeof id === "string") : [];
	} catch {
		return [];
	}
}

export function rememberGuild(guildId: string): void {
	const list = [guildId, ...recentGuilds().filter((id) => id !== guildId)].slice(0, MAX_RECENT_GUILDS);
	sessionStorage.setItem(RECENT_GUILDS_ITEM, JSON.stringify(list));
}
