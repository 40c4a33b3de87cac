// gateway/discord/sqlite-interaction-claims.ts
// Answered interactions in the gateway database's SQLite file.

import type Database from "better-sqlite3";
import type { InteractionClaims } from "./interaction-claims";

export class SqliteInteractionClaims implements InteractionClaims {
	constructor(private readonly db: Database.Database) {}

	async claim(id: string, at: number): Promise<boolean> {
		return this.db.prepare("INSERT INTO discord_interactions (id, received_at) VALUES (?, ?) ON CONFLICT DO NOTHING").run(id, at).changes === 1;
	}

	async forgetBefore(before: number): Promise<void> {
		this.db.prepare("DELETE FROM discord_interactions WHERE received_at < ?").run(before);
	}
}
