// gateway/moderation/console-routes.ts
// The dashboard's moderation routes (docs/api.md, "API summary"): statuses, history, lists and actions, with the operator as the actor, declared once.

import type { Request, Response } from "express";
import { API_BASE } from "../../shared/routes";
import { accessOf, type Actor } from "../operators/access";
import { readPart } from "../platform/http/fields";
import { defineRoute, type Route } from "../platform/http/route";
import { consoleParams, consoleStatusData, consoleStatusParams, consoleStatusQuery } from "./console-schemas";
import {
	activeBansData,
	activeMutesData,
	banWriteData,
	consoleImposeBody,
	historyData,
	liftBody,
	listQuery,
	muteWriteData,
	unbanData,
	unmuteData,
} from "./moderation-schemas";
import { FORWARDED } from "./moderation-routes";
import type { BanStatusCache } from "./ban-status-cache";
import { onModerationChange } from "./ban-cache-middleware";
import { ApiError, sendSuccess } from "../platform/http/envelope";
import type { ModerationChangeNotice } from "../changes/change-bus";
import type { Forwarder } from "./forward";
import type { BanStatusBatchData } from "../../shared/records";

export interface ConsoleParts {
	forwarder: Forwarder;
	banCache: BanStatusCache;
	announceChange: (change: ModerationChangeNotice) => void;
}

/** `banned_by` / `lifted_by` of a dashboard action without a Roblox moderator (docs/api.md, "API summary"). */
export function actorLabel(actor: Actor): string {
	return actor.type === "operator" ? `discord:${actor.id}` : "admin_token";
}

/** The query string as the caller sent it, for the data store to check with its own schemas. */
function queryOf(req: Request): string {
	const at = req.originalUrl.indexOf("?");
	return at === -1 ? "" : req.originalUrl.slice(at);
}

const CONSOLE = "/admin/v1/guilds/:guildId/moderation";
const storePath = (guildId: string, rest: string) => `${API_BASE}/moderation/${guildId}${rest}`;
const guildOf = (req: Request) => readPart(consoleParams, req.params).guildId;
/** Reads need view or moderate: docs/api.md's "API summary" lets moderators read statuses, lists and history too. */
const READERS = { caller: "admin", need: { permission: ["view", "moderate"] } } as const;

const consoleRoute = (fields: Omit<Route<ConsoleParts>, "tag">): Route<ConsoleParts> => defineRoute({ tag: "Moderation", ...fields });

const reads: Route<ConsoleParts>[] = [
	consoleRoute({
		method: "get",
		path: `${CONSOLE}/status/:identifier`,
		summary: "Ban and mute status of a Roblox user, for the dashboard",
		description: "Needs `view`. Ban-status and mute-status `data` in one answer; with `place_id`, records for that place apply too.",
		guard: READERS,
		request: { params: consoleStatusParams, query: consoleStatusQuery },
		answers: [{ status: 200, description: "Moderation status", data: consoleStatusData }],
		errors: FORWARDED,
		// Ban and mute together, so the page shows both from one answer at one instant.
		handle: ({ forwarder }) => [
			async (req, res) => {
				const { guildId, identifier } = readPart(consoleStatusParams, req.params);
				const { place_id: placeId } = readPart(consoleStatusQuery, req.query);
				const answer = await forwarder.send(req, {
					method: "POST",
					path: storePath(guildId, "/ban-status/batch"),
					guildId,
					body: { identifiers: [identifier], include_mutes: true, place_id: placeId },
				});
				// A refusal from the data store reaches the caller as the store worded it.
				if (answer.status !== 200) {
					res.status(answer.status).type("application/json").send(answer.body);
					return;
				}
				const envelope = JSON.parse(answer.body.toString("utf8")) as { data?: BanStatusBatchData };
				const status = envelope.data?.results[String(identifier)];
				if (status === undefined) throw new ApiError(502, "upstream_unavailable", "Data store answered the status read without this user");
				sendSuccess(res, 200, "Moderation status", { roblox_id: String(identifier), place_id: placeId, muted: false, ...status });
			},
		],
	}),
	consoleRoute({
		method: "get",
		path: `${CONSOLE}/history/:identifier`,
		summary: "A Roblox user's history, for the dashboard",
		description: "Needs `view`. As the key-authenticated history route.",
		guard: READERS,
		request: { params: consoleStatusParams, query: listQuery },
		answers: [{ status: 200, description: "Moderation history", data: historyData }],
		errors: FORWARDED,
		handle: ({ forwarder }) => [
			async (req, res) => {
				const { guildId, identifier } = readPart(consoleStatusParams, req.params);
				readPart(listQuery, req.query);
				await forwarder.relay(req, res, { method: "GET", path: storePath(guildId, `/roblox/history/${identifier}${queryOf(req)}`), guildId });
			},
		],
	}),
	...(["bans", "mutes"] as const).map((list) =>
		consoleRoute({
			method: "get",
			path: `${CONSOLE}/${list}`,
			summary: `Active ${list}, for the dashboard`,
			description: "Needs `view`. As the key-authenticated active list.",
			guard: READERS,
			request: { params: consoleParams, query: listQuery },
			answers: [{ status: 200, description: `Active ${list}`, data: list === "bans" ? activeBansData : activeMutesData }],
			errors: FORWARDED,
			handle: ({ forwarder }) => [
				async (req, res) => {
					const guildId = guildOf(req);
					readPart(listQuery, req.query);
					await forwarder.relay(req, res, { method: "GET", path: storePath(guildId, `/roblox/${list}/active${queryOf(req)}`), guildId });
				},
			],
		}),
	),
];

const ACTIONS = [
	{ action: "ban", kind: "ban", lifts: false },
	{ action: "unban", kind: "ban", lifts: true },
	{ action: "mute", kind: "mute", lifts: false },
	{ action: "unmute", kind: "mute", lifts: true },
] as const;

const writes = ACTIONS.map(({ action, kind, lifts }) => {
	const Kind = kind === "ban" ? "Ban" : "Mute";
	return consoleRoute({
		method: "post",
		path: `${CONSOLE}/${action}`,
		summary: lifts ? `Lift a Roblox user's ${kind} from the dashboard` : `${Kind} a Roblox user from the dashboard`,
		description: lifts
			? "Needs `moderate`. Without `moderator_roblox_id`, `lifted_by` is the operator. 404 when there is none."
			: `Needs \`moderate\`. Without \`moderator_roblox_id\`, \`${kind}ned_by\` is the operator: \`discord:<user id>\`, or \`admin_token\` for the platform operator.`,
		guard: { caller: "admin", need: { permission: ["moderate"] } },
		request: {
			params: consoleParams,
			body: lifts
				? { schema: liftBody, required: true, example: { roblox_id: "261" } }
				: { schema: consoleImposeBody, required: true, example: { roblox_id: "261", reason: "Exploiting", duration: "7d" } },
		},
		answers: [
			lifts
				? { status: 200, description: `User ${kind === "ban" ? "unbanned" : "unmuted"}`, data: kind === "ban" ? unbanData : unmuteData }
				: { status: 201, description: `User ${kind === "ban" ? "banned" : "muted"}`, data: kind === "ban" ? banWriteData : muteWriteData },
		],
		errors: lifts ? [...FORWARDED, 404] : FORWARDED,
		handle: ({ forwarder, banCache, announceChange }) => [
			onModerationChange(kind, banCache, announceChange),
			async (req, res: Response) => {
				const guildId = guildOf(req);
				const actor = actorLabel(accessOf(res).actor);
				await forwarder.relay(req, res, { method: "POST", path: storePath(guildId, `/roblox/${action}`), guildId, body: req.body ?? {}, actor });
			},
		],
	});
});

/**
 * Registered in the admin mount, after its authentication. Every request goes to the data store by its
 * public paths, so the change log, the ban-status caches of every instance and the event streams see a
 * dashboard ban exactly as they see a game server's.
 */
export const CONSOLE_ROUTES: readonly Route<ConsoleParts>[] = [...reads, ...writes];
