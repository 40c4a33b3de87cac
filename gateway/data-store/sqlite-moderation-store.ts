// gateway/data-store/sqlite-moderation-store.ts
// The embedded ModerationStore: one SQLite file (WAL) under the data directory, via better-sqlite3.

import Database from "better-sqlite3";
import type { ServerCommandOrder } from "../../shared/records";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
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
	type PlannedRecord,
	type ImportOutcome,
	type ResetRule,
} from "./moderation-store";
import { migrateSqlite } from "../platform/db/migrations";
import { MODERATION_MIGRATIONS } from "./moderation-schema";
import { historyBefore, listKey, planImportPage, toActivePage, toChange, toHistoryPage, toRecord, type ChangeColumns, type RecordRow } from "./moderation-rows";

export interface SqliteModerationStoreOptions {
	/** Directory holding the database file; created when missing. */
	dataDir: string;
	/** File name inside `dataDir`. */
	fileName?: string;
	/** Milliseconds since the epoch; decides creation times and expiry. Default `Date.now`. */
	clock?: Clock;
	/** Default CHANGE_LOG_RETENTION; tests shrink it. */
	changeRetention?: ChangeRetention;
}

const ACTIVE = "lifted_at IS NULL AND (expires_at IS NULL OR expires_at > @now)";

/**
 * better-sqlite3 is synchronous, so each method runs to completion before the promise settles; the
 * async signatures exist so a networked backend fits the same interface.
 *
 * @example
 * const store = SqliteModerationStore.open({ dataDir: "./data" });
 * await store.impose("123456789012345678", "ban", { robloxId: 1, placeId: null, reason: "Exploiting",
 * 	moderatorId: 2, jobId: null, durationMs: null });
 */
export class SqliteModerationStore implements ModerationStore {
	private readonly statements;
	private readonly imposeTransaction;
	private readonly liftTransaction;
	private readonly changesTransaction;
	private readonly commandTransaction;
	private readonly findManyTransaction;
	private readonly importTransaction;
	private readonly recordChange: (guildId: string, event: ChangeEvent | "reset" | "command", recordId: number | null, jobId: string | null, at: number, command?: string) => number;

	private constructor(
		private readonly db: Database.Database,
		private readonly clock: Clock,
		retention: ChangeRetention,
	) {
		this.statements = {
			insert: db.prepare<NewRow, RecordRow>(
				`INSERT INTO moderation_records
					(guild_id, kind, roblox_id, place_id, reason, moderator_id, job_id, created_at, expires_at, moderator_actor)
				VALUES (@guildId, @kind, @robloxId, @placeId, @reason, @moderatorId, @jobId, @createdAt, @expiresAt, @moderatorActor)
				RETURNING *`,
			),
			// `place_id IS @placeId` matches NULL to NULL, so one statement replaces global and place records.
			liftSameScope: db.prepare<ScopeParams>(
				`UPDATE moderation_records SET lifted_at = @now, lifted_by = @moderatorId, lift_reason = @liftReason,
					lifted_by_actor = @actor
				WHERE guild_id = @guildId AND kind = @kind AND roblox_id = @robloxId AND place_id IS @placeId
					AND ${ACTIVE}`,
			),
			liftAll: db.prepare<LiftParams, RecordRow>(
				`UPDATE moderation_records SET lifted_at = @now, lifted_by = @moderatorId, lift_reason = @liftReason,
					lifted_by_actor = @actor
				WHERE guild_id = @guildId AND kind = @kind AND roblox_id = @robloxId AND ${ACTIVE}
				RETURNING *`,
			),
			findActive: db.prepare<FindParams, RecordRow>(
				`SELECT * FROM moderation_records
				WHERE guild_id = @guildId AND kind = @kind AND roblox_id = @robloxId AND ${ACTIVE}
					AND (place_id IS NULL OR place_id = @placeId)
				ORDER BY expires_at IS NULL DESC, expires_at DESC, place_id IS NULL DESC, id DESC
				LIMIT 1`,
			),
			listActive: db.prepare<ListParams, RecordRow>(
				`SELECT * FROM moderation_records
				WHERE guild_id = @guildId AND kind = @kind AND ${ACTIVE}
					AND (created_at, roblox_id, coalesce(place_id, 0)) > (@createdAt, @robloxId, @placeKey)
				ORDER BY created_at, roblox_id, coalesce(place_id, 0) LIMIT @limit`,
			),
			countActive: db.prepare<{ guildId: string; kind: ModerationKind; now: number }, { count: number }>(
				`SELECT count(*) AS count FROM moderation_records WHERE guild_id = @guildId AND kind = @kind AND ${ACTIVE}`,
			),
			history: db.prepare<HistoryParams, RecordRow>(
				`SELECT * FROM moderation_records
				WHERE guild_id = @guildId AND kind = @kind AND roblox_id = @robloxId ORDER BY id`,
			),
			historyPage: db.prepare<{ guildId: string; robloxId: number; before: number; limit: number }, RecordRow & { ordinal: number }>(
				`SELECT * FROM (
					SELECT *, row_number() OVER (ORDER BY id) AS ordinal FROM moderation_records
					WHERE guild_id = @guildId AND kind IN ('ban', 'mute') AND roblox_id = @robloxId
				) WHERE ordinal < @before ORDER BY id DESC LIMIT @limit`,
			),
			nextSeq: db.prepare<{ guildId: string }, { head: number }>(
				`INSERT INTO moderation_change_heads (guild_id, head) VALUES (@guildId, 1)
				ON CONFLICT (guild_id) DO UPDATE SET head = head + 1 RETURNING head`,
			),
			appendChange: db.prepare<ChangeRow>(
				`INSERT INTO moderation_changes (guild_id, seq, event, record_id, job_id, at, command)
				VALUES (@guildId, @seq, @event, @recordId, @jobId, @at, @command)`,
			),
			pruneChanges: db.prepare<{ guildId: string; below: number; before: number }>(
				"DELETE FROM moderation_changes WHERE guild_id = @guildId AND seq <= @below AND at < @before",
			),
			changesAfter: db.prepare<{ guildId: string; after: number; limit: number }, RecordRow & ChangeColumns>(
				`SELECT r.*, c.seq AS change_seq, c.event AS change_event, c.job_id AS change_job_id, c.at AS change_at,
					c.command AS change_command
				FROM moderation_changes c LEFT JOIN moderation_records r ON r.id = c.record_id
				WHERE c.guild_id = @guildId AND c.seq > @after ORDER BY c.seq LIMIT @limit`,
			),
			changeBounds: db.prepare<{ guildId: string }, { head: number | null; oldest: number | null }>(
				`SELECT (SELECT head FROM moderation_change_heads WHERE guild_id = @guildId) AS head,
					(SELECT min(seq) FROM moderation_changes WHERE guild_id = @guildId) AS oldest`,
			),
			usersRecords: db.prepare<{ guildId: string; users: string }, RecordRow>(
				"SELECT * FROM moderation_records WHERE guild_id = @guildId AND roblox_id IN (SELECT value FROM json_each(@users))",
			),
			insertImported: db.prepare<PlannedRecord & { guildId: string }>(
				`INSERT INTO moderation_records (guild_id, kind, roblox_id, place_id, reason, moderator_id, job_id, created_at,
					expires_at, lifted_at, lifted_by, lift_reason, moderator_actor, lifted_by_actor)
				VALUES (@guildId, @kind, @robloxId, @placeId, @reason, @moderatorId, @jobId, @createdAt, @expiresAt, @liftedAt,
					@liftedBy, @liftReason, @moderatorActor, @liftedByActor)`,
			),
			liftReplaced: db.prepare<{ id: number; at: number; by: number; actor: string | null }>(
				`UPDATE moderation_records SET lifted_at = @at, lifted_by = @by, lift_reason = '${REPLACED_LIFT_REASON}',
					lifted_by_actor = @actor WHERE id = @id`,
			),
			allRecords: db.prepare<{ guildId: string; after: number; limit: number }, RecordRow>(
				"SELECT * FROM moderation_records WHERE guild_id = @guildId AND id > @after ORDER BY id LIMIT @limit",
			),
			ping: db.prepare("SELECT 1"),
		};
		this.recordChange = (guildId, event, recordId, jobId, at, command) => {
			const { head } = this.statements.nextSeq.get({ guildId }) as { head: number };
			this.statements.appendChange.run({ guildId, seq: head, event, recordId, jobId, at, command: command ?? null });
			this.statements.pruneChanges.run({
				guildId,
				below: head - retention.changes,
				before: at - retention.ms,
			});
			return head;
		};
		this.commandTransaction = db.transaction((guildId: string, command: ServerCommandOrder, at: number) =>
			this.recordChange(guildId, "command", null, command.job_id, at, JSON.stringify(command)),
		);
		this.imposeTransaction = db.transaction((row: NewRow) => {
			this.statements.liftSameScope.run({
				guildId: row.guildId,
				kind: row.kind,
				robloxId: row.robloxId,
				placeId: row.placeId,
				moderatorId: row.moderatorId,
				liftReason: REPLACED_LIFT_REASON,
				actor: row.moderatorActor,
				now: row.createdAt,
			});
			const inserted = this.statements.insert.get(row) as RecordRow;
			this.recordChange(inserted.guild_id, changeEvent(row.kind, false), inserted.id, row.jobId, row.createdAt);
			return inserted;
		});
		this.liftTransaction = db.transaction((params: LiftParams, jobId: string | null) => {
			const lifted = this.statements.liftAll.all(params).sort((a, b) => a.id - b.id);
			for (const row of lifted) this.recordChange(row.guild_id, changeEvent(params.kind, true), row.id, jobId, params.now);
			return lifted;
		});
		this.changesTransaction = db.transaction((guildId: string, after: number, limit: number): ChangePage => {
			const rows = this.statements.changesAfter.all({ guildId, after, limit });
			const bounds = this.statements.changeBounds.get({ guildId }) as { head: number | null; oldest: number | null };
			return {
				changes: rows.map(toChange),
				head: bounds.head ?? 0,
				oldest: bounds.oldest,
			};
		});
		// One transaction gives every id of a batch the same snapshot of the table.
		this.findManyTransaction = db.transaction((base: Omit<FindParams, "robloxId">, robloxIds: readonly number[]) => {
			const found = new Map<number, ModerationRecord>();
			for (const robloxId of robloxIds) {
				const row = this.statements.findActive.get({ ...base, robloxId });
				if (row !== undefined) found.set(robloxId, toRecord(row));
			}
			return found;
		});
		this.importTransaction = db.transaction((guildId: string, records: readonly ImportedRecord[], reset: ResetRule, now: number): ImportOutcome => {
			const users = JSON.stringify([...new Set(records.map((record) => record.robloxId))]);
			const plan = planImportPage(records, this.statements.usersRecords.all({ guildId, users }).map(toRecord), now);
			for (const lift of plan.lifts) this.statements.liftReplaced.run({ id: lift.id, at: lift.liftedAt, by: lift.liftedBy, actor: lift.liftedByActor });
			for (const record of plan.inserts) this.statements.insertImported.run({ guildId, ...record });
			const imported = plan.inserts.length;
			if (reset === "always" || (reset === "if_imported" && imported > 0)) this.recordChange(guildId, "reset", null, null, now);
			return { imported, skipped: records.length - imported };
		});
	}

	/** Opens (creating when missing) the database file and brings its schema up to date. */
	static open(options: SqliteModerationStoreOptions): SqliteModerationStore {
		mkdirSync(options.dataDir, { recursive: true });
		const db = new Database(join(options.dataDir, options.fileName ?? "moderation.sqlite"));
		try {
			db.pragma("journal_mode = WAL");
			// NORMAL is durable across process crashes in WAL mode; only power loss can drop the last commits.
			db.pragma("synchronous = NORMAL");
			// The gateway and CLI tools may open the same file; wait for a writer instead of failing.
			db.pragma("busy_timeout = 5000");
			migrateSqlite(db, MODERATION_MIGRATIONS);
			return new SqliteModerationStore(db, options.clock ?? Date.now, options.changeRetention ?? CHANGE_LOG_RETENTION);
		} catch (error) {
			db.close();
			throw error;
		}
	}

	async impose(guildId: string, kind: ModerationKind, input: NewModeration): Promise<ModerationRecord> {
		const now = this.clock();
		const row = this.imposeTransaction({
			guildId,
			kind,
			robloxId: input.robloxId,
			placeId: input.placeId,
			reason: input.reason,
			moderatorId: input.moderatorId,
			jobId: input.jobId,
			createdAt: now,
			expiresAt: input.durationMs === null ? null : now + input.durationMs,
			moderatorActor: input.actor ?? null,
		});
		return toRecord(row);
	}

	async lift(guildId: string, kind: ModerationKind, request: LiftRequest): Promise<ModerationRecord[]> {
		const params = { guildId, kind, robloxId: request.robloxId, moderatorId: request.moderatorId, liftReason: request.reason, actor: request.actor ?? null, now: this.clock() };
		return this.liftTransaction(params, request.jobId ?? null).map(toRecord);
	}

	async changesAfter(guildId: string, after: number, limit: number): Promise<ChangePage> {
		return this.changesTransaction(guildId, after, limit);
	}

	async appendCommand(guildId: string, command: ServerCommandOrder): Promise<number> {
		return this.commandTransaction.immediate(guildId, command, this.clock());
	}

	async importRecords(guildId: string, records: readonly ImportedRecord[], reset: ResetRule): Promise<ImportOutcome> {
		return this.importTransaction.immediate(guildId, records, reset, this.clock());
	}

	async allRecords(guildId: string, after: number, limit: number): Promise<ModerationRecord[]> {
		return this.statements.allRecords.all({ guildId, after, limit }).map(toRecord);
	}

	async findActive(
		guildId: string,
		kind: ModerationKind,
		robloxId: number,
		placeId: number | null,
	): Promise<ModerationRecord | null> {
		const row = this.statements.findActive.get({ guildId, kind, robloxId, placeId, now: this.clock() });
		return row === undefined ? null : toRecord(row);
	}

	async findActiveMany(
		guildId: string,
		kind: ModerationKind,
		robloxIds: readonly number[],
		placeId: number | null,
	): Promise<Map<number, ModerationRecord>> {
		return this.findManyTransaction({ guildId, kind, placeId, now: this.clock() }, robloxIds);
	}

	async listActive(
		guildId: string,
		kind: ModerationKind,
		page: { limit: number; after: ListPosition | null },
	): Promise<ActivePage> {
		// One row beyond the page tells whether another page exists without a second query.
		const rows = this.statements.listActive.all({
			guildId,
			kind,
			...listKey(page.after),
			limit: page.limit + 1,
			now: this.clock(),
		});
		return toActivePage(rows, page.limit);
	}

	async countActive(guildId: string, kind: ModerationKind): Promise<number> {
		return (this.statements.countActive.get({ guildId, kind, now: this.clock() }) as { count: number }).count;
	}

	async history(guildId: string, kind: ModerationKind, robloxId: number): Promise<ModerationRecord[]> {
		return this.statements.history.all({ guildId, kind, robloxId }).map(toRecord);
	}

	async historyPage(guildId: string, robloxId: number, page: { limit: number; before: number | null }): Promise<HistoryPage> {
		const rows = this.statements.historyPage.all({ guildId, robloxId, before: historyBefore(page.before), limit: page.limit + 1 });
		return toHistoryPage(rows, page.limit);
	}

	async ping(): Promise<void> {
		this.statements.ping.get();
	}

	async close(): Promise<void> {
		if (this.db.open) this.db.close();
	}
}

/** A record before insertion: the store assigns the id, and a new record is not lifted. */
type NewRow = Omit<ModerationRecord, "id" | "liftedAt" | "liftedBy" | "liftReason" | "liftedByActor">;

interface ScopeParams {
	guildId: string;
	kind: ModerationKind;
	robloxId: number;
	placeId: number | null;
	moderatorId: number;
	liftReason: string;
	actor: string | null;
	now: number;
}

interface ChangeRow {
	guildId: string;
	seq: number;
	event: ChangeEvent | "reset" | "command";
	recordId: number | null;
	jobId: string | null;
	at: number;
	command: string | null;
}

interface LiftParams {
	guildId: string;
	kind: ModerationKind;
	robloxId: number;
	moderatorId: number | null;
	liftReason: string | null;
	actor: string | null;
	now: number;
}

interface FindParams {
	guildId: string;
	kind: ModerationKind;
	robloxId: number;
	placeId: number | null;
	now: number;
}

interface ListParams extends ReturnType<typeof listKey> {
	guildId: string;
	kind: ModerationKind;
	limit: number;
	now: number;
}

interface HistoryParams {
	guildId: string;
	kind: ModerationKind;
	robloxId: number;
}
