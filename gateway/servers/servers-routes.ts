// gateway/servers/servers-routes.ts
// Live servers' routes (docs/fleets.md), declared once: the keyed heartbeat, Technified's Server Manager routes, and the admin API's list and commands.

import type { RequestHandler } from "express";
import type { PushNotice, ServerCommandOrder } from "../../shared/records";
import { API_BASE } from "../../shared/routes";
import { verifiedKey } from "../auth/authenticate";
import { changedBy } from "../operators/access";
import { sendSuccess } from "../platform/http/envelope";
import { readPart } from "../platform/http/fields";
import { defineRoute, type Route } from "../platform/http/route";
import type { Presence } from "./presence";
import type { ServerFacts } from "./presence-store";
import type { ServerCommands } from "./server-commands";
import {
	commandBody,
	commandData,
	commandParams,
	guildParams,
	heartbeatBody,
	heartbeatData,
	serverCommandParams,
	serverParams,
	serversData,
	serversQuery,
	technifiedAckBody,
	technifiedAckData,
	technifiedCommandsData,
	technifiedCommandsQuery,
	technifiedHeartbeatBody,
	technifiedHeartbeatData,
} from "./servers-schemas";

export interface ServersRouteParts {
	presence: Presence;
	commands: ServerCommands;
	/** Whether a universe is pushed through Roblox (docs/fleets.md); by default never. */
	pushFor?: (guildId: string, universeId: number) => PushNotice | undefined;
}

const route = (fields: Omit<Route<ServersRouteParts>, "tag">): Route<ServersRouteParts> => defineRoute({ tag: "Live servers", ...fields });

/** Heartbeats cost a point of the key's `servers` quota, never a join check's. */
const HEARTBEAT = { caller: "api_key", scope: "moderation:read", category: "servers", body: true } as const;
/** Technified's plugin protocol names the guild in the body or query, not the path. */
const PLUGIN = { caller: "api_key", scope: "moderation:read", category: "servers", guildIn: "plugin" } as const;
const VIEWERS = { caller: "admin", need: { permission: ["view", "manage_servers"] } } as const;
/** The most a server's result words keep. */
const RESULT_MAX_CHARS = 500;

const JOB_ID = "5d2a8c4e-1b7f-4e0a-9c3d-2f6b8a1e7c90";
const COMMAND_ID = "3f1c2b4a-5d6e-4f70-8a9b-0c1d2e3f4a5b";
const LIVE_SERVER = { job_id: JOB_ID, place_id: 920587237, universe_id: 1818, players: 24, first_seen_at: 1_750_000_000, last_seen_at: 1_750_003_600, follows: "poll" };
const COMMAND = {
	id: COMMAND_ID,
	kind: "kick",
	job_id: JOB_ID,
	user_id: "261",
	reason: "Exploiting",
	targets: [JOB_ID],
	acks: [{ job_id: JOB_ID, outcome: "done", result: "Kicked 261", acked_at: 1_750_000_002 }],
	created_at: 1_750_000_000,
	created_by: "discord:80351110224678912",
};

function heartbeat({ presence, pushFor }: ServersRouteParts): RequestHandler {
	return async (req, res) => {
		const { guildId } = verifiedKey(res);
		const body = readPart(heartbeatBody, req.body);
		const facts: ServerFacts = { jobId: body.job_id, placeId: body.place_id, universeId: body.universe_id, players: body.players, follows: "push" };
		await presence.heartbeat(guildId, facts);
		const push = body.universe_id === null ? undefined : pushFor?.(guildId, body.universe_id);
		sendSuccess(res, 200, "Heartbeat recorded", { push: push ?? null });
	};
}

const moderationHeartbeat = route({
	method: "post",
	path: `${API_BASE}/moderation/:guildId/servers/heartbeat`,
	summary: "A pushed live server says it is still there",
	description:
		"Once a minute from a server that follows the guild's changes through Roblox's MessagingService instead of the events " +
		"route (a polling server needs none: its polls say it). Costs one `servers` point. `data.push` is the topic to follow, " +
		"or null when the universe is no longer pushed: the server falls back to polling.",
	guard: HEARTBEAT,
	request: { params: guildParams, body: { schema: heartbeatBody, required: true, example: { job_id: JOB_ID, place_id: 920587237, universe_id: 1818, players: 24 } } },
	answers: [{ status: 200, description: "Heartbeat recorded", data: heartbeatData, example: { message: "Heartbeat recorded", data: { push: { topic: "Technified" } } } }],
	errors: [503],
	handle: (parts) => [heartbeat(parts)],
});

/** Result words as kept: a string as sent, anything else as JSON, at most 500 characters. */
function resultWords(result: unknown, error: string | null | undefined): string | null {
	const words = typeof result === "string" ? result : result === undefined || result === null ? (error ?? null) : JSON.stringify(result);
	return words === null ? null : [...words].slice(0, RESULT_MAX_CHARS).join("");
}

/** A command as Technified's queue hands it over: `type` and a camelCase `payload`. */
const technifiedCommand = (order: ServerCommandOrder) => ({
	id: order.id,
	type: order.kind,
	serverId: order.job_id,
	payload: {
		...(order.user_id === undefined ? {} : { userId: order.user_id }),
		...(order.text === undefined ? {} : { message: order.text }),
		...(order.reason === undefined ? {} : { reason: order.reason }),
	},
});

const TECHNIFIED = `${API_BASE}/roblox/servers`;

const technifiedRoutes: Route<ServersRouteParts>[] = [
	route({
		method: "post",
		path: `${TECHNIFIED}/heartbeat`,
		summary: "Technified's Server Manager heartbeat",
		description:
			"As Technified's Server Manager documents it (camelCase): the server is live, with its player count. `guildId` must be the " +
			"key's guild. `gameName`, `maxPlayers`, `serverAge`, `fps` and `players` are accepted and not kept. Costs one `servers` point.",
		guard: { ...PLUGIN, body: true },
		request: {
			body: {
				schema: technifiedHeartbeatBody,
				required: true,
				example: { guildId: "123456789012345678", serverId: JOB_ID, placeId: "920587237", gameName: "My Game", playerCount: 2, maxPlayers: 50, serverAge: 3600, players: [] },
			},
		},
		answers: [{ status: 200, description: "Heartbeat recorded", data: technifiedHeartbeatData, example: { message: "Heartbeat recorded", data: { serverId: JOB_ID, online: true } } }],
		errors: [503],
		handle: ({ presence }) => [
			async (req, res) => {
				const { guildId } = verifiedKey(res);
				const body = readPart(technifiedHeartbeatBody, req.body);
				const facts: ServerFacts = { jobId: body.serverId, placeId: body.placeId, universeId: body.universeId, players: body.playerCount, follows: "poll" };
				await presence.heartbeat(guildId, facts);
				sendSuccess(res, 200, "Heartbeat recorded", { serverId: body.serverId, online: true });
			},
		],
	}),
	route({
		method: "get",
		path: `${TECHNIFIED}/:serverId/commands`,
		summary: "Technified's Server Manager: the server's pending commands",
		description:
			"The commands sent to this server and to every server, sent in the last 10 minutes and not yet handed to it: each is " +
			"handed over once, so poll on a short loop. The guild is the key's (`guildId` in the query or `X-Guild-ID` must match it). " +
			"Costs one `servers` point.",
		guard: PLUGIN,
		request: { params: serverParams, query: technifiedCommandsQuery },
		answers: [
			{
				status: 200,
				description: "Pending commands",
				data: technifiedCommandsData,
				example: { message: "Pending commands", data: { commands: [{ id: COMMAND_ID, type: "kick", serverId: JOB_ID, payload: { userId: "261", reason: "Exploiting" } }] } },
			},
		],
		handle: ({ commands }) => [
			async (req, res) => {
				const { guildId } = verifiedKey(res);
				const { serverId } = readPart(serverParams, req.params);
				const pending = await commands.pending(guildId, serverId);
				sendSuccess(res, 200, "Pending commands", { commands: pending.map(technifiedCommand) });
			},
		],
	}),
	route({
		method: "post",
		path: `${TECHNIFIED}/:serverId/commands/:commandId/ack`,
		summary: "Technified's Server Manager: a server's outcome of a command",
		description:
			'Body `{"guildId":"…","success":true,"result":"Kicked 261"}` (`error` words when it failed). The first ack of a command by ' +
			"a server is kept; a later one changes nothing and says so (`alreadyAcked`). 404 for a command this server was not sent. " +
			"Costs one `servers` point.",
		guard: { ...PLUGIN, body: true },
		request: { params: serverCommandParams, body: { schema: technifiedAckBody, required: true, example: { guildId: "123456789012345678", success: true, result: "Kicked 261" } } },
		answers: [
			{
				status: 200,
				description: "Command acknowledged",
				data: technifiedAckData,
				example: { message: "Command acknowledged", data: { commandId: COMMAND_ID, serverId: JOB_ID, status: "done", result: "Kicked 261", ackedAt: 1_750_000_002, alreadyAcked: false } },
			},
		],
		errors: [404],
		handle: ({ commands }) => [
			async (req, res) => {
				const { guildId } = verifiedKey(res);
				const { serverId, commandId } = readPart(serverCommandParams, req.params);
				const body = readPart(technifiedAckBody, req.body);
				const outcome = body.success ? "done" : "failed";
				const { record, first } = await commands.ack(guildId, commandId, serverId, outcome, resultWords(body.result, body.error));
				const ack = record.acks.find((each) => each.job_id === serverId)!;
				sendSuccess(res, 200, first ? "Command acknowledged" : "Command already acknowledged", {
					commandId,
					serverId,
					status: ack.outcome,
					result: ack.result,
					ackedAt: ack.acked_at,
					alreadyAcked: !first,
				});
			},
		],
	}),
];

/** Keyed routes: game servers. */
export const SERVER_ROUTES: readonly Route<ServersRouteParts>[] = [moderationHeartbeat, ...technifiedRoutes];

const ADMIN_SERVERS = "/admin/v1/guilds/:guildId/servers";

/** Admin routes: operators. */
export const SERVER_ADMIN_ROUTES: readonly Route<ServersRouteParts>[] = [
	route({
		method: "get",
		path: ADMIN_SERVERS,
		summary: "The guild's live servers",
		description:
			"Servers seen in the last 90 seconds (through their polls, streams or heartbeats), the most recently started first. Filters: " +
			"`place_id`, `follows`, and `q` (text in the job_id). `data.counts`: the guild's live servers by how they follow events. Needs `view`.",
		guard: VIEWERS,
		request: { params: guildParams, query: serversQuery },
		answers: [
			{ status: 200, description: "Live servers", data: serversData, example: { message: "Live servers", data: { servers: [LIVE_SERVER], counts: { stream: 0, poll: 1, push: 0 } } } },
		],
		errors: [503],
		handle: ({ presence }) => [
			async (req, res) => {
				const { guildId } = readPart(guildParams, req.params);
				const { place_id: placeId, follows, q } = readPart(serversQuery, req.query);
				const live = await presence.live(guildId);
				const counts = { stream: 0, poll: 0, push: 0 };
				for (const server of live) counts[server.follows] += 1;
				const servers = live.filter(
					(server) =>
						(placeId === null || server.place_id === placeId) &&
						(follows === undefined || server.follows === follows) &&
						(q === undefined || server.job_id.toLowerCase().includes(q.toLowerCase())),
				);
				sendSuccess(res, 200, "Live servers", { servers, counts });
			},
		],
	}),
	route({
		method: "post",
		path: `${ADMIN_SERVERS}/commands`,
		summary: "Send a command to one live server or to all",
		description:
			"Needs `manage_servers`. `kick` (with `user_id`), `message` (with `text`, at most 200 characters) or `shutdown`, to the " +
			"server `job_id` or, with `job_id` null, to every live server. 202: sent to the servers live now (`targets`); each runs " +
			"it once and acks it. 404 `server_not_found` when the server is not live (or, for every server, none is).",
		guard: { caller: "admin", need: { permission: ["manage_servers"] } },
		request: { params: guildParams, body: { schema: commandBody, required: true, example: { kind: "kick", job_id: JOB_ID, user_id: "261", reason: "Exploiting" } } },
		answers: [
			{ status: 202, description: "Command sent", data: commandData, example: { message: "Command sent", data: { command: { ...COMMAND, acks: [{ job_id: JOB_ID, outcome: null, result: null, acked_at: null }] } } } },
		],
		errors: [404, 502, 503],
		handle: ({ commands }) => [
			async (req, res) => {
				const { guildId } = readPart(guildParams, req.params);
				const body = readPart(commandBody, req.body);
				const by = changedBy(req, res);
				const request = { kind: body.kind, jobId: body.job_id, userId: body.user_id, text: body.text, reason: body.reason };
				const command = await commands.send(guildId, request, by);
				sendSuccess(res, 202, "Command sent", { command });
			},
		],
	}),
	route({
		method: "get",
		path: `${ADMIN_SERVERS}/commands/:commandId`,
		summary: "A command and each target's ack",
		description: "Needs `view`. `acks[]`: one per server it reached, `outcome` (`done`, `failed`, or null before the server acks), its words and time.",
		guard: VIEWERS,
		request: { params: commandParams },
		answers: [{ status: 200, description: "Command", data: commandData, example: { message: "Command", data: { command: COMMAND } } }],
		errors: [404],
		handle: ({ commands }) => [
			async (req, res) => {
				const { guildId, commandId } = readPart(commandParams, req.params);
				sendSuccess(res, 200, "Command", { command: await commands.get(guildId, commandId) });
			},
		],
	}),
];
