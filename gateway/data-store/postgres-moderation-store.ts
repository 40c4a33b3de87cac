// gateway/data-store/postgres-moderation-store.ts
// The shared ModerationStore: bans and mutes in PostgreSQL, read and written by every gateway instance.

import type { ServerCommandOrder } from "../../shared/records";
import { PostgresDatabase, type PostgresOptions, type Queryable } from "../platform/db/postgres-database";
import { MODERATION_MIGRATIONS } from "./moderation-schema";
import { historyBefore, listKey, planImportPage, toActivePage, toChange, toHistoryPage, toRecord, type ChangeColumns, type RecordRow } from "./moderation-rows";
import {
	CHANGE_LOG_RETENTION,
	REPLACED_LIFT_REASON,
	changeEvent,
	type ChangeEvent,
	type ChangeRetention,
	type ChangePage,
	type ActivePage,
	type Clock,
	type LiftRequest,
	type ListPosition,
	type ModerationKind,
	type ModerationRecord,
	type ModerationStore,
	type NewModeration,
	type HistoryPage,
	type ImportedRecord,
	type ImportOutcome,
	type ResetRule,
	type PlannedRecord,
} from "./moderation-store";

export interface PostgresModerationStoreOptions extends PostgresOptions {
	/** Milliseconds since the epoch; decides creation times and expiry. Default `Date.now`. */
	clock?: Clock;
	/** Default CHANGE_LOG_RETENTION; tests shrink it. */
	changeRetention?: ChangeRetention;
}

const COLUMNS =
	"id, guild_id, kind, roblox_id, place_id, reason, moderator_id, job_id, created_at, expires_at, lifted_at, lifted_by, lift_reason, moderator_actor, lifted_by_actor";

/** `$now` is the parameter number holding the store's clock reading. */
const active = (now: number) => `lifted_at IS NULL AND (expires_at IS NULL OR expires_at > $${now})`;

/** When several records apply, the one lasting longest (permanent first), then the global one. */
const STRONGEST_FIRST = "expires_at IS NULL DESC, expires_at DESC, place_id IS NULL DESC, id DESC";

/**
 * The ban-status (and mute-status) lookup: $1 guild, $2 kind, $3 Roblox id, $4 place or null, $5 now.
 * Exported so the test and the scale bench can EXPLAIN the very statement the store runs.
 */
export const FIND_ACTIVE_SQL = `SELECT ${COLUMNS} FROM moderation_records
	WHERE guild_id = $1 AND kind = $2 AND roblox_id = $3 AND ${active(5)} AND (place_id IS NULL OR place_id = $4)
	ORDER BY ${STRONGEST_FIRST} LIMIT 1`;

/** An imported record's columns, its fields and their array types, in one order (a bulk insert's `unnest`). */
const IMPORTED_FIELDS = [
	"kind",
	"robloxId",
	"placeId",
	"reason",
	"moderatorId",
	"jobId",
	"createdAt",
	"expiresAt",
	"liftedAt",
	"liftedBy",
	"liftReason",
	"moderatorActor",
	"liftedByActor",
] as const satisfies readonly (keyof PlannedRecord)[];
const IMPORTED_COLUMNS = IMPORTED_FIELDS.map((field) => field.replace(/[A-Z]/g, (letter) => `_${letter.toLowerCase()}`));
const IMPORTED_TYPES = ["text", "bigint", "bigint", "text", "bigint", "text", "bigint", "bigint", "bigint", "bigint", "text", "text", "text"];

/** One array per field, for `unnest`. */
function columnsOf<Row, Field extends keyof Row>(rows: readonly Row[], fields: readonly Field[]): unknown[][] {
	return fields.map((field) => rows.map((row) => row[field]));
}

/** Each change notifies this channel (payload: the guild) on commit, so other instances' event streams wake. */
export const CHANGE_NOTIFY_CHANNEL = "technified_changes";

/** Appends to the guild's change log inside the change's own transaction, and prunes what retention allows. */
async function recordChange(
	tx: Queryable,
	retention: ChangeRetention,
	guildId: string,
	event: ChangeEvent | "reset" | "command",
	recordId: number | null,
	jobId: string | null,
	at: number,
	command: string | null = null,
): Promise<number> {
	const [{ head }] = await tx.rows<{ head: number }>(
		`INSERT INTO moderation_change_heads (guild_id, head) VALUES ($1, 1)
		 ON CONFLICT (guild_id) DO UPDATE SET head = moderation_change_heads.head + 1 RETURNING head`,
		[guildId],
	);
	await tx.rows(
		"INSERT INTO moderation_changes (guild_id, seq, event, record_id, job_id, at, command) VALUES ($1, $2, $3, $4, $5, $6, $7)",
		[guildId, head, event, recordId, jobId, at, command],
	);
	await tx.rows("SELECT pg_notify($1, $2)", [CHANGE_NOTIFY_CHANNEL, guildId]);
	await tx.rows("DELETE FROM moderation_changes WHERE guild_id = $1 AND seq <= $2 AND at < $3", [
		guildId,
		head - retention.changes,
		at - retention.ms,
	]);
	return head;
}

/**
 * Every statement filters on (guild, kind, user) or (guild, kind, id) over unlifted rows, which the
 * partial indexes of migration 0002 answer directly, so ban status stays one index lookup at any size.
 *
 * @example
 * const store = await PostgresModerationStore.open({ connectionString: process.env.DATABASE_URL! });
 * await startDataStore({ store, internalToken });
 */
export class PostgresModerationStore implements ModerationStore {
	private constructor(
		private readonly db: PostgresDatabase,
		private readonly clock: Clock,
		private readonly retention: ChangeRetention,
	) {}

	/** Connects and applies pending migrations. */
	static async open(options: PostgresModerationStoreOptions): Promise<PostgresModerationStore> {
		return new PostgresModerationStore(
			await PostgresDatabase.open(options, MODERATION_MIGRATIONS),
			options.clock ?? Date.now,
			options.changeRetention ?? CHANGE_LOG_RETENTION,
		);
	}

	async impose(guildId: string, kind: ModerationKind, input: NewModeration): Promise<ModerationRecord> {
		return this.db.transaction(async (tx) => {
			// Writers of one guild and kind take turns (advisory lock held to commit), for two reasons:
			// two bans of one user and scope cannot both miss the other and both stay active; and ids are
			// drawn and committed in the same order, so a record never appears behind a list cursor a
			// client already holds (with free concurrency, id 10 could commit after id 11 was listed).
			await tx.rows("SELECT pg_advisory_xact_lock(hashtextextended('technified.moderation:' || current_schema() || ':' || $1 || ':' || $2, 0))", [
				guildId,
				kind,
			]);
			// Read after the lock, so creation times follow id order within the guild and kind too.
			const now = this.clock();
			await tx.rows(
				`UPDATE moderation_records SET lifted_at = $5, lifted_by = $6, lift_reason = $7, lifted_by_actor = $8
				 WHERE guild_id = $1 AND kind = $2 AND roblox_id = $3 AND place_id IS NOT DISTINCT FROM $4 AND ${active(5)}`,
				[guildId, kind, input.robloxId, input.placeId, now, input.moderatorId, REPLACED_LIFT_REASON, input.actor ?? null],
			);
			const [row] = await tx.rows<RecordRow>(
				`INSERT INTO moderation_records
				 (guild_id, kind, roblox_id, place_id, reason, moderator_id, job_id, created_at, expires_at, moderator_actor)
				 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING ${COLUMNS}`,
				[
					guildId,
					kind,
					input.robloxId,
					input.placeId,
					input.reason,
					input.moderatorId,
					input.jobId,
					now,
					input.durationMs === null ? null : now + input.durationMs,
					input.actor ?? null,
				],
			);
			await recordChange(tx, this.retention, guildId, changeEvent(kind, false), row.id, input.jobId, now);
			return toRecord(row);
		});
	}

	async lift(guildId: string, kind: ModerationKind, request: LiftRequest): Promise<ModerationRecord[]> {
		return this.db.transaction(async (tx) => {
			const now = this.clock();
			const rows = await tx.rows<RecordRow>(
				`UPDATE moderation_records SET lifted_at = $4, lifted_by = $5, lift_reason = $6, lifted_by_actor = $7
				 WHERE guild_id = $1 AND kind = $2 AND roblox_id = $3 AND ${active(4)}
				 RETURNING ${COLUMNS}`,
				[guildId, kind, request.robloxId, now, request.moderatorId, request.reason, request.actor ?? null],
			);
			rows.sort((a, b) => a.id - b.id);
			for (const row of rows) await recordChange(tx, this.retention, guildId, changeEvent(kind, true), row.id, request.jobId ?? null, now);
			return rows.map(toRecord);
		});
	}

	async changesAfter(guildId: string, after: number, limit: number): Promise<ChangePage> {
		// One statement, so the page and its bounds come from the same snapshot.
		// BIGINT columns arrive as numbers (see PostgresDatabase); a guild without changes gives one row of nulls.
		const rows = await this.db.rows<RecordRow & Omit<ChangeColumns, "change_seq"> & { change_seq: number | null; head: number | null; oldest: number | null }>(
			`WITH bounds AS (
				SELECT (SELECT head FROM moderation_change_heads WHERE guild_id = $1) AS head,
				       (SELECT min(seq) FROM moderation_changes WHERE guild_id = $1) AS oldest
			 )
			 SELECT bounds.head, bounds.oldest, page.* FROM bounds LEFT JOIN LATERAL (
				SELECT ${COLUMNS.split(", ").map((column) => `r.${column}`).join(", ")},
				       c.seq AS change_seq, c.event AS change_event, c.job_id AS change_job_id, c.at AS change_at,
				       c.command AS change_command
				FROM moderation_changes c LEFT JOIN moderation_records r ON r.id = c.record_id
				WHERE c.guild_id = $1 AND c.seq > $2 ORDER BY c.seq LIMIT $3
			 ) page ON true`,
			[guildId, after, limit],
		);
		const bounds = rows[0];
		return {
			changes: rows.flatMap((row) => (row.change_seq === null ? [] : [toChange({ ...row, change_seq: row.change_seq })])),
			head: bounds?.head ?? 0,
			oldest: bounds?.oldest ?? null,
		};
	}

	async appendCommand(guildId: string, command: ServerCommandOrder): Promise<number> {
		return this.db.transaction((tx) => recordChange(tx, this.retention, guildId, "command", null, command.job_id, this.clock(), JSON.stringify(command)));
	}

	async importRecords(guildId: string, records: readonly ImportedRecord[], reset: ResetRule): Promise<ImportOutcome> {
		return this.db.transaction(async (tx) => {
			// The same turn-taking as `impose`, for both kinds an import may write.
			for (const kind of ["ban", "mute"]) {
				await tx.rows("SELECT pg_advisory_xact_lock(hashtextextended('technified.moderation:' || current_schema() || ':' || $1 || ':' || $2, 0))", [
					guildId,
					kind,
				]);
			}
			const now = this.clock();
			const existing = await tx.rows<RecordRow>(`SELECT ${COLUMNS} FROM moderation_records WHERE guild_id = $1 AND roblox_id = ANY($2::bigint[])`, [
				guildId,
				[...new Set(records.map((record) => record.robloxId))],
			]);
			const { inserts, lifts } = planImportPage(records, existing.map(toRecord), now);
			// Two statements for the whole page, whatever its size: arrays in, one row per element.
			if (lifts.length > 0) {
				await tx.rows(
					`UPDATE moderation_records m SET lifted_at = u.at, lifted_by = u.by, lift_reason = $1, lifted_by_actor = u.actor
					 FROM unnest($2::bigint[], $3::bigint[], $4::bigint[], $5::text[]) AS u(id, at, by, actor) WHERE m.id = u.id`,
					[REPLACED_LIFT_REASON, ...columnsOf(lifts, ["id", "liftedAt", "liftedBy", "liftedByActor"])],
				);
			}
			if (inserts.length > 0) {
				await tx.rows(
					`INSERT INTO moderation_records (guild_id, ${IMPORTED_COLUMNS.join(", ")})
					 SELECT $1, ${IMPORTED_COLUMNS.join(", ")} FROM unnest(${IMPORTED_TYPES.map((type, at) => `$${at + 2}::${type}[]`).join(", ")})
					 WITH ORDINALITY AS u(${IMPORTED_COLUMNS.join(", ")}, position) ORDER BY position`,
					[guildId, ...columnsOf(inserts, IMPORTED_FIELDS)],
				);
			}
			const imported = inserts.length;
			if (reset === "always" || (reset === "if_imported" && imported > 0)) await recordChange(tx, this.retention, guildId, "reset", null, null, now);
			return { imported, skipped: records.length - imported };
		});
	}

	async allRecords(guildId: string, after: number, limit: number): Promise<ModerationRecord[]> {
		const rows = await this.db.rows<RecordRow>(`SELECT ${COLUMNS} FROM moderation_records WHERE guild_id = $1 AND id > $2 ORDER BY id LIMIT $3`, [
			guildId,
			after,
			limit,
		]);
		return rows.map(toRecord);
	}

	async findActive(
		guildId: string,
		kind: ModerationKind,
		robloxId: number,
		placeId: number | null,
	): Promise<ModerationRecord | null> {
		const [row] = await this.db.rows<RecordRow>(FIND_ACTIVE_SQL, [guildId, kind, robloxId, placeId, this.clock()]);
		return row === undefined ? null : toRecord(row);
	}

	async findActiveMany(
		guildId: string,
		kind: ModerationKind,
		robloxIds: readonly number[],
		placeId: number | null,
	): Promise<Map<number, ModerationRecord>> {
		if (robloxIds.length === 0) return new Map();
		// One statement, so every id of the batch is answered from the same snapshot.
		const rows = await this.db.rows<RecordRow>(
			`SELECT DISTINCT ON (roblox_id) ${COLUMNS} FROM moderation_records
			 WHERE guild_id = $1 AND kind = $2 AND roblox_id = ANY($3::bigint[]) AND ${active(5)}
				AND (place_id IS NULL OR place_id = $4)
			 ORDER BY roblox_id, ${STRONGEST_FIRST}`,
			[guildId, kind, robloxIds, placeId, this.clock()],
		);
		return new Map(rows.map((row) => [row.roblox_id, toRecord(row)]));
	}

	async listActive(
		guildId: string,
		kind: ModerationKind,
		page: { limit: number; after: ListPosition | null },
	): Promise<ActivePage> {
		const after = listKey(page.after);
		const rows = await this.db.rows<RecordRow>(
			`SELECT ${COLUMNS} FROM moderation_records
			 WHERE guild_id = $1 AND kind = $2 AND (created_at, roblox_id, coalesce(place_id, 0)) > ($3, $4, $5)
			   AND ${active(7)}
			 ORDER BY created_at, roblox_id, coalesce(place_id, 0) LIMIT $6`,
			[guildId, kind, after.createdAt, after.robloxId, after.placeKey, page.limit + 1, this.clock()],
		);
		return toActivePage(rows, page.limit);
	}

	async countActive(guildId: string, kind: ModerationKind): Promise<number> {
		const rows = await this.db.rows<{ count: number }>(
			`SELECT count(*)::integer AS count FROM moderation_records WHERE guild_id = $1 AND kind = $2 AND ${active(3)}`,
			[guildId, kind, this.clock()],
		);
		return rows[0].count;
	}

	async history(guildId: string, kind: ModerationKind, robloxId: number): Promise<ModerationRecord[]> {
		const rows = await this.db.rows<RecordRow>(
			`SELECT ${COLUMNS} FROM moderation_records WHERE guild_id = $1 AND kind = $2 AND roblox_id = $3 ORDER BY id`,
			[guildId, kind, robloxId],
		);
		return rows.map(toRecord);
	}

	async historyPage(guildId: string, robloxId: number, page: { limit: number; before: number | null }): Promise<HistoryPage> {
		// A user's records are few: numbering them all costs less than a second query. Naming both kinds
		// lets the (guild, kind, user, id) index of migration 0002 answer it.
		const rows = await this.db.rows<RecordRow & { ordinal: number }>(
			`SELECT * FROM (
				SELECT ${COLUMNS}, row_number() OVER (ORDER BY id) AS ordinal FROM moderation_records
				WHERE guild_id = $1 AND kind IN ('ban', 'mute') AND roblox_id = $2
			 ) numbered WHERE ordinal < $3 ORDER BY id DESC LIMIT $4`,
			[guildId, robloxId, historyBefore(page.before), page.limit + 1],
		);
		return toHistoryPage(rows, page.limit);
	}

	async ping(): Promise<void> {
		await this.db.ping();
	}

	async close(): Promise<void> {
		await this.db.close();
	}
}
