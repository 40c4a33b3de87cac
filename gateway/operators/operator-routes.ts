// gateway/operators/operator-routes.ts
// The operators' routes of the admin API, declared once: Discord sign-in and its callback, logout, /me, /guilds, members and suspensions.

import type { Request } from "express";
import { accessOf, changedBy, PERMISSIONS } from "./access";
import { guildParams } from "../keys/key-schemas";
import { readPart } from "../platform/http/fields";
import { defineRoute, type Route } from "../platform/http/route";
import {
	addMemberBody,
	discordCallbackQuery,
	guildsData,
	meData,
	memberData,
	memberParams,
	membersData,
	operatorParams,
	signedOutData,
	suspensionData,
	updateMemberBody,
} from "./operator-schemas";
import type { AuthThrottle } from "../auth/auth-throttle";
import { ApiError, sendSuccess } from "../platform/http/envelope";
import type { KeyAdmin } from "../keys/key-admin";
import { requestLogger } from "../platform/logging/request-log";
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
	/** Active bans of a guild, or null when the data store cannot be read (the listing still answers). */
	banCount: (guildId: string) => Promise<number | null>;
}

const callbackUri = (address: GatewayAddress, req: Request) => `${publicBase(address, req)}${SIGN_IN_PATH}/discord/callback`;

const operatorRoute = (fields: Omit<Route<OperatorRouteParts>, "tag">): Route<OperatorRouteParts> => defineRoute({ tag: "Operators", ...fields });

/** Before authentication: starting the sign-in and Discord's way back. */
export const SIGN_IN_ROUTES: readonly Route<OperatorRouteParts>[] = [
	operatorRoute({
		method: "get",
		path: "/admin/v1/auth/discord",
		summary: "Start the Discord sign-in",
		description:
			"Redirects (302) to Discord's authorize page with `state`, an S256 PKCE challenge and the scopes `identify guilds`; a " +
			"short-lived HttpOnly cookie keeps the state and verifier for the callback. 404 when DISCORD_CLIENT_ID/SECRET are unset.",
		guard: { caller: "anyone" },
		answers: [{ status: 302, description: "To Discord's authorize page", data: null }],
		errors: [404],
		handle: ({ operators, address }) => [
			(req, res) => {
				const { url, state, codeVerifier } = operators.beginSignIn(callbackUri(address, req));
				res.cookie(SIGN_IN_COOKIE, `${state}.${codeVerifier}`, cookieOptions(address, req, SIGN_IN_PATH, SIGN_IN_SECONDS));
				res.status(302).setHeader("Location", url).end();
			},
		],
	}),
	operatorRoute({
		method: "get",
		path: "/admin/v1/auth/discord/callback",
		summary: "Discord's way back: open a session",
		description:
			"Checks `state`, trades the code (with the PKCE verifier) for Discord tokens (kept encrypted with SECRETS_KEY), reads the " +
			"user and their guilds, then sets a new session cookie (any previous one ends) and redirects (302) to the dashboard. A " +
			"failed sign-in is 400 `signin_failed` and counts against the address (429 `auth_throttled` past the limit); a suspended " +
			"operator gets 403.",
		guard: { caller: "sign_in" },
		request: { query: discordCallbackQuery },
		answers: [{ status: 302, description: "To the dashboard, signed in", data: null }],
		errors: [400, 403, 404, 429, 502, 503],
		handle: ({ operators, throttle, address }) => [
			async (req, res) => {
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
			},
		],
	}),
];

const suspensionAnswer = (operator: StoredOperator, keysChanged: number) => ({
	operator: { discord_user_id: operator.id, name: operator.name, suspended_at: operator.suspendedAt },
	keys_changed: keysChanged,
});

const signedIn = { caller: "admin" } as const;
const managesMembers = { caller: "admin", need: { permission: ["manage_members"] } } as const;

/** After authentication (and the CSRF check): who is signed in, their guilds, members, suspensions, logout. */
export const OPERATOR_ROUTES: readonly Route<OperatorRouteParts>[] = [
	operatorRoute({
		method: "post",
		path: "/admin/v1/auth/logout",
		summary: "End the session",
		description: "Ends the session of the cookie and clears it (CSRF rules apply). With the admin token there is nothing to end.",
		guard: signedIn,
		answers: [{ status: 200, description: "Signed out", data: signedOutData }],
		handle: ({ operators, address }) => [
			async (req, res) => {
				const session = sessionOf(res);
				if (session !== undefined) await operators.signOut(session.token);
				clearSessionCookie(res, req, address);
				sendSuccess(res, 200, "Signed out", { signed_out: true });
			},
		],
	}),
	operatorRoute({
		method: "get",
		path: "/admin/v1/me",
		summary: "Who is signed in",
		description: "The actor, their guilds with the permissions they hold there, and the CSRF token of the session.",
		guard: signedIn,
		answers: [{ status: 200, description: "Signed in as …", data: meData }],
		handle: ({ operators }) => [
			async (_req, res) => {
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
			},
		],
	}),
	operatorRoute({
		method: "get",
		path: "/admin/v1/guilds",
		summary: "The guilds the caller may see",
		description:
			"An operator's guilds where they hold any permission (through Discord or granted); for the admin token, every guild " +
			"with keys. Names and icons come from Discord where an operator's sign-in saw them.",
		guard: signedIn,
		answers: [{ status: 200, description: "Guilds retrieved", data: guildsData }],
		handle: ({ operators, keys, banCount }) => [
			async (_req, res) => {
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
			},
		],
	}),
	operatorRoute({
		method: "get",
		path: "/admin/v1/guilds/:guildId/members",
		summary: "The guild's operators by grant",
		description: "Needs `manage_members`. Discord owners and holders of Administrator or Manage Server need no grant.",
		guard: managesMembers,
		request: { params: guildParams },
		answers: [{ status: 200, description: "Members retrieved", data: membersData }],
		handle: ({ operators }) => [
			async (req, res) => {
				const { guildId } = readPart(guildParams, req.params);
				sendSuccess(res, 200, "Members retrieved", { members: await operators.listMembers(guildId) });
			},
		],
	}),
	operatorRoute({
		method: "post",
		path: "/admin/v1/guilds/:guildId/members",
		summary: "Grant a Discord user permissions in the guild",
		description: "Needs `manage_members`. 409 `member_exists` when they are a member already (PATCH them instead).",
		guard: managesMembers,
		request: { params: guildParams, body: { schema: addMemberBody, required: true, example: { discord_user_id: "80351110224678912", permissions: ["view"] } } },
		answers: [{ status: 201, description: "Member added", data: memberData }],
		errors: [409],
		conflicts: ["member_exists"],
		handle: ({ operators }) => [
			async (req, res) => {
				const { guildId } = readPart(guildParams, req.params);
				const { discord_user_id: discordUserId, permissions } = readPart(addMemberBody, req.body ?? {});
				const member = await operators.addMember(guildId, { discordUserId, permissions }, changedBy(req, res));
				sendSuccess(res, 201, "Member added", { member });
			},
		],
	}),
	operatorRoute({
		method: "patch",
		path: "/admin/v1/guilds/:guildId/members/:discordUserId",
		summary: "Set a member's permissions",
		description:
			"Needs `manage_members`. A member left without `create_keys` or `administer_keys` has the keys they generated turn " +
			"`creator_removed`, on the next request on every instance.",
		guard: managesMembers,
		request: { params: memberParams, body: { schema: updateMemberBody, required: true, example: { permissions: ["view", "moderate"] } } },
		answers: [{ status: 200, description: "Member updated", data: memberData }],
		errors: [404],
		handle: ({ operators }) => [
			async (req, res) => {
				const { guildId, discordUserId } = readPart(memberParams, req.params);
				const { permissions } = readPart(updateMemberBody, req.body ?? {});
				const member = await operators.updateMember(guildId, discordUserId, permissions, changedBy(req, res));
				sendSuccess(res, 200, "Member updated", { member });
			},
		],
	}),
	operatorRoute({
		method: "delete",
		path: "/admin/v1/guilds/:guildId/members/:discordUserId",
		summary: "Remove a member",
		description: "Needs `manage_members`. Their keys turn `creator_removed` unless Discord still gives them the right.",
		guard: managesMembers,
		request: { params: memberParams },
		answers: [{ status: 204, description: "Removed", data: null }],
		errors: [404],
		handle: ({ operators }) => [
			async (req, res) => {
				const { guildId, discordUserId } = readPart(memberParams, req.params);
				await operators.removeMember(guildId, discordUserId, changedBy(req, res));
				res.status(204).end();
			},
		],
	}),
	...(["suspend", "unsuspend"] as const).map((action) =>
		operatorRoute({
			method: "post",
			path: `/admin/v1/operators/:discordUserId/${action}`,
			summary: action === "suspend" ? "Suspend an operator (platform operator only)" : "Lift a suspension (platform operator only)",
			description:
				action === "suspend"
					? "Their sessions end and every key they generated turns `user_moderated`, on the next request on every instance; the audit " +
						"of each guild where they hold a permission records `operator_suspended`."
					: "Their `user_moderated` keys are back to what they were; those guilds' audits record `operator_unsuspended`.",
			guard: { caller: "admin", need: { platformOperator: true } },
			request: { params: operatorParams },
			answers: [{ status: 200, description: action === "suspend" ? "Operator suspended" : "Suspension lifted", data: suspensionData }],
			errors: [404],
			handle: ({ operators }) => [
				async (req, res) => {
					const { discordUserId } = readPart(operatorParams, req.params);
					if (action === "suspend") {
						const { operator, keysChanged } = await operators.suspend(discordUserId, changedBy(req, res));
						sendSuccess(res, 200, "Operator suspended; their sessions ended and their keys are user_moderated", suspensionAnswer(operator, keysChanged));
					} else {
						const { operator, keysChanged } = await operators.unsuspend(discordUserId, changedBy(req, res));
						sendSuccess(res, 200, "Suspension lifted", suspensionAnswer(operator, keysChanged));
					}
				},
			],
		}),
	),
];
