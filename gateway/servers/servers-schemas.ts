// gateway/servers/servers-schemas.ts
// Requests and answers of the live servers' routes (docs/fleets.md): the keyed heartbeat, Technified's Server Manager (camelCase), the admin API.

import { z } from "zod";
import type { LiveServer, ServerCommandRecord } from "../../shared/records";
import { COMMAND_TEXT_MAX_CHARS, pushNotice, serverCommandOrder } from "../moderation/moderation-schemas";
import { guildIdParam, placeId, placeIdQuery, playersCount, robloxId, serverJobId, universeId } from "../platform/http/fields";

const BODY_OBJECT = { error: "Request body must be a JSON object (Content-Type: application/json)" };
const guildId = guildIdParam("guildId must be a Discord guild id (17 to 20 digits)");
const words = (max: number) => z.string().max(max);

export const guildParams = z.object({ guildId });
export const commandParams = z.object({ guildId, commandId: z.string().max(64).meta({ description: "The command's `id`", example: "3f1c2b4a-5d6e-4f70-8a9b-0c1d2e3f4a5b" }) });
export const serverParams = z.object({ serverId: serverJobId });
export const serverCommandParams = z.object({
	serverId: serverJobId,
	commandId: z.string().max(64).meta({ description: "The command's `id`", example: "3f1c2b4a-5d6e-4f70-8a9b-0c1d2e3f4a5b" }),
});

/** `POST /api/v1/moderation/:guildId/servers/heartbeat`: a pushed server says it is still there. */
export const heartbeatBody = z.object(
	{
		job_id: serverJobId,
		place_id: placeId.refine((id) => id !== null, { error: "place_id is required" }),
		universe_id: universeId.nullish().transform((id) => id ?? null),
		players: playersCount,
	},
	BODY_OBJECT,
);

/** `data` of the heartbeat: whether the server's universe is pushed, so a pushed server learns when to fall back. */
export const heartbeatData = z.object({
	push: pushNotice.nullable().meta({ description: "The MessagingService topic to follow; null: follow the events route instead" }),
});

/** Technified's heartbeat, its camelCase fields as its Server Manager page documents them; fields beyond presence are accepted and not kept. */
export const technifiedHeartbeatBody = z.object(
	{
		guildId,
		serverId: serverJobId.meta({ description: "The Roblox server's `game.JobId`" }),
		placeId: placeId.refine((id) => id !== null, { error: "placeId is required" }),
		universeId: universeId.nullish().transform((id) => id ?? null),
		gameName: words(200).optional(),
		playerCount: playersCount,
		maxPlayers: z.int().min(0).max(1_000).optional(),
		serverAge: z.number().min(0).optional().meta({ description: "Seconds since the server started" }),
		fps: z.number().min(0).optional(),
		players: z.array(z.looseObject({})).max(1_000).optional().meta({ description: "The current players (accepted, not kept)" }),
	},
	BODY_OBJECT,
);

export const technifiedHeartbeatData = z.object({ serverId: z.string(), online: z.literal(true) });

/** `GET /roblox/servers/:serverId/commands`: the guild, when the key's own is not meant (it must match anyway). */
export const technifiedCommandsQuery = z.object({ guildId: guildId.optional() });

/** One command as Technified's command queue hands it over. */
const technifiedCommand = z.object({
	id: z.string(),
	type: z.enum(["kick", "message", "shutdown"]),
	serverId: z.string().nullable().meta({ description: "The server it is for; null: every server" }),
	payload: z.object({ userId: z.string().optional(), message: z.string().optional(), reason: z.string().optional() }),
});
export const technifiedCommandsData = z.object({ commands: z.array(technifiedCommand) });

/** Technified's ack: `success` and `result` words (or `error` when it failed). */
export const technifiedAckBody = z.object(
	{
		guildId,
		success: z.boolean({ error: "success must be true or false" }),
		result: z.union([z.string(), z.looseObject({}), z.array(z.unknown())]).nullish().meta({ description: "What the server did, in words (an object is kept as JSON)" }),
		error: words(2_000).nullish(),
	},
	BODY_OBJECT,
);

export const technifiedAckData = z.object({
	commandId: z.string(),
	serverId: z.string(),
	status: z.enum(["done", "failed"]).nullable(),
	result: z.string().nullable(),
	ackedAt: z.int().nullable(),
	alreadyAcked: z.boolean().meta({ description: "True when this server had acked the command before: nothing changed" }),
});

const FOLLOWS = ["stream", "poll", "push"] as const;

/** `GET /admin/v1/guilds/:guildId/servers`. */
export const serversQuery = z.object({
	place_id: placeIdQuery,
	follows: z.enum(FOLLOWS, { error: "follows must be stream, poll or push" }).optional(),
	q: words(64).optional().meta({ description: "Only servers whose job_id contains this text" }),
});

const liveServer = z.object({
	job_id: z.string(),
	place_id: z.int().nullable(),
	universe_id: z.int().nullable(),
	players: z.int().nullable(),
	first_seen_at: z.int(),
	last_seen_at: z.int(),
	follows: z.enum(FOLLOWS),
}) satisfies z.ZodType<LiveServer>;

export const serversData = z.object({
	servers: z.array(liveServer),
	counts: z.object({ stream: z.int(), poll: z.int(), push: z.int() }).meta({ description: "The guild's live servers by how they follow events, filters aside" }),
});

const textWords = { error: `text must be 1 to ${COMMAND_TEXT_MAX_CHARS} characters` };

/** `POST /admin/v1/guilds/:guildId/servers/commands`. */
export const commandBody = z
	.object(
		{
			kind: z.enum(["kick", "message", "shutdown"], { error: "kind must be kick, message or shutdown" }),
			job_id: serverJobId.nullable().meta({ description: "The server's JobId; null: every live server" }),
			user_id: robloxId.optional().transform((id) => (id === undefined ? undefined : String(id))),
			text: z
				.string(textWords)
				.regex(/\S/, textWords)
				.refine((value) => [...value].length <= COMMAND_TEXT_MAX_CHARS, textWords)
				.optional()
				.meta({ maxLength: COMMAND_TEXT_MAX_CHARS }),
			reason: words(500).optional(),
		},
		BODY_OBJECT,
	)
	.refine((body) => body.kind !== "kick" || body.user_id !== undefined, { error: "user_id is required to kick", path: ["user_id"] })
	.refine((body) => body.kind !== "message" || body.text !== undefined, { error: "text is required for a message", path: ["text"] });

const commandAck = z.object({
	job_id: z.string(),
	outcome: z.enum(["done", "failed"]).nullable(),
	result: z.string().nullable(),
	acked_at: z.int().nullable(),
});

export const commandRecord = serverCommandOrder.extend({
	targets: z.array(z.string()).meta({ description: "The servers live when it was sent" }),
	acks: z.array(commandAck).meta({ description: "Each server's answer; `outcome` null until it acks" }),
	created_at: z.int(),
	created_by: z.string(),
}) satisfies z.ZodType<ServerCommandRecord>;

export const commandData = z.object({ command: commandRecord });
