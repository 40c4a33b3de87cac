// test/fakes/discord.ts
// A fake Discord on loopback: the OAuth2 sign-in (authorization code grant with PKCE, the two user reads) and the
// application's side of slash commands (signed interactions, editing @original, registering commands).
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
// Slash commands, from "Receiving and Responding" (discord.com/developers/docs/interactions/receiving-and-responding:
// each interaction POSTed to the Interactions Endpoint URL with X-Signature-Ed25519, the hex Ed25519 signature of
// X-Signature-Timestamp + the raw body by the application's key pair, whose public half is the app's 32-byte
// public key in hex; PING type 1 answered by PONG type 1; an answer within 3 seconds, or type 5 (deferred) and
// then Edit Original Interaction Response, PATCH /webhooks/{application.id}/{interaction.token}/messages/@original,
// no Authorization header, an unknown token 404 {"message": "Unknown Webhook", "code": 10015}) and "Application
// Commands" (…/interactions/application-commands: Bulk Overwrite Global Application Commands, PUT
// /applications/{application.id}/commands, and the guild form …/guilds/{guild.id}/commands, with
// `Authorization: Bot <token>`, answering the registered commands with their ids; a wrong token 401).
// `interact` plays Discord's side: it signs a payload with the key pair and POSTs it to the endpoint.
//
// Discord's authorize page asks the signed-in browser user to approve; here the "browser user" is chosen with
// `signInAs`, and the page approves at once by redirecting to redirect_uri with code and state, as Discord does.

import { createHash, generateKeyPairSync, randomBytes, sign } from "node:crypto";
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
	/** The application the slash commands belong to (DISCORD_APPLICATION_ID). */
	applicationId: string;
	/** DISCORD_PUBLIC_KEY: the raw Ed25519 public key, hex. */
	publicKey: string;
	/** DISCORD_BOT_TOKEN. */
	botToken: string;
	/** Signs `body` at `timestamp` (unix s) as Discord does: hex Ed25519 of timestamp + body. */
	signInteraction(body: string, timestamp: string): string;
	/**
	 * POSTs an interaction to `endpoint` signed with the key pair, as Discord does; `tamper` changes what is
	 * sent after signing. Answers the status, the body and how long the first answer took (ms).
	 */
	interact(
		endpoint: string,
		payload: object,
		options?: { timestamp?: number; tamper?: (signed: { body: string; timestamp: string; signature: string }) => { body: string; timestamp: string; signature: string } },
	): Promise<{ status: number; body: any; ms: number }>;
	/** Each PATCH of @original the fake accepted: the interaction token, the body, when it arrived (unix ms). */
	edits: { token: string; body: any; at: number }[];
	/** Each bulk overwrite accepted: the guild (undefined: global) and the commands sent. */
	registrations: { guildId: string | undefined; commands: any[] }[];
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

	const applicationId = "1100000000000000002";
	const botToken = `bot.${randomBytes(24).toString("base64url")}`;
	const keyPair = generateKeyPairSync("ed25519");
	// The SPKI DER of an Ed25519 key ends with the raw 32 bytes, which is what Discord shows as the public key.
	const publicKey = keyPair.publicKey.export({ format: "der", type: "spki" }).subarray(-32).toString("hex");
	const signInteraction = (body: string, timestamp: string) => sign(null, Buffer.from(timestamp + body), keyPair.privateKey).toString("hex");
	const edits: FakeDiscord["edits"] = [];
	const registrations: FakeDiscord["registrations"] = [];

	app.patch("/api/webhooks/:applicationId/:token/messages/@original", express.json(), (req, res) => {
		if (req.params.applicationId !== applicationId) return res.status(404).json({ message: "Unknown Webhook", code: 10015 });
		edits.push({ token: req.params.token, body: req.body, at: Date.now() });
		res.json({ id: randomBytes(8).readBigUInt64BE().toString(), type: 0, ...req.body });
	});
	const overwrite: express.RequestHandler = (req, res) => {
		if (req.headers.authorization !== `Bot ${botToken}`) return res.status(401).json(unauthorized);
		if (req.params.applicationId !== applicationId) return res.status(403).json({ message: "Missing Access", code: 50001 });
		if (!Array.isArray(req.body)) return res.status(400).json({ message: "Invalid Form Body", code: 50035 });
		registrations.push({ guildId: req.params.guildId as string | undefined, commands: req.body });
		res.json((req.body as object[]).map((command, at) => ({ id: String(1200000000000000000n + BigInt(at)), application_id: applicationId, version: "1", ...command })));
	};
	app.put("/api/applications/:applicationId/commands", express.json(), overwrite);
	app.put("/api/applications/:applicationId/guilds/:guildId/commands", express.json(), overwrite);

	const server = await new Promise<Server>((resolve) => {
		const listening = app.listen(0, "127.0.0.1", () => resolve(listening));
	});
	const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

	return {
		apiUrl: `${origin}/api`,
		clientId,
		clientSecret,
		applicationId,
		publicKey,
		botToken,
		signInteraction,
		async interact(endpoint, payload, options = {}) {
			const body = JSON.stringify(payload);
			const timestamp = String(options.timestamp ?? Math.floor(Date.now() / 1000));
			const signed = { body, timestamp, signature: signInteraction(body, timestamp) };
			const sent = options.tamper?.(signed) ?? signed;
			const started = performance.now();
			const response = await fetch(endpoint, {
				method: "POST",
				headers: { "content-type": "application/json", "x-signature-ed25519": sent.signature, "x-signature-timestamp": sent.timestamp, "user-agent": "Discord-Interactions/1.0 (+https://discord.com)" },
				body: sent.body,
			});
			const text = await response.text();
			const ms = performance.now() - started;
			let parsed: unknown = text;
			try {
				parsed = JSON.parse(text);
			} catch {
				// left as text
			}
			return { status: response.status, body: parsed, ms };
		},
		edits,
		registrations,
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
