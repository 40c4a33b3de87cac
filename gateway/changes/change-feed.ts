// gateway/changes/change-feed.ts
// Reads a guild's change log from the data store (its internal `/changes` route), for the events route.

import { Pool } from "undici";
import { API_BASE } from "../../shared/routes";
import type { ModerationEvent } from "../../shared/records";
import { GUILD_HEADER, INTERNAL_TOKEN_HEADER } from "../data-store/internal-headers";

export interface ChangePage {
	/** Oldest first; at most one page (the data store's list limit). */
	events: ModerationEvent[];
	/** The guild's latest sequence. */
	head: number;
	/** The oldest sequence the data store still keeps; null when it keeps none. */
	oldest: number | null;
}

/** A page size the data store accepts (its list limit); a longer backlog takes several reads. */
const PAGE = 500;
const TIMEOUT_MS = 5_000;

export class ChangeFeed {
	private readonly pool: Pool;

	constructor(
		target: string,
		private readonly internalToken: string,
	) {
		this.pool = new Pool(target, { connections: 32, connect: { timeout: 3_000 } });
	}

	/** The guild's changes after `after`; rejects when the data store cannot be read. */
	async after(guildId: string, after: number): Promise<ChangePage> {
		const response = await this.pool.request({
			path: `${API_BASE}/moderation/${guildId}/changes?after=${after}&limit=${PAGE}`,
			method: "GET",
			headers: { [INTERNAL_TOKEN_HEADER]: this.internalToken, [GUILD_HEADER]: guildId, accept: "application/json" },
			headersTimeout: TIMEOUT_MS,
			bodyTimeout: TIMEOUT_MS,
		});
		const body = (await response.body.json()) as { data?: { changes: ModerationEvent[]; head: number; oldest: number | null } };
		if (response.statusCode !== 200 || body.data === undefined) {
			throw new Error(`the data store answered ${response.statusCode} to a change-log read`);
		}
		return { events: body.data.changes, head: body.data.head, oldest: body.data.oldest };
	}

	close(): Promise<void> {
		return this.pool.close();
	}
}
