// gateway/data-store/moderation-store.ts
// The storage interface for bans and mutes: the HTTP layer talks only to this, whatever the backend.

import type { ServerCommandOrder } from "../../shared/records";

/** Bans keep a player out; mutes keep them quiet. Both are stored and queried the same way. */
export type ModerationKind = "ban" | "mute";

/** Milliseconds since the epoch; injected so tests can move time instead of sleeping. */
export type Clock = () => number;

/**
 * One ban or mute, active or not. Rows are never deleted: lifting one (unban, unmute, or a newer
 * ban replacing it) fills the `lifted*` fields, so the history of a user stays readable.
 * Times are milliseconds since the epoch; Roblox ids are safe integers.
 */
export interface ModerationRecord {
	/** Increases with every record a store creates; list cursors rely on that. */
	id: number;
	guildId: string;
	kind: ModerationKind;
	robloxId: number;
	/** null: applies in every place of the game; otherwise only in this place. */
	placeId: number | null;
	reason: string;
	moderatorId: number;
	/** The Roblox server (JobId) the moderator acted from, when the game sent it. */
	jobId: string | null;
	createdAt: number;
	/** null: permanent. The record stops applying at this instant. */
	expiresAt: number | null;
	liftedAt: number | null;
	liftedBy: number | null;
	liftReason: string | null;
	/** Who imposed it when that was not a Roblox moderator (the dashboard): `discord:<user id>` or `admin_token`; `moderatorId` is then 0. */
	moderatorActor: string | null;
	/** The same for `liftedBy`: who lifted it from the dashboard. */
	liftedByActor: string | null;
}

export interface NewModeration {
	robloxId: number;
	placeId: number | null;
	reason: string;
	moderatorId: number;
	jobId: string | null;
	/** How long it lasts from now, in ms; null: permanent. */
	durationMs: number | null;
	/** Who acted when no Roblox moderator did (see `ModerationRecord.moderatorActor`). */
	actor?: string | null;
}

export interface LiftRequest {
	robloxId: number;
	/** Optional on unban and unmute, as in the hosted API. */
	moderatorId: number | null;
	reason: string | null;
	/** The Roblox server the lift came from, kept in the change log. */
	jobId?: string | null;
	/** Who lifted it when no Roblox moderator did (see `ModerationRecord.liftedByActor`). */
	actor?: string | null;
}

/** What a change did, as the event stream names it. */
export type ChangeEvent = "ban" | "unban" | "mute" | "unmute";

/**
 * One entry of a guild's change log, written in the same transaction as the change: a ban or mute
 * imposed (the new record), or lifted (the lifted record, one entry for each). `seq` counts per guild
 * from 1, with no gaps, in commit order.
 */
export type ModerationChange =
	| {
			seq: number;
			event: ChangeEvent;
			record: ModerationRecord;
			/** The Roblox server that made the change, when it said (`job_id`). */
			jobId: string | null;
			/** Milliseconds since the epoch. */
			at: number;
	  }
	/** Many records changed at once (an import): whoever follows the log re-checks everyone. */
	| { seq: number; event: "reset"; record: null; jobId: null; at: number }
	/** An order for live servers (docs/fleets.md): `jobId` is its target, null for every live server. */
	| { seq: number; event: "command"; record: null; jobId: string | null; command: ServerCommandOrder; at: number };

/**
 * One record as an import brings it, with its whole state: times in ms, lifted or not. `moderatorActor`
 * (and `liftedByActor`) name who acted when that was no Roblox user; `moderatorId` is then 0.
 */
export type ImportedRecord = Omit<ModerationRecord, "id" | "guildId" | "createdAt"> & {
	/** null: now, and already there when the user has an active record of the kind and scope. */
	createdAt: number | null;
};

/** An imported record as written: its creation instant known. */
export type PlannedRecord = Omit<ModerationRecord, "id" | "guildId">;

/**
 * When an import's page writes the one `reset` of the import: never (a page before the last), if it
 * wrote anything (the last page of an import that wrote nothing before), or always (the last page
 * after earlier pages wrote records).
 */
export type ResetRule = "never" | "if_imported" | "always";

/** What an import did: records written, and records skipped because the guild already had them. */
export interface ImportOutcome {
	imported: number;
	skipped: number;
}

export interface ChangePage {
	changes: ModerationChange[];
	/** The guild's latest sequence (0 before its first change). */
	head: number;
	/** The oldest sequence still kept; null when the log holds nothing for the guild. */
	oldest: number | null;
}

/** How much of a guild's change log is kept: a change goes once it is older than `ms` and beyond the last `changes`. */
export interface ChangeRetention {
	changes: number;
	ms: number;
}

/** The contract's floor: at least a day, and at least the last 10,000 changes. */
export const CHANGE_LOG_RETENTION: ChangeRetention = { changes: 10_000, ms: 24 * 3_600_000 };

/** The change an impose or lift of `kind` writes. */
export const changeEvent = (kind: ModerationKind, lifted: boolean): ChangeEvent =>
	lifted ? (kind === "ban" ? "unban" : "unmute") : kind;

/**
 * Where a page of an active list ends, in values of the guild's own records: a cursor built from it
 * says nothing of other guilds (a global row id would tell how many records every guild made).
 */
export interface ListPosition {
	createdAt: number;
	robloxId: number;
	placeId: number | null;
}

export interface ActivePage {
	records: ModerationRecord[];
	/** The position to pass as `after` for the next page; null when this page is the last. */
	next: ListPosition | null;
}

/** A page of a user's history, newest first. */
export interface HistoryPage {
	records: ModerationRecord[];
	/**
	 * Where the next (older) page starts: the place of this page's oldest record in the user's history,
	 * counted from 1 oldest first; null when this page is the last. Records are only ever added after
	 * it, so the position never moves while a client pages.
	 */
	next: number | null;
}

/** The reason written on a record that a newer one of the same scope replaced. */
export const REPLACED_LIFT_REASON = "Replaced by a newer record";

/**
 * Every backend (embedded SQLite, PostgreSQL) implements this and passes the same suite,
 * `test/gateway/data-store/moderation-store.suite.ts`. "Active" means not lifted and not past
 * `expiresAt` by the store's clock. Every method is atomic: a failure leaves nothing half-written.
 */
export interface ModerationStore {
	/**
	 * Records a ban or mute. An active record of the same user and scope (global, or the same place)
	 * is lifted first with `REPLACED_LIFT_REASON`, so at most one applies per scope.
	 */
	impose(guildId: string, kind: ModerationKind, input: NewModeration): Promise<ModerationRecord>;

	/**
	 * Lifts every active record of the user in the guild, global and place-specific alike (an unban
	 * means the player may play again). Returns the records as lifted; empty when there was none.
	 */
	lift(guildId: string, kind: ModerationKind, request: LiftRequest): Promise<ModerationRecord[]>;

	/**
	 * The record that applies to the user: global ones always, place-specific ones only when `placeId`
	 * names that place. When several apply, the one lasting longest wins (permanent first), then the
	 * global one, so the answer shows the strongest reason the player is kept out.
	 */
	findActive(
		guildId: string,
		kind: ModerationKind,
		robloxId: number,
		placeId: number | null,
	): Promise<ModerationRecord | null>;

	/** `findActive` for many users at one instant; users with no active record are absent. */
	findActiveMany(
		guildId: string,
		kind: ModerationKind,
		robloxIds: readonly number[],
		placeId: number | null,
	): Promise<Map<number, ModerationRecord>>;

	/**
	 * Active records in creation order (then user and place, for records of one millisecond), `limit`
	 * at most, after the position `after` (null: from the start). Records created while a client pages
	 * come after every cursor it holds, so paging never repeats or skips a record that stays active.
	 */
	listActive(
		guildId: string,
		kind: ModerationKind,
		page: { limit: number; after: ListPosition | null },
	): Promise<ActivePage>;

	/** How many records `listActive` would return over all its pages. */
	countActive(guildId: string, kind: ModerationKind): Promise<number>;

	/** Every record of the user in the guild, lifted and expired included, oldest first. */
	history(guildId: string, kind: ModerationKind, robloxId: number): Promise<ModerationRecord[]>;

	/**
	 * Every ban and mute of the user in the guild, lifted and expired included, newest first: `limit` at
	 * most, older than the user's `before`-th record (the `next` of the page before; null: from the newest).
	 */
	historyPage(guildId: string, robloxId: number, page: { limit: number; before: number | null }): Promise<HistoryPage>;

	/**
	 * Writes the records in one transaction, skipping each the guild already has (same kind, user,
	 * place and creation instant), so importing twice changes nothing. An active record that meets an
	 * active one of the same scope leaves only the newer active, the older lifted as replaced (as
	 * `impose` does). No change per record: one `reset` joins the change log as `reset` says.
	 */
	importRecords(guildId: string, records: readonly ImportedRecord[], reset: ResetRule): Promise<ImportOutcome>;

	/** Every record of the guild, lifted and expired included, by id: `limit` at most, after id `after`. */
	allRecords(guildId: string, after: number, limit: number): Promise<ModerationRecord[]>;

	/** Appends an order for live servers to the guild's change log; answers its sequence. */
	appendCommand(guildId: string, command: ServerCommandOrder): Promise<number>;

	/** The guild's changes with a sequence above `after`, oldest first, `limit` at most. */
	changesAfter(guildId: string, after: number, limit: number): Promise<ChangePage>;

	/** Resolves when the backend answers a query; rejects otherwise (readiness probe). */
	ping(): Promise<void>;

	close(): Promise<void>;
}
