// gateway/data-store/sqlite-moderation-store.ts
// The embedded ModerationStore: one SQLite file (WAL) under the data directory, via better-sqlite3.

import Database from "better-sqlite3";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import {
	REPLACED_LIFT_REASON,
	type ActivePage,
	type Clock,
	type LiftRequest,
	type ListPosition,
	type ModerationKind,
	type ModerationRecord,
	type ModerationStore,
	type NewModeration,
} from "./moderation-store";
import { listKey, toActivePage, toRecord, type RecordRow } from "./moderation-rows";

export interface SqliteModerationStoreOptions {
	/** Directory holding the database file; created when missing. */
	dataDir: string;
	/** File name inside `dataDir`. */
	fileName?: string;
	/** Milliseconds since the epoch; decides creation times and expiry. Default `Date.now`. */
	clock?: Clock;
}

/** Bumped with every schema change; `open` migrates older files forward. */
const SCHEMA_VERSION = 1;

// AUTOINCREMENT (not plain rowid) so ids are never reused after a delete by hand: history and
// replacement read "newest" by id.
// The partial indexes cover only unlifted rows, which are what every hot query reads.
const SCHEMA = `
CREATE TABLE IF NOT EXISTS moderation_records (
	id           INTEGER PRIMARY KEY AUTOINCREMENT,
	guild_id     TEXT    NOT NULL,
	kind         TEXT    NOT NULL CHECK (kind IN ('ban', 'mute')),
	roblox_id    INTEGER NOT NULL,
	place_id     INTEGER,
	reason       TEXT    NOT NULL,
	moderator_id INTEGER NOT NULL,
	job_id       TEXT,
	created_at   INTEGER NOT NULL,
	expires_at   INTEGER,
	lifted_at    INTEGER,
	lifted_by    INTEGER,
	lift_reason  TEXT
);
CREATE INDEX IF NOT EXISTS moderation_records_unlifted_by_user
	ON moderation_records (guild_id, kind, roblox_id) WHERE lifted_at IS NULL;
DROP INDEX IF EXISTS moderation_records_unlifted_by_id;
CREATE INDEX IF NOT EXISTS moderation_records_unlifted_in_list_order
	ON moderation_records (guild_id, kind, created_at, roblox_id, coalesce(place_id, 0)) WHERE lifted_at IS NULL;
CREATE INDEX IF NOT EXISTS moderation_records_by_user
	ON moderation_records (guild_id, kind, roblox_id, id);
`;

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
	private readonly findManyTransaction;

	private constructor(
		private readonly db: Database.Database,
		private readonly clock: Clock,
	) {
		this.statements = {
			insert: db.prepare<NewRow, RecordRow>(
				`INSERT INTO moderation_records
					(guild_id, kind, roblox_id, place_id, reason, moderator_id, job_id, created_at, expires_at)
				VALUES (@guildId, @kind, @robloxId, @placeId, @reason, @moderatorId, @jobId, @createdAt, @expiresAt)
				RETURNING *`,
			),
			// `place_id IS @placeId` matches NULL to NULL, so one statement replaces global and place records.
			liftSameScope: db.prepare<ScopeParams>(
				`UPDATE moderation_records SET lifted_at = @now, lifted_by = @moderatorId, lift_reason = @liftReason
				WHERE guild_id = @guildId AND kind = @kind AND roblox_id = @robloxId AND place_id IS @placeId
					AND ${ACTIVE}`,
			),
			liftAll: db.prepare<LiftParams, RecordRow>(
				`UPDATE moderation_records SET lifted_at = @now, lifted_by = @moderatorId, lift_reason = @liftReason
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
			history: db.prepare<HistoryParams, RecordRow>(
				`SELECT * FROM moderation_records
				WHERE guild_id = @guildId AND kind = @kind AND roblox_id = @robloxId ORDER BY id`,
			),
			ping: db.prepare("SELECT 1"),
		};
		this.imposeTransaction = db.transaction((row: NewRow) => {
			this.statements.liftSameScope.run({
				guildId: row.guildId,
				kind: row.kind,
				robloxId: row.robloxId,
				placeId: row.placeId,
				moderatorId: row.moderatorId,
				liftReason: REPLACED_LIFT_REASON,
				now: row.createdAt,
			});
			return this.statements.insert.get(row) as RecordRow;
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
			const version = db.pragma("user_version", { simple: true }) as number;
			if (version > SCHEMA_VERSION) {
				throw new Error(`moderation database schema ${version} is newer than this program (${SCHEMA_VERSION})`);
			}
			db.transaction(() => {
				db.exec(SCHEMA);
				db.pragma(`user_version = ${SCHEMA_VERSION}`);
			})();
			return new SqliteModerationStore(db, options.clock ?? Date.now);
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
		});
		return toRecord(row);
	}

	async lift(guildId: string, kind: ModerationKind, request: LiftRequest): Promise<ModerationRecord[]> {
		const rows = this.statements.liftAll.all({
			guildId,
			kind,
			robloxId: request.robloxId,
			moderatorId: request.moderatorId,
			liftReason: request.reason,
			now: this.clock(),
		});
		return rows.map(toRecord).sort((a, b) => a.id - b.id);
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

	async history(guildId: string, kind: ModerationKind, robloxId: number): Promise<ModerationRecord[]> {
		return this.statements.history.all({ guildId, kind, robloxId }).map(toRecord);
	}

	async ping(): Promise<void> {
		this.statements.ping.get();
	}

	async close(): Promise<void> {
		if (this.db.open) this.db.close();
	}
}

/** A record before insertion: the store assigns the id, and a new record is not lifted. */
type NewRow = Omit<ModerationRecord, "id" | "liftedAt" | "liftedBy" | "liftReason">;

interface ScopeParams {
	guildId: string;
	kind: ModerationKind;
	robloxId: number;
	placeId: number | null;
	moderatorId: number;
	liftReason: string;
	now: number;
}

interface LiftParams {
	guildId: string;
	kind: ModerationKind;
	robloxId: number;
	moderatorId: number | null;
	liftReason: string | null;
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
