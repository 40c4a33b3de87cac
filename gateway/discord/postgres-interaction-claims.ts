// gateway/discord/postgres-interaction-claims.ts
// Answered interactions in the gateway database's PostgreSQL, shared by every instance.

import type { PostgresDatabase } from "../platform/db/postgres-database";
import type { InteractionClaims } from "./interaction-claims";

export class PostgresInteractionClaims implements InteractionClaims {
	constructor(private readonly db: PostgresDatabase) {}

	async claim(id: string, at: number): Promise<boolean> {
		// The primary key decides between instances racing on one id: one insert wins.
		const rows = await this.db.rows("INSERT INTO discord_interactions (id, received_at) VALUES ($1, $2) ON CONFLICT DO NOTHING RETURNING id", [id, at]);
		return rows.length === 1;
	}

	async forgetBefore(before: number): Promise<void> {
		await this.db.rows("DELETE FROM discord_interactions WHERE received_at < $1", [before]);
	}
}
