// gateway/operators/operator-routes.ts
// The operators' routes of the admin API: Discord sign-in and its callback, logout, /me, /guilds, members and suspensions.

import express, { type Request, type Router } from "express";
import { accessOf, changedBy, PERMISSIONS, requirePermission, requirePlatformOperator } from "./access";
import { guildParams } from "../keys/key-schemas";
import { readPart } from "../platform/http/fields";
import { discordCallbackQuery, memberParams, operatorParams } from "./operator-schemas";
import type { AuthThrottle } from "../auth/auth-throttle";
import { ApiError, sendSuccess } from "../platform/http/envelope";
import type { KeyAdmin } from "../keys/key-admin";
import { requestLogger } from "../platform/logging/request-log";
import type { BanCounter } from "./ban-counts";
import { DiscordRefused, DiscordUnavailable } from "./discord-client";
import type { OperatorService } from "./operator-service";
import type { StoredOperator } from "./operator-store";
import {
	clearSessionCookie,
	cookieOptions,
	publicBase,
	readCookie,
	sameSecret,
	SESSION_COOKIE,
	sessionOf,
	setSessionCookie,
	type GatewayAddress,
} from "./session-auth";

/** Holds `state.codeVerifier` between the redirect to Discord and its callback. */
const SIGN_IN_COOKIE = "technified_sign_in";
const SIGN_IN_PATH = "/admin/v1/auth";
/** Where the callback sends the browser: the dashboard, told that a session came with it. */
export const SIGNED_IN_FRAGMENT = "#signed-in";
/** Long enough to read Discord's page and click Authorize. */
const SIGN_IN_SECONDS = 600;

export interface OperatorRouteParts {
	operators: OperatorService;
	keys: KeyAdmin;
	throttle: AuthThrottle;
	address: GatewayAddress;
	banCount: BanCounter;
}

const callbackUri = (address: GatewayAddress, req: Request) => `${publicBase(address, req)}${SIGN_IN_PATH}/discord/callback`;

/** Before authentication: starting the sign-in and Discord's way back. */
export function signInRoutes({ operators, throttle, address }: OperatorRouteParts): Router {
	const router = express.Router();

	router.get("/auth/discord", (req, res) => {
		const { url, state, codeVerifier } = operators.beginSignIn(callbackUri(address, req));
		res.cookie(SIGN_IN_COOKIE, `${state}.${codeVerifier}`, cookieOptions(address, req, SIGN_IN_PATH, SIGN_IN_SECONDS));
		res.status(302).setHeader("Location", url).end();
	});

	router.get("/auth/discord/callback", async (req, res) => {
		const { code, state, error } = readPart(discordCallbackQuery, req.query);
		const pending = readCookie(req, SIGN_IN_COOKIE);
		res.clearCookie(SIGN_IN_COOKIE, cookieOptions(address, req, SIGN_IN_PATH));
		const failed = (words: string) => throttle.refuse(req.ip, new ApiError(400, "signin_failed", words));
		if (error !== undefined) return failed(`Discord did not sign you in (${error.slice(0, 64)}); start again from the dashboard`);
		const [expectedState, codeVerifier] = pending?.split(".") ?? [];
		if (code === undefined || state === undefined || expectedState === undefined || codeVerifier === undefined) {
			return failed("The sign-in lacks its code or state, or took over 10 minutes; start again from the dashboard");
		}
		if (!sameSecret(state, expectedState)) return failed("The sign-in's state does not match this browser's; start again from the dashboard");
		let token: string;
		try {
			const previous = readCookie(req, SESSION_COOKIE);
			const signedIn = await operators.completeSignIn({ code, codeVerifier, redirectUri: callbackUri(address, req), previousToken: previous });
			token = signedIn.token;
			const actor = { type: "operator", id: signedIn.operator.id, name: signedIn.operator.name };
			requestLogger(req).info({ actor, address: req.ip }, "operator signed in");
		} catch (err) {
			if (err instanceof DiscordRefused) return failed(`${err.message}; start again from the dashboard`);
			if (err instanceof DiscordUnavailable) throw new ApiError(502, "upstream_unavailable", "Discord could not be reached; try again shortly");
			throw err;
		}
		setSessionCookie(res, req, address, token);
		// The fragment tells the page a session cookie came with it (the page cannot see an HttpOnly cookie).
		res.status(302).setHeader("Location", `${publicBase(address, req)}/dashboard/${SIGNED_IN_FRAGMENT}`).end();
	});

	return router;
}

const suspensionAnswer = (operator: StoredOperator, keysChanged: number) => ({
	operator: { discord_user_id: operator.id, name: operator.name, suspended_at: operator.suspendedAt },
	keys_changed: keysChanged,
});

/** After authentication (and the CSRF check): who is signed in, their guilds, members, suspensions, logout. */
export function operatorRoutes({ operators, keys, address, banCount }: OperatorRouteParts): Router {
	const router = express.Router();

	router.post("/auth/logout", async (req, res) => {
		const session = sessionOf(res);
		if (session !== undefined) await operators.signOut(session.token);
		clearSessionCookie(res, req, address);
		sendSuccess(res, 200, "Signed out", { signed_out: true });
	});

	router.get("/me", async (_req, res) => {
		const session = sessionOf(res);
		if (session === undefined) {
			return sendSuccess(res, 200, "Signed in with the admin token", {
				actor: accessOf(res).actor,
				guilds: [],
				csrf_token: null,
				session_expires_at: null,
			});
		}
		const guilds = await operators.guildsOfOperator(session.operator);
		sendSuccess(res, 200, `Signed in as ${session.operator.name}`, {
			actor: accessOf(res).actor,
			guilds,
			csrf_token: session.session.csrfToken,
			session_expires_at: operators.expiresAt(session.session),
		});
	});

	router.get("/guilds", async (_req, res) => {
		const session = sessionOf(res);
		let listed: { id: string; name: string | null; icon: string | null; permissions: string[] }[];
		let counts: Map<string, number>;
		if (session === undefined) {
			counts = await keys.liveKeyCounts();
			const names = await operators.guildNames([...counts.keys()]);
			listed = [...counts.keys()].map((id) => ({ id, name: names.get(id)?.name ?? null, icon: names.get(id)?.icon ?? null, permissions: [...PERMISSIONS] }));
		} else {
			listed = await operators.guildsOfOperator(session.operator);
			counts = await keys.liveKeyCounts(listed.map((guild) => guild.id));
		}
		const guilds = await Promise.all(
			listed.map(async (guild) => ({ ...guild, key_count: counts.get(guild.id) ?? 0, active_ban_count: await banCount(guild.id) })),
		);
		sendSuccess(res, 200, "Guilds retrieved", { guilds });
	});

	router.get("/guilds/:guildId/members", requirePermission("manage_members"), async (req, res) => {
		const { guildId } = readPart(guildParams, req.params);
		sendSuccess(res, 200, "Members retrieved", { members: await operators.listMembers(guildId) });
	});

	router.post("/guilds/:guildId/members", requirePermission("manage_members"), async (req, res) => {
		const { guildId } = readPart(guildParams, req.params);
		const member = await operators.addMember(guildId, req.body, changedBy(req, res));
		sendSuccess(res, 201, "Member added", { member });
	});

	router.patch("/guilds/:guildId/members/:discordUserId", requirePermission("manage_members"), async (req, res) => {
		const { guildId, discordUserId } = readPart(memberParams, req.params);
		const member = await operators.updateMember(guildId, discordUserId, req.body, changedBy(req, res));
		sendSuccess(res, 200, "Member updated", { member });
	});

	router.delete("/guilds/:guildId/members/:discordUserId", requirePermission("manage_members"), async (req, res) => {
		const { guildId, discordUserId } = readPart(memberParams, req.params);
		await operators.removeMember(guildId, discordUserId, changedBy(req, res));
		res.status(204).end();
	});

	router.post("/operators/:discordUserId/suspend", requirePlatformOperator, async (req, res) => {
		const { discordUserId } = readPart(operatorParams, req.params);
		const { operator, keysChanged } = await operators.suspend(discordUserId, changedBy(req, res));
		sendSuccess(res, 200, "Operator suspended; their sessions ended and their keys are user_moderated", suspensionAnswer(operator, keysChanged));
	});

	router.post("/operators/:discordUserId/unsuspend", requirePlatformOperator, async (req, res) => {
		const { discordUserId } = readPart(operatorParams, req.params);
		const { operator, keysChanged } = await operators.unsuspend(discordUserId, changedBy(req, res));
		sendSuccess(res, 200, "Suspension lifted", suspensionAnswer(operator, keysChanged));
	});

	return router;
}
