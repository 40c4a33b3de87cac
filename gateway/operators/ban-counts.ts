// gateway/operators/ban-counts.ts
// Counts a guild's active bans by paging the data store's active list (internal token), for GET /admin/v1/guilds.

import { API_BASE } from "../../shared/routes";
import { GUILD_HEADER, INTERNAL_TOKEN_HEADER } from "../data-store/internal-headers";

/** The data store's largest page. */
const PAGE = 500;
/** A guild with more bans than this is reported as this many at least: the listing must stay quick. */
const MAX_PAGES = 20;
const TIMEOUT_MS = 3_000;

/** Active bans of a guild, or null when the data store cannot be read (the listing still answers). */
export type BanCounter = (guildId: string) => Promise<number | null>;

export function dataStoreBanCounter(dataStoreUrl: string, internalToken: string): BanCounter {
	return async (guildId) => {
		let count = 0;
		let cursor: string | null = null;
		try {
			for (let page = 0; page < MAX_PAGES; page++) {
				const query = `limit=${PAGE}${cursor === null ? "" : `&cursor=${encodeURIComponent(cursor)}`}`;
				const response = await fetch(`${dataStoreUrl}${API_BASE}/moderation/${guildId}/roblox/bans/active?${query}`, {
					headers: { [INTERNAL_TOKEN_HEADER]: internalToken, [GUILD_HEADER]: guildId, accept: "application/json" },
					signal: AbortSignal.timeout(TIMEOUT_MS),
				});
				if (response.status !== 200) return null;
				const body = (await response.json()) as { data: { bans: unknown[]; next_cursor: string | null } };
				count += body.data.bans.length;
				cursor = body.data.next_cursor;
				if (cursor === null) break;
			}
		} catch {
			return null;
		}
		return count;
	};
}
