// gateway/servers/server-commands.ts
// Commands to live servers (docs/fleets.md, "Commands"): sent to the servers live now, carried by the change log, acknowledged once per server.

import { randomUUID } from "node:crypto";
import type { ServerCommandKind, ServerCommandOrder, ServerCommandRecord } from "../../shared/records";
import type { ServerCommandNotice } from "../changes/change-bus";
import type { ChangedBy } from "../keys/key-store";
import { ApiError } from "../platform/http/envelope";
import type { CommandStore } from "./command-store";
import type { Presence } from "./presence";

/** How long Technified's command queue keeps handing a command to a server that has not taken it. */
export const PENDING_FOR_MS = 10 * 60_000;
/** Commands and their acks are kept this long, then forgotten. */
export const COMMANDS_KEPT_MS = 7 * 86_400_000;

/** A command as an operator asks for it. */
export interface CommandRequest {
	kind: ServerCommandKind;
	jobId: string | null;
	userId?: string;
	text?: string;
	reason?: string;
}

export interface ServerCommandsParts {
	store: CommandStore;
	presence: Presence;
	/** Appends the order to the guild's change log (the data store), which event streams and polls read. */
	changeLog: { appendCommand(guildId: string, order: ServerCommandOrder): Promise<number> };
	/** Wakes the guild's streams and polls on every instance. */
	announce: (change: ServerCommandNotice) => void;
	/** Records the command in the guild's audit. */
	audit: (guildId: string, details: { command_id: string; kind: ServerCommandKind; job_id: string | null; targets: readonly string[] }, by: ChangedBy) => Promise<void>;
	/** Who sent it, as `created_by` shows it (`discord:<user id>`, `admin_token`). */
	label: (by: ChangedBy) => string;
	clock: () => number;
}

const serverNotFound = (jobId: string | null) =>
	new ApiError(404, "server_not_found", jobId === null ? "No live server in this guild" : `No live server with job_id ${jobId}`);

export class ServerCommands {
	constructor(private readonly parts: ServerCommandsParts) {}

	/** Sends the command to the live servers it names (every live one for a null `jobId`); 404 when there is none. */
	async send(guildId: string, request: CommandRequest, by: ChangedBy): Promise<ServerCommandRecord> {
		const { store, presence, clock } = this.parts;
		const live = (await presence.live(guildId)).map((server) => server.job_id);
		const targets = request.jobId === null ? live : live.filter((jobId) => jobId === request.jobId);
		if (targets.length === 0) throw serverNotFound(request.jobId);
		const order: ServerCommandOrder = {
			id: randomUUID(),
			kind: request.kind,
			job_id: request.jobId,
			...(request.userId === undefined ? {} : { user_id: request.userId }),
			...(request.text === undefined ? {} : { text: request.text }),
			...(request.reason === undefined ? {} : { reason: request.reason }),
		};
		const now = clock();
		await store.forgetBefore(now - COMMANDS_KEPT_MS);
		// Kept before it is carried: a server acking it always finds it.
		await store.create({ guildId, order, createdAt: now, createdBy: this.parts.label(by), targets });
		try {
			await this.parts.changeLog.appendCommand(guildId, order);
		} catch {
			// Technified's command queue still hands it over; streams and polls do not see it.
			throw new ApiError(502, "upstream_unavailable", "Data store unavailable: the command was kept but not sent to streams and polls");
		}
		this.parts.announce({ kind: "command", guildId });
		await this.parts.audit(guildId, { command_id: order.id, kind: order.kind, job_id: order.job_id, targets }, by);
		return (await store.get(guildId, order.id))!;
	}

	/** The command with each target's ack; 404 when the guild has no such command. */
	async get(guildId: string, commandId: string): Promise<ServerCommandRecord> {
		const record = await this.parts.store.get(guildId, commandId);
		if (record === undefined) throw new ApiError(404, "not_found", "No such command");
		return record;
	}

	/** The server's commands (its own and broadcasts) sent lately and not yet handed to it; each is handed once. */
	pending(guildId: string, jobId: string): Promise<ServerCommandOrder[]> {
		const now = this.parts.clock();
		return this.parts.store.takePending(guildId, jobId, now - PENDING_FOR_MS, now);
	}

	/**
	 * The server's outcome: its first ack is recorded, a later one changes nothing. Answers the command as
	 * it stands and whether this ack was the first; 404 when the guild has no such command for the server.
	 */
	async ack(guildId: string, commandId: string, jobId: string, outcome: "done" | "failed", result: string | null): Promise<{ record: ServerCommandRecord; first: boolean }> {
		const acked = await this.parts.store.ack(guildId, commandId, jobId, { outcome, result, at: this.parts.clock() });
		if (acked === undefined) throw new ApiError(404, "not_found", "No such command for this server");
		return { record: await this.get(guildId, commandId), first: acked === "recorded" };
	}
}
