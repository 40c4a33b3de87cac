// gateway/operators/discord-client.ts
// Discord as the sign-in needs it: the OAuth2 code flow with PKCE (arctic) and the two REST reads, /users/@me and its guilds.

import { CodeChallengeMethod, OAuth2Client, OAuth2RequestError, type OAuth2Tokens } from "arctic";
import type { OperatorGuild } from "./operator-store";

/** Discord's OAuth2 application (DISCORD_CLIENT_ID, DISCORD_CLIENT_SECRET, DISCORD_API_URL). */
export interface DiscordSettings {
	clientId: string;
	clientSecret: string;
	/** DISCORD_API_URL without a trailing slash; the authorize page is this without `/api`. */
	apiUrl: string;
}

/** The scopes of docs/api.md's "API summary": who the user is, and their guilds with owner and permissions. */
export const DISCORD_SCOPES = ["identify", "guilds"];
/** Discord answers at most 200 guilds a page (`GET /users/@me/guilds`, `limit`). */
const GUILD_PAGE = 200;
/** Enough pages for any real account (Discord caps guilds per user well below this). */
const MAX_GUILD_PAGES = 10;
const TIMEOUT_MS = 5_000;

export interface DiscordTokens {
	accessToken: string;
	refreshToken: string | null;
	/** Unix seconds. */
	expiresAt: number;
}

export interface DiscordIdentity {
	id: string;
	/** The display name when set, else the username. */
	name: string;
}

/** Discord refused the token or the code (the user revoked the app, a code was reused): sign in again. */
export class DiscordRefused extends Error {
	constructor(message: string) {
		super(message);
		this.name = "DiscordRefused";
	}
}

/** Discord could not be reached or answered something else; the words never include a token. */
export class DiscordUnavailable extends Error {
	constructor(message: string, options?: { cause?: unknown }) {
		super(message, options);
		this.name = "DiscordUnavailable";
	}
}

interface DiscordUserBody {
	id: string;
	username: string;
	global_name?: string | null;
}

interface DiscordPartialGuildBody {
	id: string;
	name: string;
	icon: string | null;
	owner: boolean;
	permissions: string;
}

/**
 * @example
 * const discord = new DiscordClient(config.discord, clock);
 * const url = discord.authorizationUrl(state, verifier, redirectUri);
 * const tokens = await discord.exchangeCode(code, verifier, redirectUri);
 * const me = await discord.identity(tokens.accessToken);
 */
export class DiscordClient {
	constructor(
		private readonly settings: DiscordSettings,
		private readonly clock: () => number = Date.now,
	) {}

	private client(redirectUri: string | null): OAuth2Client {
		return new OAuth2Client(this.settings.clientId, this.settings.clientSecret, redirectUri);
	}

	private get tokenEndpoint(): string {
		return `${this.settings.apiUrl}/oauth2/token`;
	}

	/** Discord's authorize page (DISCORD_API_URL without `/api`), with `state` and an S256 code challenge. */
	authorizationUrl(state: string, codeVerifier: string, redirectUri: string): URL {
		const page = `${this.settings.apiUrl.replace(/\/api$/, "")}/oauth2/authorize`;
		return this.client(redirectUri).createAuthorizationURLWithPKCE(page, state, CodeChallengeMethod.S256, codeVerifier, DISCORD_SCOPES);
	}

	exchangeCode(code: string, codeVerifier: string, redirectUri: string): Promise<DiscordTokens> {
		return this.tokens(() => this.client(redirectUri).validateAuthorizationCode(this.tokenEndpoint, code, codeVerifier));
	}

	refresh(refreshToken: string): Promise<DiscordTokens> {
		return this.tokens(() => this.client(null).refreshAccessToken(this.tokenEndpoint, refreshToken, []));
	}

	async identity(accessToken: string): Promise<DiscordIdentity> {
		const user = await this.get<DiscordUserBody>("/users/@me", accessToken);
		return { id: user.id, name: user.global_name || user.username };
	}

	/** Every guild of the user, with `owner` and the `permissions` bitfield (a decimal string). */
	async guilds(accessToken: string): Promise<OperatorGuild[]> {
		const guilds: OperatorGuild[] = [];
		let after: string | undefined;
		for (let page = 0; page < MAX_GUILD_PAGES; page++) {
			const query = `?limit=${GUILD_PAGE}${after === undefined ? "" : `&after=${after}`}`;
			const batch = await this.get<DiscordPartialGuildBody[]>(`/users/@me/guilds${query}`, accessToken);
			for (const guild of batch) {
				guilds.push({ guildId: guild.id, name: guild.name, icon: guild.icon, owner: guild.owner, permissions: String(guild.permissions) });
			}
			if (batch.length < GUILD_PAGE) break;
			after = batch[batch.length - 1].id;
		}
		return guilds;
	}

	private async tokens(request: () => Promise<OAuth2Tokens>): Promise<DiscordTokens> {
		let tokens: OAuth2Tokens;
		try {
			tokens = await request();
		} catch (err) {
			// Discord's own refusal (invalid_grant, invalid_client): its code, never the code or token sent.
			if (err instanceof OAuth2RequestError) throw new DiscordRefused(`Discord refused the sign-in (${err.code})`);
			throw new DiscordUnavailable("Discord's token endpoint could not be reached", { cause: err });
		}
		return {
			accessToken: tokens.accessToken(),
			refreshToken: tokens.hasRefreshToken() ? tokens.refreshToken() : null,
			expiresAt: Math.floor(this.clock() / 1000) + tokens.accessTokenExpiresInSeconds(),
		};
	}

	private async get<T>(path: string, accessToken: string): Promise<T> {
		let response: Response;
		try {
			response = await fetch(`${this.settings.apiUrl}${path}`, {
				headers: { authorization: `Bearer ${accessToken}`, accept: "application/json" },
				signal: AbortSignal.timeout(TIMEOUT_MS),
			});
		} catch (err) {
			throw new DiscordUnavailable(`Discord did not answer GET ${path.split("?")[0]}`, { cause: err });
		}
		if (response.status === 401) throw new DiscordRefused("Discord no longer accepts this sign-in");
		if (!response.ok) throw new DiscordUnavailable(`Discord answered ${response.status} to GET ${path.split("?")[0]}`);
		return (await response.json()) as T;
	}
}
