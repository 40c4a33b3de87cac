// gateway/moderation/console-routes.ts
// The dashboard's moderation routes (README, "API summary"): statuses, history, lists and actions, with the operator as the actor.

import express, { type Request, type Response, type Router } from "express";
import { API_BASE } from "../../shared/routes";
import { accessOf, requirePermission, type Actor } from "../operators/access";
import { readPart } from "../platform/http/fields";
import { consoleParams, consoleStatusParams, consoleStatusQuery } from "./console-schemas";
import { listQuery } from "./moderation-schemas";
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

/** `banned_by` / `lifted_by` of a dashboard action without a Roblox moderator (README, "API summary"). */
export function actorLabel(actor: Actor): string {
	return actor.type === "operator" ? `discord:${actor.id}` : "admin_token";
}

/** The query string as the caller sent it, for the data store to check with its own schemas. */
function queryOf(req: Request): string {
	const at = req.originalUrl.indexOf("?");
	return at === -1 ? "" : req.originalUrl.slice(at);
}

/**
 * Mounted at `/admin/v1/guilds/:guildId/moderation`, after the admin router's authentication. Every
 * request goes to the data store by its public paths, so the change log, the ban-status caches of
 * every instance and the event streams see a dashboard ban exactly as they see a game server's.
 */
export function moderationConsoleRouter({ forwarder, banCache, announceChange }: ConsoleParts): Router {
	const router = express.Router({ mergeParams: true });
	const storePath = (guildId: string, rest: string) => `${API_BASE}/moderation/${guildId}${rest}`;
	const guildOf = (req: Request) => readPart(consoleParams, req.params).guildId;

	// Reads need view or moderate: the README's "API summary" lets moderators read statuses, lists and history too.
	// Ban and mute together, so the page shows both from one answer at one instant.
	router.get("/status/:identifier", requirePermission("view", "moderate"), async (req, res) => {
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
	});

	router.get("/history/:identifier", requirePermission("view", "moderate"), async (req, res) => {
		const { guildId, identifier } = readPart(consoleStatusParams, req.params);
		readPart(listQuery, req.query);
		await forwarder.relay(req, res, { method: "GET", path: storePath(guildId, `/roblox/history/${identifier}${queryOf(req)}`), guildId });
	});

	for (const list of ["bans", "mutes"] as const) {
		router.get(`/${list}`, requirePermission("view", "moderate"), async (req, res) => {
			const guildId = guildOf(req);
			readPart(listQuery, req.query);
			await forwarder.relay(req, res, { method: "GET", path: storePath(guildId, `/roblox/${list}/active${queryOf(req)}`), guildId });
		});
	}

	const actions = { ban: "ban", unban: "ban", mute: "mute", unmute: "mute" } as const;
	for (const [action, kind] of Object.entries(actions) as [keyof typeof actions, ModerationChangeNotice["kind"]][]) {
		router.post(`/${action}`, requirePermission("moderate"), onModerationChange(kind, banCache, announceChange), async (req, res: Response) => {
			const guildId = guildOf(req);
			const actor = actorLabel(accessOf(res).actor);
			await forwarder.relay(req, res, { method: "POST", path: storePath(guildId, `/roblox/${action}`), guildId, body: req.body ?? {}, actor });
		});
	}
	return router;
}
