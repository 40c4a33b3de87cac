// gateway/servers/sql-command-stores.ts
// Commands and acks in the gateway database (migration 0008): SQLite and PostgreSQL, the same statements in each dialect.

import type Database from "better-sqlite3";
import type { ServerCommandOrder, ServerCommandRecord } from "../../shared/records";
import type { PostgresDatabase, Queryable } from "../platform/db/postgres-database";
import { toCommandRecord, toOrder, type AckOutcome, type AckRow, type CommandRow, type CommandStore, type NewCommand } from "./command-store";

const INSERT_COMMAND = `INSERT INTO server_commands (id, guild_id, kind, job_id, user_id, text, reason, created_at, created_by, targets)
	VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`;
const INSERT_TARGET = "INSERT INTO server_command_acks (command_id, job_id) VALUES ($1, $2)";
const SELECT_COMMAND = "SELECT * FROM server_commands WHERE guild_id = $1 AND id = $2";
const SELECT_ACKS = "SELECT job_id, outcome, result, acked_at FROM server_command_acks WHERE command_id = $1 ORDER BY job_id";
/**
 * Hands over the server's commands not handed over nor acked yet, in one statement, so two polls of one
 * server on two instances never both take a command. $1 guild, $2 server, $3 since, $4 now.
 */
const TAKE_PENDING = `INSERT INTO server_command_acks (command_id, job_id, delivered_at)
	SELECT id, $2, $4 FROM server_commands
	WHERE guild_id = $1 AND created_at >= $3 AND (job_id = $2 OR job_id IS NULL)
	ON CONFLICT (command_id, job_id) DO UPDATE SET delivered_at = excluded.delivered_at
	WHERE server_command_acks.delivered_at IS NULL AND server_command_acks.outcome IS NULL
	RETURNING command_id`;
/** The server's first ack; a later one matches no row. $1 command, $2 guild, $3 server, $4 outcome, $5 result, $6 at. */
const RECORD_ACK = `INSERT INTO server_command_acks (command_id, job_id, outcome, result, acked_at)
	SELECT id, $3, $4, $5, $6 FROM server_commands WHERE id = $1 AND guild_id = $2 AND (job_id = $3 OR job_id IS NULL)
	ON CONFLICT (command_id, job_id) DO UPDATE SET outcome = excluded.outcome, result = excluded.result, acked_at = excluded.acked_at
	WHERE server_command_acks.outcome IS NULL
	RETURNING job_id`;
const COMMAND_FOR = "SELECT id FROM server_commands WHERE id = $1 AND guild_id = $2 AND (job_id = $3 OR job_id IS NULL)";
const FORGET_ACKS = "DELETE FROM server_command_acks WHERE command_id IN (SELECT id FROM server_commands WHERE created_at < $1)";
const FORGET_COMMANDS = "DELETE FROM server_commands WHERE created_at < $1";

const commandValues = ({ guildId, order, createdAt, createdBy, targets }: NewCommand) => [
	order.id,
	guildId,
	order.kind,
	order.job_id,
	order.user_id ?? null,
	order.text ?? null,
	order.reason ?? null,
	createdAt,
	createdBy,
	JSON.stringify(targets),
];

const byCreation = (a: CommandRow, b: CommandRow) => Number(a.created_at) - Number(b.created_at) || a.id.localeCompare(b.id);

/** better-sqlite3 reads `$1` as a named parameter: the values by their number. */
const numbered = (...values: readonly unknown[]) => Object.fromEntries(values.map((value, index) => [index + 1, value]));

export class SqliteCommandStore implements CommandStore {
	constructor(private readonly db: Database.Database) {}

	async create(command: NewCommand): Promise<void> {
		const insertCommand = this.db.prepare(INSERT_COMMAND);
		const insertTarget = this.db.prepare(INSERT_TARGET);
		this.db.transaction(() => {
			insertCommand.run(numbered(...commandValues(command)));
			for (const target of command.targets) insertTarget.run(numbered(command.order.id, target));
		})();
	}

	async get(guildId: string, commandId: string): Promise<ServerCommandRecord | undefined> {
		const row = this.db.prepare<Record<number, unknown>, CommandRow>(SELECT_COMMAND).get(numbered(guildId, commandId));
		return row === undefined ? undefined : toCommandRecord(row, this.db.prepare<Record<number, unknown>, AckRow>(SELECT_ACKS).all(numbered(commandId)));
	}

	async takePending(guildId: string, jobId: string, since: number, now: number): Promise<ServerCommandOrder[]> {
		return this.db.transaction(() => {
			const taken = this.db.prepare<Record<number, unknown>, { command_id: string }>(TAKE_PENDING).all(numbered(guildId, jobId, since, now));
			const select = this.db.prepare<Record<number, unknown>, CommandRow>(SELECT_COMMAND);
			return taken.map(({ command_id }) => select.get(numbered(guildId, command_id))!).sort(byCreation).map(toOrder);
		})();
	}

	async ack(guildId: string, commandId: string, jobId: string, ack: { outcome: "done" | "failed"; result: string | null; at: number }): Promise<AckOutcome | undefined> {
		return this.db.transaction(() => {
			const recorded = this.db.prepare(RECORD_ACK).all(numbered(commandId, guildId, jobId, ack.outcome, ack.result, ack.at));
			if (recorded.length > 0) return "recorded" as const;
			return this.db.prepare(COMMAND_FOR).get(numbered(commandId, guildId, jobId)) === undefined ? undefined : ("already_acked" as const);
		})();
	}

	async forgetBefore(before: number): Promise<void> {
		this.db.transaction(() => {
			this.db.prepare(FORGET_ACKS).run(numbered(before));
			this.db.prepare(FORGET_COMMANDS).run(numbered(before));
		})();
	}
}

export class PostgresCommandStore implements CommandStore {
	constructor(private readonly db: PostgresDatabase) {}

	async create(command: NewCommand): Promise<void> {
		await this.db.transaction(async (tx) => {
			await tx.rows(INSERT_COMMAND, commandValues(command));
			for (const target of command.targets) await tx.rows(INSERT_TARGET, [command.order.id, target]);
		});
	}

	async get(guildId: string, commandId: string): Promise<ServerCommandRecord | undefined> {
		const [row] = await this.db.rows<CommandRow>(SELECT_COMMAND, [guildId, commandId]);
		return row === undefined ? undefined : toCommandRecord(row, await this.db.rows<AckRow>(SELECT_ACKS, [commandId]));
	}

	async takePending(guildId: string, jobId: string, since: number, now: number): Promise<ServerCommandOrder[]> {
		return this.db.transaction(async (tx: Queryable) => {
			const taken = await tx.rows<{ command_id: string }>(TAKE_PENDING, [guildId, jobId, since, now]);
			if (taken.length === 0) return [];
			const rows = await tx.rows<CommandRow>("SELECT * FROM server_commands WHERE guild_id = $1 AND id = ANY($2::text[])", [guildId, taken.map((each) => each.command_id)]);
			return rows.sort(byCreation).map(toOrder);
		});
	}

	async ack(guildId: string, commandId: string, jobId: string, ack: { outcome: "done" | "failed"; result: string | null; at: number }): Promise<AckOutcome | undefined> {
		const recorded = await this.db.rows(RECORD_ACK, [commandId, guildId, jobId, ack.outcome, ack.result, ack.at]);
		if (recorded.length > 0) return "recorded";
		return (await this.db.rows(COMMAND_FOR, [commandId, guildId, jobId])).length === 0 ? undefined : "already_acked";
	}

	async forgetBefore(before: number): Promise<void> {
		await this.db.transaction(async (tx) => {
			await tx.rows(FORGET_ACKS, [before]);
			await tx.rows(FORGET_COMMANDS, [before]);
		});
	}
}
