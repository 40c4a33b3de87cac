// gateway/outbound/queue/outbox-writes.ts
// Writes an event into the outbox, one delivery per matching target, inside the caller's transaction: in SQLite and in PostgreSQL.

import type Database from "better-sqlite3";
import type { Queryable } from "../../platform/db/postgres-database";
import type { ModerationEvent } from "../../../shared/records";
import { MIRRORED_EVENTS, eventPayload, type OutboxEvent } from "./outbox-events";

const DELIVERY_COLUMNS = "id, guild_id, target_kind, target_id, event, payload, status, tries, next_attempt_at, created_at";
const mirrored = (event: OutboxEvent) => (MIRRORED_EVENTS as readonly string[]).includes(event.type);

const SQLITE_NEW_ID = "'msg_' || lower(hex(randomblob(16)))";

/**
 * A push delivery's payload: the change as the events route lists it, or `{"seq":N}` for the first
 * publish that proves a link (an empty message at sequence N). Its `event` column is the change's
 * event, or `probe`.
 */
export const pushPayload = (change: ModerationEvent) => JSON.stringify(change);
export const probePayload = (seq: number) => JSON.stringify({ seq });
export const PROBE_EVENT = "probe";

/**
 * The enqueue statements on one SQLite connection. better-sqlite3 is synchronous, so a call made
 * inside a transaction of that connection (a key change, a cursor move) is part of it.
 */
export class SqliteOutboxWriter {
	private readonly toWebhooks: Database.Statement;
	private readonly toExperiences: Database.Statement;
	private readonly toOneWebhook: Database.Statement;
	private readonly toPushes: Database.Statement;
	private readonly probe: Database.Statement;

	constructor(db: Database.Database) {
		this.toWebhooks = db.prepare(
			`INSERT INTO outbox_deliveries (${DELIVERY_COLUMNS})
			 SELECT ${SQLITE_NEW_ID}, @guild, 'webhook', id, @type, @payload, 'pending', 0, @at, @at FROM webhooks
			 WHERE guild_id = @guild AND enabled = 1 AND EXISTS (SELECT 1 FROM json_each(webhooks.events) WHERE value = @type)
			 ORDER BY created_at, id`,
		);
		this.toExperiences = db.prepare(
			`INSERT INTO outbox_deliveries (${DELIVERY_COLUMNS})
			 SELECT ${SQLITE_NEW_ID}, @guild, 'experience', universe_id, @type, @payload, 'pending', 0, @at, @at FROM experience_links
			 WHERE guild_id = @guild AND status = 'ok' ORDER BY universe_id`,
		);
		this.toOneWebhook = db.prepare(
			`INSERT INTO outbox_deliveries (${DELIVERY_COLUMNS})
			 SELECT ${SQLITE_NEW_ID}, @guild, 'webhook', id, @type, @payload, 'pending', 0, @at, @at FROM webhooks
			 WHERE guild_id = @guild AND id = @webhook`,
		);
		// Pushes go to every link not known to be refused: `unknown` ones too, so a ban made before the first publish answered is not lost.
		this.toPushes = db.prepare(
			`INSERT INTO outbox_deliveries (${DELIVERY_COLUMNS})
			 SELECT ${SQLITE_NEW_ID}, @guild, 'push', universe_id, @type, @payload, 'pending', 0, @at, @at FROM experience_links
			 WHERE guild_id = @guild AND push_status <> 'failing' ORDER BY universe_id`,
		);
		this.probe = db.prepare(
			`INSERT INTO outbox_deliveries (${DELIVERY_COLUMNS})
			 VALUES (${SQLITE_NEW_ID}, @guild, 'push', @universe, '${PROBE_EVENT}', @payload, 'pending', 0, @at, @at)`,
		);
	}

	/** Each change, for every universe of the guild that may be pushed to. `now` (ms): when it is due. */
	enqueuePushes(guildId: string, changes: readonly ModerationEvent[], now: number): void {
		for (const change of changes) this.toPushes.run({ guild: guildId, type: change.event, payload: pushPayload(change), at: now });
	}

	/** The first publish of a link (saved, or given a new key): an empty message at `seq`. */
	enqueueProbe(guildId: string, universeId: string, seq: number, now: number): void {
		this.probe.run({ guild: guildId, universe: universeId, payload: probePayload(seq), at: now });
	}

	/** For every webhook asking for the event (and linked experience, for bans). `now` (ms): when the first attempt is due. */
	enqueue(event: OutboxEvent, now: number = event.at): void {
		const values = { guild: event.guildId, type: event.type, payload: eventPayload(event), at: now };
		this.toWebhooks.run(values);
		if (mirrored(event)) this.toExperiences.run(values);
	}

	/** For one webhook only, whatever it asks for (a test-send). */
	enqueueFor(webhookId: string, event: OutboxEvent): void {
		this.toOneWebhook.run({ guild: event.guildId, type: event.type, payload: eventPayload(event), at: event.at, webhook: webhookId });
	}
}

const POSTGRES_NEW_ID = "'msg_' || replace(gen_random_uuid()::text, '-', '')";

/** The same as `SqliteOutboxWriter.enqueue`, inside the caller's PostgreSQL transaction `tx`. */
export async function enqueueInPostgres(tx: Queryable, event: OutboxEvent, now: number = event.at): Promise<void> {
	const values = [event.guildId, event.type, eventPayload(event), now];
	await tx.rows(
		`INSERT INTO outbox_deliveries (${DELIVERY_COLUMNS})
		 SELECT ${POSTGRES_NEW_ID}, $1, 'webhook', id, $2, $3, 'pending', 0, $4, $4 FROM webhooks
		 WHERE guild_id = $1 AND enabled AND events::jsonb ? $2 ORDER BY created_at, id`,
		values,
	);
	if (mirrored(event)) {
		await tx.rows(
			`INSERT INTO outbox_deliveries (${DELIVERY_COLUMNS})
			 SELECT ${POSTGRES_NEW_ID}, $1, 'experience', universe_id, $2, $3, 'pending', 0, $4, $4 FROM experience_links
			 WHERE guild_id = $1 AND status = 'ok' ORDER BY universe_id`,
			values,
		);
	}
}

/** The same as `SqliteOutboxWriter.enqueueFor`, inside `tx`. */
export async function enqueueForInPostgres(tx: Queryable, webhookId: string, event: OutboxEvent): Promise<void> {
	await tx.rows(
		`INSERT INTO outbox_deliveries (${DELIVERY_COLUMNS})
		 SELECT ${POSTGRES_NEW_ID}, $1, 'webhook', id, $2, $3, 'pending', 0, $4, $4 FROM webhooks WHERE guild_id = $1 AND id = $5`,
		[event.guildId, event.type, eventPayload(event), event.at, webhookId],
	);
}

/** The same as `SqliteOutboxWriter.enqueuePushes`, inside `tx`. */
export async function enqueuePushesInPostgres(tx: Queryable, guildId: string, changes: readonly ModerationEvent[], now: number): Promise<void> {
	for (const change of changes) {
		await tx.rows(
			`INSERT INTO outbox_deliveries (${DELIVERY_COLUMNS})
			 SELECT ${POSTGRES_NEW_ID}, $1, 'push', universe_id, $2, $3, 'pending', 0, $4, $4 FROM experience_links
			 WHERE guild_id = $1 AND push_status <> 'failing' ORDER BY universe_id`,
			[guildId, change.event, pushPayload(change), now],
		);
	}
}

/** The same as `SqliteOutboxWriter.enqueueProbe`, inside `tx`. */
export async function enqueueProbeInPostgres(tx: Queryable, guildId: string, universeId: string, seq: number, now: number): Promise<void> {
	await tx.rows(
		`INSERT INTO outbox_deliveries (${DELIVERY_COLUMNS})
		 VALUES (${POSTGRES_NEW_ID}, $1, 'push', $2, '${PROBE_EVENT}', $3, 'pending', 0, $4, $4)`,
		[guildId, universeId, probePayload(seq), now],
	);
}
