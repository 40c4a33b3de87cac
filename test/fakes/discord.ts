// test/fakes/discord.ts
// A fake Discord on loopback for the sign-in tests: the OAuth2 authorization code grant with PKCE and the two user reads.
//
// Written from Discord's documentation: "OAuth2" (discord.com/developers/docs/topics/oauth2: Authorization Code
// Grant, the authorize URL's response_type/client_id/scope/state/redirect_uri, PKCE with code_challenge_method
// S256 as listed in discord.com/.well-known/oauth-authorization-server, the token exchange at /api/oauth2/token
// with client_secret_basic or client_secret_post, its answer {access_token, token_type "Bearer", expires_in
// 604800, refresh_token, scope}, and its errors {"error":"invalid_grant"|"invalid_client", "error_description"}),
// and "Users" (discord.com/developers/docs/resources/user: Get Current User, GET /users/@me, a user object with
// id, username, global_name, avatar, discriminator "0"; Get Current User Guilds, GET /users/@me/guilds with
// before/after/limit (1-200, default 200), partial guilds with id, name, icon, banner, owner, permissions as a
// string bitfield and features). An unknown or revoked token gets 401 {"message": "401: Unauthorized", "code": 0}.
//
// Discord's authorize page asks the signed-in browser user to approve; here the "browser user" is chosen with
// `signInAs`, and the page approves at once by redirecting to redirect_uri with code and state, as Discord does.

import { createHash, randomBytes } from "node:crypto";
import type { AddressInfo } from "node:net";
import type { Server } from "node:http";
import express from "express";

export interface FakeGuild {
	id: string;
	name: string;
	icon: string | null;
	owner: boolean;
	/** Discord's permission bitfield as a decimal string, e.g. "8" (Administrator), "32" (Manage Server). */
	permissions: string;
}

export interface FakeUser {
	id: string;
	username: string;
	global_name: string | null;
	guilds: FakeGuild[];
}

interface PendingCode {
	userId: string;
	redirectUri: string;
	challenge: string;
	scope: string;
}

const ACCESS_TOKEN_SECONDS = 604_800;
const GUILD_LIMIT_MAX = 200;

export interface FakeDiscord {
	/** What DISCORD_API_URL should be: `<origin>/api`. */
	apiUrl: string;
	clientId: string;
	clientSecret: string;
	addUser(user: FakeUser): void;
	/** The Discord account the "browser" is signed in to when it reaches the authorize page. */
	signInAs(userId: string): void;
	/** Replaces a user's guilds (what the next GET /users/@me/guilds reports). */
	setGuilds(userId: string, guilds: FakeGuild[]): void;
	/** The user deauthorized the app: every token of theirs stops working. */
	revokeTokens(userId: string): void;
	/** The access tokens Discord issued to a user and has not revoked (to check none is stored in the clear). */
	accessTokensOf(userId: string): string[];
	/** How many times each route was called, e.g. `calls.get("GET /api/users/@me/guilds")`. */
	calls: Map<string, number>;
	close(): Promise<void>;
}

const unauthorized = { message: "401: Unauthorized", code: 0 };

/** `accessTokenSeconds`: the `expires_in` of issued access tokens (Discord's is 604800), shorter to reach a refresh in tests. */
export async function startFakeDiscord(options: { accessTokenSeconds?: number } = {}): Promise<FakeDiscord> {
	const accessTokenSeconds = options.accessTokenSeconds ?? ACCESS_TOKEN_SECONDS;
	const clientId = "1100000000000000001";
	const clientSecret = randomBytes(16).toString("hex");
	const users = new Map<string, FakeUser>();
	const codes = new Map<string, PendingCode>();
	const accessTokens = new Map<string, string>();
	const refreshTokens = new Map<string, string>();
	const calls = new Map<string, number>();
	let browserUser: string | undefined;

	const app = express();
	app.use((req, _res, next) => {
		const key = `${req.method} ${req.path}`;
		calls.set(key, (calls.get(key) ?? 0) + 1);
		next();
	});

	app.get("/oauth2/authorize", (req, res) => {
		const query = req.query as Record<string, string | undefined>;
		const scopes = (query.scope ?? "").split(" ");
		// Discord shows an error page (not a redirect) for a bad client or redirect.
		if (query.client_id !== clientId) return res.status(400).type("text").send("Unknown application");
		if (query.response_type !== "code" || query.redirect_uri === undefined) return res.status(400).type("text").send("Invalid OAuth2 request");
		const redirect = new URL(query.redirect_uri);
		if (query.state !== undefined) redirect.searchParams.set("state", query.state);
		if (!scopes.includes("identify") || query.code_challenge_method !== "S256" || query.code_challenge === undefined) {
			redirect.searchParams.set("error", "invalid_request");
			return res.redirect(302, redirect.toString());
		}
		if (browserUser === undefined) return res.status(400).type("text").send("No Discord user signed in to this browser");
		const code = randomBytes(15).toString("base64url");
		codes.set(code, { userId: browserUser, redirectUri: query.redirect_uri, challenge: query.code_challenge, scope: scopes.join(" ") });
		redirect.searchParams.set("code", code);
		res.redirect(302, redirect.toString());
	});

	const issueTokens = (userId: string, scope: string) => {
		const access = randomBytes(20).toString("base64url");
		const refresh = randomBytes(20).toString("base64url");
		accessTokens.set(access, userId);
		refreshTokens.set(refresh, userId);
		return { access_token: access, token_type: "Bearer", expires_in: accessTokenSeconds, refresh_token: refresh, scope };
	};

	app.post("/api/oauth2/token", express.urlencoded({ extended: false }), (req, res) => {
		const body = req.body as Record<string, string | undefined>;
		const basic = /^Basic (.+)$/.exec(req.headers.authorization ?? "");
		const [id, secret] = basic === null ? [body.client_id, body.client_secret] : Buffer.from(basic[1], "base64").toString().split(":");
		if (id !== clientId || secret !== clientSecret) return res.status(401).json({ error: "invalid_client" });
		if (body.grant_type === "authorization_code") {
			const pending = body.code === undefined ? undefined : codes.get(body.code);
			// A code works once.
			if (body.code !== undefined) codes.delete(body.code);
			if (pending === undefined) return res.status(400).json({ error: "invalid_grant", error_description: 'Invalid "code" in request.' });
			if (pending.redirectUri !== body.redirect_uri) {
				return res.status(400).json({ error: "invalid_grant", error_description: 'Invalid "redirect_uri" in request.' });
			}
			const challenge = createHash("sha256").update(body.code_verifier ?? "").digest("base64url");
			if (challenge !== pending.challenge) {
				return res.status(400).json({ error: "invalid_grant", error_description: 'Invalid "code_verifier" in request.' });
			}
			return res.json(issueTokens(pending.userId, pending.scope));
		}
		if (body.grant_type === "refresh_token") {
			const userId = body.refresh_token === undefined ? undefined : refreshTokens.get(body.refresh_token);
			if (userId === undefined) return res.status(400).json({ error: "invalid_grant", error_description: 'Invalid "refresh_token" in request.' });
			refreshTokens.delete(body.refresh_token!);
			return res.json(issueTokens(userId, "identify guilds"));
		}
		res.status(400).json({ error: "unsupported_grant_type" });
	});

	const bearerUser = (authorization: string | undefined): FakeUser | undefined => {
		const token = /^Bearer (.+)$/.exec(authorization ?? "")?.[1];
		const userId = token === undefined ? undefined : accessTokens.get(token);
		return userId === undefined ? undefined : users.get(userId);
	};

	app.get("/api/users/@me", (req, res) => {
		const user = bearerUser(req.headers.authorization);
		if (user === undefined) return res.status(401).json(unauthorized);
		res.json({ id: user.id, username: user.username, global_name: user.global_name, avatar: null, discriminator: "0", public_flags: 0 });
	});

	app.get("/api/users/@me/guilds", (req, res) => {
		const user = bearerUser(req.headers.authorization);
		if (user === undefined) return res.status(401).json(unauthorized);
		const limit = Math.min(Number(req.query.limit ?? GUILD_LIMIT_MAX), GUILD_LIMIT_MAX);
		const after = typeof req.query.after === "string" ? BigInt(req.query.after) : -1n;
		const page = [...user.guilds]
			.sort((a, b) => (BigInt(a.id) < BigInt(b.id) ? -1 : 1))
			.filter((guild) => BigInt(guild.id) > after)
			.slice(0, limit)
			.map((guild) => ({ ...guild, banner: null, features: [] }));
		res.json(page);
	});

	const server = await new Promise<Server>((resolve) => {
		const listening = app.listen(0, "127.0.0.1", () => resolve(listening));
	});
	const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

	return {
		apiUrl: `${origin}/api`,
		clientId,
		clientSecret,
		addUser: (user) => users.set(user.id, user),
		signInAs: (userId) => {
			browserUser = userId;
		},
		setGuilds: (userId, guilds) => {
			users.get(userId)!.guilds = guilds;
		},
		revokeTokens: (userId) => {
			for (const tokens of [accessTokens, refreshTokens]) {
				for (const [token, owner] of tokens) if (owner === userId) tokens.delete(token);
			}
		},
		accessTokensOf: (userId) => [...accessTokens].filter(([, owner]) => owner === userId).map(([token]) => token),
		calls,
		close: () =>
			new Promise<void>((resolve) => {
				server.closeAllConnections();
				server.close(() => resolve());
			}),
	};
}
