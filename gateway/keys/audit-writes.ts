// gateway/keys/audit-writes.ts
// Writes one guild audit event and its outbox event inside the caller's transaction, for every store of the gateway database.

import type Database from "better-sqlite3";
import { auditOutboxEvent } from "../outbound/queue/outbox-events";
import { SqliteOutboxWriter, enqueueInPostgres } from "../outbound/queue/outbox-writes";
import type { Queryable } from "../platform/db/postgres-database";
import type { AuditDraft } from "./key-store";

const INSERT_AUDIT = "INSERT INTO key_audit (guild_id, key_id, event, actor, address, at, details)";

const auditValues = (guildId: string, keyId: string | null, draft: AuditDraft) =>
	[guildId, keyId, draft.event, JSON.stringify(draft.actor), draft.address, draft.at, JSON.stringify(draft.details)] as const;

/**
 * The audit insert and the outbox enqueue on the gateway database's SQLite connection: the key,
 * operator, webhook and experience stores call it inside their write transactions (better-sqlite3 is
 * synchronous, so the event is part of the change's transaction).
 */
export class SqliteAuditWriter {
	private readonly insert: Database.Statement;
	private readonly outbox: SqliteOutboxWriter;

	constructor(db: Database.Database) {
		this.insert = db.prepare(`${INSERT_AUDIT} VALUES (?, ?, ?, ?, ?, ?, ?)`);
		this.outbox = new SqliteOutboxWriter(db);
	}

	/** Call inside a transaction of the same connection. `keyId` is null for events about no key. */
	write(guildId: string, keyId: string | null, draft: AuditDraft): void {
		this.insert.run(...auditValues(guildId, keyId, draft));
		const event = auditOutboxEvent(guildId, keyId, draft);
		if (event !== undefined) this.outbox.enqueue(event);
	}
}

/** The same on PostgreSQL, inside the caller's transaction `tx`. */
export async function writePostgresAudit(tx: Queryable, guildId: string, keyId: string | null, draft: AuditDraft): Promise<void> {
	await tx.rows(`${INSERT_AUDIT} VALUES ($1, $2, $3, $4, $5, $6, $7)`, [...auditValues(guildId, keyId, draft)]);
	const event = auditOutboxEvent(guildId, keyId, draft);
	if (event !== undefined) await enqueueInPostgres(tx, event);
}
