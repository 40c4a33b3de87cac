// gateway/servers/command-store.ts
// Commands sent to live servers and each target's ack (docs/fleets.md, "Commands"), in the gateway database (migration 0008).

import type { ServerCommandAck, ServerCommandOrder, ServerCommandRecord } from "../../shared/records";

/** A command as written: its order, who sent it and when (unix ms), and the live servers it was sent to. */
export interface NewCommand {
	guildId: string;
	order: ServerCommandOrder;
	createdAt: number;
	createdBy: string;
	targets: readonly string[];
}

/** What an ack did: recorded, or nothing because the server had acked it already. */
export type AckOutcome = "recorded" | "already_acked";

export interface CommandStore {
	create(command: NewCommand): Promise<void>;
	get(guildId: string, commandId: string): Promise<ServerCommandRecord | undefined>;
	/**
	 * The commands sent since `since` for `jobId` (its own and broadcasts) that it has neither been handed
	 * nor acked, oldest first; marks them handed over, so Technified's command queue gives each once.
	 */
	takePending(guildId: string, jobId: string, since: number, now: number): Promise<ServerCommandOrder[]>;
	/**
	 * The server's first ack of the command records its outcome; a later one changes nothing. A broadcast
	 * acked by a server that came up after it was sent adds that server. undefined: no such command for
	 * this server.
	 */
	ack(guildId: string, commandId: string, jobId: string, ack: { outcome: "done" | "failed"; result: string | null; at: number }): Promise<AckOutcome | undefined>;
	/** Drops commands sent before `before` with their acks. */
	forgetBefore(before: number): Promise<void>;
}

export interface CommandRow {
	id: string;
	kind: ServerCommandOrder["kind"];
	job_id: string | null;
	user_id: string | null;
	text: string | null;
	reason: string | null;
	created_at: number;
	created_by: string;
	/** JSON array of JobIds. */
	targets: string;
}

export interface AckRow {
	job_id: string;
	outcome: "done" | "failed" | null;
	result: string | null;
	acked_at: number | null;
}

/** The order of a row: optional fields left out when empty, as the events route carries it. */
export function toOrder(row: CommandRow): ServerCommandOrder {
	return {
		id: row.id,
		kind: row.kind,
		job_id: row.job_id,
		...(row.user_id === null ? {} : { user_id: row.user_id }),
		...(row.text === null ? {} : { text: row.text }),
		...(row.reason === null ? {} : { reason: row.reason }),
	};
}

/** A command as the admin API shows it; times in unix seconds. `targets` are the servers it was sent to. */
export function toCommandRecord(row: CommandRow, acks: readonly AckRow[]): ServerCommandRecord {
	return {
		...toOrder(row),
		targets: JSON.parse(row.targets) as string[],
		acks: acks.map(
			(ack): ServerCommandAck => ({
				job_id: ack.job_id,
				outcome: ack.outcome,
				result: ack.result,
				acked_at: ack.acked_at === null ? null : Math.floor(Number(ack.acked_at) / 1000),
			}),
		),
		created_at: Math.floor(Number(row.created_at) / 1000),
		created_by: row.created_by,
	};
}
