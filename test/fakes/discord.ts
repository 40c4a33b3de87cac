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
// no Authorization header, an unknown token 404 {"message": "Unknown Webhook", "code": 10015}; Create Followup
// Message, POST /webhooks/{application.id}/{interaction.token}, Execute Webhook's body with `wait` always true, so it
// answers the new message, seen only by the user with flags 64 (EPHEMERAL); right after a type 5 Discord edits the
// loading message instead, which the gateway never relies on, so the fake records every follow-up as new) and "Application
// Commands" (…/interactions/application-commands: Bulk Overwrite Global Application Commands, PUT
// /applications/{application.id}/commands, and the guild form …/guilds/{guild.id}/commands, with
// `Authorization: Bot <token>`, answering the registered commands with their ids; a wrong token 401).
// `interact` plays Discord's side: it signs a payload with the key pair and POSTs it to the endpoint.
//
// Discord's authorize page asks the signed-in browser user to approve; here the "browser user" is chosen with
// `signInAs`, and the page approves at once by redirecting to redirect_uri with code and state, as Discord does.

import { createHash, generateKeyPairSync, randomBytes, randomInt, sign } from "node:crypto";
import type { AddressInfo } from "node:net";
import type { Server } from "node:http";
import {
	ApplicationCommandOptionType,
	ApplicationCommandType,
	ApplicationIntegrationType,
	ChannelType,
	ComponentType,
	GuildMemberFlags,
	InteractionContextType,
	InteractionType,
	Locale,
	MessageType,
	PermissionFlagsBits,
	type APIApplicationCommandAutocompleteGuildInteraction,
	type APIChatInputApplicationCommandGuildInteraction,
	type APIInteraction,
	type APIInteractionGuildMember,
	type APIInteractionResponseCallbackData,
	type APIMessageComponentButtonInteraction,
	type APIPingInteraction,
} from "discord-api-types/v10";
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

/** Who uses a command: a member of a guild, with their permissions in the channel. */
export interface InteractingMember {
	guildId: string;
	user: { id: string; username: string; global_name: string | null };
	/** Discord's permission bitfield as a decimal string: "8" Administrator, "32" Manage Server, "0" none. */
	permissions: string;
}

const ACCESS_TOKEN_SECONDS = 604_800;
/** Discord's epoch (2015-01-01) in unix ms: a snowflake's top bits are the ms since then ("Reference", Snowflakes). */
const DISCORD_EPOCH = 1_420_070_400_000n;
const CHANNEL_ID = "400000000000000001";
/** What Discord tells the app it may do in the channel (`app_permissions`); the commands never read it. */
const APP_PERMISSIONS = String(PermissionFlagsBits.SendMessages | PermissionFlagsBits.EmbedLinks);
/** `attachment_size_limit`: 10 MiB, an unboosted server's. */
const ATTACHMENT_SIZE_LIMIT = 10 * 1024 * 1024;
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
	/** DISCORD_PUBLIC_KEY, DISCORD_APPLICATION_ID and DISCORD_API_URL: a gateway that takes this fake's interactions and answers through it. */
	gatewayEnv: Record<"DISCORD_PUBLIC_KEY" | "DISCORD_APPLICATION_ID" | "DISCORD_API_URL", string>;
	/** A PING (type 1), as Discord sends when the endpoint URL is saved. */
	ping(): APIPingInteraction;
	/** A slash command used by `from`, its options all strings as the gateway's commands register them; a fresh id and token. */
	slashCommand(from: InteractingMember, name: string, options?: Record<string, string>): APIChatInputApplicationCommandGuildInteraction;
	/** Autocomplete (type 4): `from` is typing `value` into the option `option` of `/name`. */
	typing(from: InteractingMember, name: string, option: string, value: string): APIApplicationCommandAutocompleteGuildInteraction;
	/** A press of the button `customId` on `message`, the answer that carries it (as Discord sends that message back). */
	buttonPress(from: InteractingMember, customId: string, message: APIInteractionResponseCallbackData): APIMessageComponentButtonInteraction;
	/** Signs `body` at `timestamp` (unix s) as Discord does: hex Ed25519 of timestamp + body. */
	signInteraction(body: string, timestamp: string): string;
	/**
	 * POSTs an interaction to `endpoint` signed with the key pair, as Discord does; `tamper` changes what is
	 * sent after signing. Answers the status, the body and how long the first answer took (ms).
	 */
	interact(
		endpoint: string,
		payload: APIInteraction,
		options?: { timestamp?: number; tamper?: (signed: { body: string; timestamp: string; signature: string }) => { body: string; timestamp: string; signature: string } },
	): Promise<{ status: number; body: any; ms: number }>;
	/** Each PATCH of @original the fake accepted: the interaction token, the body, when it arrived (unix ms). */
	edits: { token: string; body: any; at: number }[];
	/** Each follow-up message the fake accepted: the interaction token, the body, when it arrived (unix ms). */
	followUps: { token: string; body: any; at: number }[];
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
	const followUps: FakeDiscord["followUps"] = [];
	const registrations: FakeDiscord["registrations"] = [];

	let sequence = 0;
	// Timestamp, then 10 bits standing for Discord's worker and process, then a counter.
	const workerBits = BigInt(randomInt(1024)) << 12n;
	const snowflake = () => String(((BigInt(Date.now()) - DISCORD_EPOCH) << 22n) | workerBits | BigInt((sequence += 1) % 4096));
	/** The fields every interaction carries ("Interaction Object"); a fresh id and a token of Discord's length. */
	const base = () => ({
		id: snowflake(),
		application_id: applicationId,
		token: `aW50ZXJhY3Rpb24${randomBytes(100).toString("base64url")}`,
		version: 1 as const,
		app_permissions: APP_PERMISSIONS,
		entitlements: [],
		attachment_size_limit: ATTACHMENT_SIZE_LIMIT,
	});
	const inGuild = (from: InteractingMember) => {
		const member: APIInteractionGuildMember = {
			user: { ...from.user, discriminator: "0", avatar: null },
			roles: [],
			joined_at: "2024-01-01T00:00:00.000000+00:00",
			deaf: false,
			mute: false,
			flags: GuildMemberFlags.CompletedOnboarding,
			permissions: from.permissions,
		};
		return {
			guild_id: from.guildId,
			member,
			channel_id: CHANNEL_ID,
			channel: { id: CHANNEL_ID, type: ChannelType.GuildText as const },
			locale: Locale.EnglishUS,
			guild_locale: Locale.EnglishUS,
			authorizing_integration_owners: { [ApplicationIntegrationType.GuildInstall]: from.guildId },
			context: InteractionContextType.Guild,
		};
	};
	const ping = (): APIPingInteraction => ({ ...base(), type: InteractionType.Ping, authorizing_integration_owners: {} });
	const slashCommand = (from: InteractingMember, name: string, options: Record<string, string> = {}): APIChatInputApplicationCommandGuildInteraction => ({
		...base(),
		...inGuild(from),
		type: InteractionType.ApplicationCommand,
		data: {
			id: snowflake(),
			name,
			type: ApplicationCommandType.ChatInput,
			options: Object.entries(options).map(([option, value]) => ({ name: option, type: ApplicationCommandOptionType.String, value })),
		},
	});
	const typing = (from: InteractingMember, name: string, option: string, value: string): APIApplicationCommandAutocompleteGuildInteraction => ({
		...base(),
		...inGuild(from),
		type: InteractionType.ApplicationCommandAutocomplete,
		data: { id: snowflake(), name, type: ApplicationCommandType.ChatInput, options: [{ name: option, type: ApplicationCommandOptionType.String, value, focused: true }] },
	});
	const buttonPress = (from: InteractingMember, customId: string, message: APIInteractionResponseCallbackData): APIMessageComponentButtonInteraction => ({
		...base(),
		...inGuild(from),
		type: InteractionType.MessageComponent,
		data: { custom_id: customId, component_type: ComponentType.Button },
		message: {
			id: snowflake(),
			channel_id: CHANNEL_ID,
			// An answer to an interaction is posted by the application's webhook.
			author: { id: applicationId, username: "Technified", discriminator: "0000", global_name: null, avatar: null, bot: true },
			webhook_id: applicationId,
			application_id: applicationId,
			type: MessageType.ChatInputCommand,
			content: message.content ?? "",
			embeds: message.embeds ?? [],
			components: message.components ?? [],
			timestamp: new Date().toISOString(),
			edited_timestamp: null,
			tts: false,
			mention_everyone: false,
			mentions: [],
			mention_roles: [],
			attachments: [],
			pinned: false,
		},
	});

	/** The message object Discord answers an edit or a follow-up with (Execute Webhook with `wait`). */
	const webhookMessage = (body: object) => ({ id: snowflake(), type: MessageType.Default, channel_id: CHANNEL_ID, webhook_id: applicationId, ...body });
	app.patch("/api/webhooks/:applicationId/:token/messages/@original", express.json(), (req, res) => {
		if (req.params.applicationId !== applicationId) return res.status(404).json({ message: "Unknown Webhook", code: 10015 });
		edits.push({ token: req.params.token, body: req.body, at: Date.now() });
		res.json(webhookMessage(req.body));
	});
	app.post("/api/webhooks/:applicationId/:token", express.json(), (req, res) => {
		if (req.params.applicationId !== applicationId) return res.status(404).json({ message: "Unknown Webhook", code: 10015 });
		followUps.push({ token: req.params.token, body: req.body, at: Date.now() });
		res.json(webhookMessage(req.body));
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
		gatewayEnv: { DISCORD_PUBLIC_KEY: publicKey, DISCORD_APPLICATION_ID: applicationId, DISCORD_API_URL: `${origin}/api` },
		ping,
		slashCommand,
		typing,
		buttonPress,
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
		followUps,
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
