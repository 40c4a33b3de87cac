// gateway/config.ts
// Reads the environment (docs/configuration.md) into a checked Config; a bad value names its variable.

import leven from "leven";
import { DEFAULT_OPEN_CLOUD_URL } from "./outbound/experiences/open-cloud-client";
import { DEFAULT_ROBLOX_THUMBNAILS_URL, DEFAULT_ROBLOX_USERS_URL, type RobloxApis } from "./roblox-users/roblox-users-client";
import { DEFAULT_TECHNIFIED_API_URL } from "./moderation/import-sources";
import { invalidCidrs } from "./auth/address-matcher";
import { DEFAULT_EDGE_LIMITS, type EdgeLimits } from "./platform/http/edge";
import { DEFAULT_MAX_JSON_DEPTH } from "./platform/http/json-body";
import type { DiscordSettings } from "./operators/discord-client";
import type { DiscordCommandSettings } from "./discord/discord-api";
import { LOG_LEVELS, type LogLevel, type LogSettings } from "./platform/logging/logger";
import { QUOTA_CATEGORIES, type QuotaCategory } from "../shared/records";
import type { Quotas } from "./rate-limits/quota";

/** Per-key requests per minute by category (docs/api.md, "API summary"). */
export const DEFAULT_QUOTAS: Quotas = { moderation: 300, lists: 100, writes: 50, events: 6_000, servers: 3_000 };

export interface Config {
	port: number;
	host: string;
	/** Operator secret for /admin/v1; undefined means "generate one and keep it in dataDir". */
	adminToken: string | undefined;
	dataDir: string;
	/** External data store; undefined runs the embedded one beside the gateway. */
	dataStoreUrl: string | undefined;
	/** Internal token the external data store expects (required with dataStoreUrl). */
	dataStoreToken: string | undefined;
	databaseUrl: string | undefined;
	redisUrl: string | undefined;
	/** Express `trust proxy` value: false (default), a hop count, or a list of addresses/CIDRs. */
	trustProxy: false | number | string[];
	quotas: Quotas;
	authFailuresPerMinute: number;
	/** Seconds a ban-status answer may be served from the gateway's cache and by clients. */
	banCacheTtlSeconds: number;
	/** What one client may hold of the server (timeouts, connections, headers). */
	edge: EdgeLimits;
	/** Deepest JSON body accepted; deeper is a 400. */
	maxJsonDepth: number;
	/** When set, `/metrics` answers only `Authorization: Bearer <metricsToken>`. */
	metricsToken: string | undefined;
	/** The address users reach (no trailing slash), e.g. behind a TLS proxy; undefined: the listening address. */
	publicUrl: string | undefined;
	/** LOG_LEVEL and LOG_FORMAT. */
	log: LogSettings;
	/** Open event streams and held long polls, counted together, one key may hold on an instance (EVENT_STREAMS_PER_KEY). */
	maxStreamsPerKey: number;
	/** Encrypts stored third-party secrets; undefined means "generate one and keep it in dataDir". */
	secretsKey: string | undefined;
	/** Base URL of Roblox Open Cloud (OPEN_CLOUD_URL); tests point it at a fake. */
	openCloudUrl: string;
	/** Base URL of the hosted Technified API an import reads from (TECHNIFIED_API_URL, with its `/api/v1`); tests point it at a fake. */
	technifiedApiUrl: string;
	/** OUTBOUND_ALLOW_LOOPBACK: webhooks, Open Cloud and Roblox's users APIs may reach loopback addresses (local receivers, tests). */
	outboundAllowLoopback: boolean;
	/** Base URLs of Roblox's users and thumbnails APIs (ROBLOX_USERS_URL, ROBLOX_THUMBNAILS_URL); tests point them at a fake. */
	robloxApis: RobloxApis;
	/** Discord sign-in for operators (DISCORD_CLIENT_ID and DISCORD_CLIENT_SECRET); undefined: only the admin token signs in. */
	discord: DiscordSettings | undefined;
	/** Discord's slash commands over HTTP interactions (DISCORD_PUBLIC_KEY and DISCORD_APPLICATION_ID); undefined: off. */
	discordCommands: DiscordCommandSettings | undefined;
}

/** Raised for an invalid variable; `main` prints its message as the one start-up line. */
export class ConfigError extends Error {
	constructor(variable: string, reason: string) {
		super(`Invalid configuration: ${variable} ${reason}`);
		this.name = "ConfigError";
	}
}

type Env = Record<string, string | undefined>;

function integer(env: Env, name: string, fallback: number, min: number, max: number): number {
	const raw = env[name]?.trim();
	if (raw === undefined || raw === "") return fallback;
	if (!/^\d+$/.test(raw) || Number(raw) < min || Number(raw) > max) {
		throw new ConfigError(name, `must be an integer from ${min} to ${max} (got "${raw}")`);
	}
	return Number(raw);
}

function url(env: Env, name: string, protocols: readonly string[]): string | undefined {
	const raw = env[name]?.trim();
	if (raw === undefined || raw === "") return undefined;
	let parsed: URL;
	try {
		parsed = new URL(raw);
	} catch {
		// Never echo the value: connection URLs carry passwords.
		throw new ConfigError(name, "is not a valid URL (a password with @, : or / must be percent-encoded)");
	}
	if (!protocols.includes(parsed.protocol)) {
		throw new ConfigError(name, `must use ${protocols.map((p) => p.replace(":", "://")).join(" or ")}`);
	}
	return raw;
}

/** PostgreSQL needs a user (no default would be right); without one the driver fails later in its own words. */
function databaseUrl(env: Env): string | undefined {
	const raw = url(env, "DATABASE_URL", ["postgres:", "postgresql:"]);
	if (raw === undefined) return undefined;
	const parsed = new URL(raw);
	const shape = "(postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE)";
	if (parsed.username === "" && !parsed.searchParams.has("user")) {
		throw new ConfigError("DATABASE_URL", `names no user ${shape}`);
	}
	return raw;
}

/** Redis: at most a database number as the path, and a `prefix` usable in key names. */
function redisUrl(env: Env): string | undefined {
	const raw = url(env, "REDIS_URL", ["redis:", "rediss:"]);
	if (raw === undefined) return undefined;
	const parsed = new URL(raw);
	const shape = "(redis://[:PASSWORD@]HOST[:PORT][/DB][?prefix=NAME])";
	if (!/^\/?(\d{1,5})?$/.test(parsed.pathname)) {
		throw new ConfigError("REDIS_URL", `path must be a database number ${shape}`);
	}
	const prefix = parsed.searchParams.get("prefix");
	if (prefix !== null && !/^[\w.:-]{1,64}$/.test(prefix)) {
		throw new ConfigError("REDIS_URL", "prefix must be 1 to 64 letters, digits, '_', '.', ':' or '-'");
	}
	return raw;
}

/** Where users reach the gateway: an http(s) origin with an optional path, nothing else. */
function publicUrl(env: Env): string | undefined {
	const raw = url(env, "PUBLIC_URL", ["http:", "https:"]);
	if (raw === undefined) return undefined;
	const parsed = new URL(raw);
	if (parsed.username !== "" || parsed.password !== "" || parsed.search !== "" || parsed.hash !== "") {
		throw new ConfigError("PUBLIC_URL", "must be an address like https://bans.example.com, without user, query or #");
	}
	return parsed.href.replace(/\/+$/, "");
}

const MIN_SECRET_CHARS = 32;

const PROXY_PRESETS = new Set(["loopback", "linklocal", "uniquelocal"]);

function trustProxy(env: Env): Config["trustProxy"] {
	const raw = env.TRUST_PROXY?.trim();
	if (raw === undefined || raw === "" || raw === "false") return false;
	if (/^\d+$/.test(raw)) return integer(env, "TRUST_PROXY", 0, 0, 32);
	const entries = raw.split(",").map((entry) => entry.trim()).filter((entry) => entry !== "");
	const bad = invalidCidrs(entries.filter((entry) => !PROXY_PRESETS.has(entry)));
	if (bad.length > 0 || entries.length === 0) {
		throw new ConfigError("TRUST_PROXY", `must be a hop count or a list of CIDRs (bad entry: "${bad[0] ?? raw}")`);
	}
	return entries;
}

function quotas(env: Env): Quotas {
	const raw = env.RATE_LIMITS?.trim();
	const result = { ...DEFAULT_QUOTAS };
	if (raw === undefined || raw === "") return result;
	for (const part of raw.split(",")) {
		const [name, value, ...rest] = part.split("=").map((s) => s.trim());
		if (!QUOTA_CATEGORIES.includes(name as QuotaCategory) || rest.length > 0 || !/^\d+$/.test(value ?? "")) {
			throw new ConfigError(
				"RATE_LIMITS",
				`must look like moderation=300,lists=100,writes=50 (bad entry: "${part.trim()}")`,
			);
		}
		const perMinute = Number(value);
		if (perMinute < 1 || perMinute > 1_000_000) {
			throw new ConfigError("RATE_LIMITS", `${name} must be from 1 to 1000000 per minute`);
		}
		result[name as QuotaCategory] = perMinute;
	}
	return result;
}

function edgeLimits(env: Env): EdgeLimits {
	const headersTimeoutMs = integer(env, "HEADERS_TIMEOUT_SECONDS", DEFAULT_EDGE_LIMITS.headersTimeoutMs / 1000, 1, 600) * 1000;
	const requestTimeoutMs = integer(env, "REQUEST_TIMEOUT_SECONDS", DEFAULT_EDGE_LIMITS.requestTimeoutMs / 1000, 1, 3600) * 1000;
	if (requestTimeoutMs < headersTimeoutMs) {
		throw new ConfigError("REQUEST_TIMEOUT_SECONDS", "must be at least HEADERS_TIMEOUT_SECONDS");
	}
	return {
		headersTimeoutMs,
		requestTimeoutMs,
		maxConnections: integer(env, "MAX_CONNECTIONS", DEFAULT_EDGE_LIMITS.maxConnections, 1, 1_000_000),
		maxHeaderCount: integer(env, "MAX_HEADER_COUNT", DEFAULT_EDGE_LIMITS.maxHeaderCount, 20, 2_000),
	};
}

export function readConfig(env: Env = process.env): Config {
	const adminToken = env.ADMIN_TOKEN?.trim() || undefined;
	if (adminToken !== undefined && adminToken.length < 16) {
		throw new ConfigError("ADMIN_TOKEN", "must be at least 16 characters");
	}
	const dataStoreUrl = url(env, "DATA_STORE_URL", ["http:", "https:"]);
	const dataStoreToken = env.DATA_STORE_TOKEN?.trim() || undefined;
	if (dataStoreUrl !== undefined && dataStoreToken === undefined) {
		throw new ConfigError("DATA_STORE_TOKEN", "must be set when DATA_STORE_URL is set");
	}
	// The data store trusts the guild header on this token alone: it must not be guessable.
	if (dataStoreToken !== undefined && dataStoreToken.length < MIN_SECRET_CHARS) {
		throw new ConfigError("DATA_STORE_TOKEN", `must be at least ${MIN_SECRET_CHARS} characters`);
	}
	const metricsToken = env.METRICS_TOKEN?.trim() || undefined;
	if (metricsToken !== undefined && metricsToken.length < 16) {
		throw new ConfigError("METRICS_TOKEN", "must be at least 16 characters");
	}
	const secretsKey = env.SECRETS_KEY?.trim() || undefined;
	if (secretsKey !== undefined && secretsKey.length < MIN_SECRET_CHARS) {
		throw new ConfigError("SECRETS_KEY", `must be at least ${MIN_SECRET_CHARS} characters`);
	}
	const host = env.HOST?.trim() || "0.0.0.0";
	return {
		port: integer(env, "PORT", 8080, 0, 65535),
		host,
		adminToken,
		dataDir: env.DATA_DIR?.trim() || "./data",
		dataStoreUrl,
		dataStoreToken,
		databaseUrl: databaseUrl(env),
		redisUrl: redisUrl(env),
		trustProxy: trustProxy(env),
		quotas: quotas(env),
		authFailuresPerMinute: integer(env, "AUTH_FAILURES_PER_MINUTE", 30, 1, 1_000_000),
		banCacheTtlSeconds: integer(env, "BAN_CACHE_TTL_SECONDS", 30, 0, 3600),
		edge: edgeLimits(env),
		maxJsonDepth: integer(env, "MAX_JSON_DEPTH", DEFAULT_MAX_JSON_DEPTH, 4, 1_000),
		metricsToken,
		publicUrl: publicUrl(env),
		log: logSettings(env),
		maxStreamsPerKey: integer(env, "EVENT_STREAMS_PER_KEY", 2_000, 1, 1_000_000),
		secretsKey,
		openCloudUrl: (url(env, "OPEN_CLOUD_URL", ["http:", "https:"]) ?? DEFAULT_OPEN_CLOUD_URL).replace(/\/+$/, ""),
		technifiedApiUrl: (url(env, "TECHNIFIED_API_URL", ["http:", "https:"]) ?? DEFAULT_TECHNIFIED_API_URL).replace(/\/+$/, ""),
		outboundAllowLoopback: flag(env, "OUTBOUND_ALLOW_LOOPBACK"),
		robloxApis: {
			usersUrl: (url(env, "ROBLOX_USERS_URL", ["http:", "https:"]) ?? DEFAULT_ROBLOX_USERS_URL).replace(/\/+$/, ""),
			thumbnailsUrl: (url(env, "ROBLOX_THUMBNAILS_URL", ["http:", "https:"]) ?? DEFAULT_ROBLOX_THUMBNAILS_URL).replace(/\/+$/, ""),
		},
		discord: discordSettings(env),
		discordCommands: discordCommandSettings(env),
	};
}

const DEFAULT_DISCORD_API_URL = "https://discord.com/api";

function discordSettings(env: Env): DiscordSettings | undefined {
	const clientId = env.DISCORD_CLIENT_ID?.trim() || undefined;
	const clientSecret = env.DISCORD_CLIENT_SECRET?.trim() || undefined;
	if (clientId === undefined && clientSecret === undefined) return undefined;
	if (clientId === undefined) throw new ConfigError("DISCORD_CLIENT_ID", "must be set when DISCORD_CLIENT_SECRET is set (both or neither)");
	if (clientSecret === undefined) throw new ConfigError("DISCORD_CLIENT_SECRET", "must be set when DISCORD_CLIENT_ID is set (both or neither)");
	if (!/^\d{17,20}$/.test(clientId)) throw new ConfigError("DISCORD_CLIENT_ID", "must be the application's id (17 to 20 digits)");
	const apiUrl = url(env, "DISCORD_API_URL", ["http:", "https:"]) ?? DEFAULT_DISCORD_API_URL;
	return { clientId, clientSecret, apiUrl: apiUrl.replace(/\/+$/, "") };
}

/** The application's public key (64 hex digits) and id, both or neither; the bot token only registers the commands. */
function discordCommandSettings(env: Env): DiscordCommandSettings | undefined {
	const publicKey = env.DISCORD_PUBLIC_KEY?.trim() || undefined;
	const applicationId = env.DISCORD_APPLICATION_ID?.trim() || undefined;
	if (publicKey === undefined && applicationId === undefined) return undefined;
	if (publicKey === undefined) throw new ConfigError("DISCORD_PUBLIC_KEY", "must be set when DISCORD_APPLICATION_ID is set (both or neither)");
	if (applicationId === undefined) throw new ConfigError("DISCORD_APPLICATION_ID", "must be set when DISCORD_PUBLIC_KEY is set (both or neither)");
	if (!/^[0-9a-fA-F]{64}$/.test(publicKey)) throw new ConfigError("DISCORD_PUBLIC_KEY", "must be the application's public key (64 hex digits, General Information page)");
	if (!/^\d{17,20}$/.test(applicationId)) throw new ConfigError("DISCORD_APPLICATION_ID", "must be the application's id (17 to 20 digits)");
	const apiUrl = url(env, "DISCORD_API_URL", ["http:", "https:"]) ?? DEFAULT_DISCORD_API_URL;
	return { publicKey: publicKey.toLowerCase(), applicationId, botToken: env.DISCORD_BOT_TOKEN?.trim() || undefined, apiUrl: apiUrl.replace(/\/+$/, "") };
}

function flag(env: Env, name: string): boolean {
	const raw = env[name]?.trim().toLowerCase() || "false";
	if (raw === "true" || raw === "1") return true;
	if (raw === "false" || raw === "0") return false;
	throw new ConfigError(name, `must be true or false (got "${raw}")`);
}

function logSettings(env: Env): LogSettings {
	const level = env.LOG_LEVEL?.trim().toLowerCase() || "info";
	if (!(LOG_LEVELS as readonly string[]).includes(level)) {
		throw new ConfigError("LOG_LEVEL", `must be one of ${LOG_LEVELS.join(", ")} (got "${level}")`);
	}
	const format = env.LOG_FORMAT?.trim().toLowerCase() || "json";
	if (format !== "json" && format !== "pretty") throw new ConfigError("LOG_FORMAT", `must be json or pretty (got "${format}")`);
	return { level: level as LogLevel, format };
}

/** Every variable of docs/configuration.md and the edge limits (a few belong to parts still to come): a new one joins this list. */
export const KNOWN_VARIABLES: readonly string[] = [
	"PORT", "HOST", "ADMIN_TOKEN", "DATA_DIR", "DATA_STORE_URL", "DATA_STORE_TOKEN", "DATABASE_URL", "REDIS_URL",
	"TRUST_PROXY", "RATE_LIMITS", "AUTH_FAILURES_PER_MINUTE", "BAN_CACHE_TTL_SECONDS", "PUBLIC_URL",
	"DISCORD_CLIENT_ID", "DISCORD_CLIENT_SECRET", "DISCORD_API_URL",
	"DISCORD_PUBLIC_KEY", "DISCORD_APPLICATION_ID", "DISCORD_BOT_TOKEN", "OPEN_CLOUD_URL", "OUTBOUND_ALLOW_LOOPBACK",
	"ROBLOX_USERS_URL", "ROBLOX_THUMBNAILS_URL",
	"TECHNIFIED_API_URL",
	"LOG_LEVEL", "LOG_FORMAT", "SECRETS_KEY", "METRICS_TOKEN", "HEADERS_TIMEOUT_SECONDS", "REQUEST_TIMEOUT_SECONDS",
	"MAX_CONNECTIONS", "MAX_HEADER_COUNT", "MAX_JSON_DEPTH", "EVENT_STREAMS_PER_KEY",
];

/**
 * The known variable an unknown one was probably meant to be: one typo away (two for long names), or cut
 * short (`AUTH_FAILURES_PER_MIN`). Near-misses only, since the environment holds many unrelated
 * variables: HOSTNAME is not HOST, and `npm_*` are npm's own.
 */
function meantVariable(name: string): string | undefined {
	const upper = name.toUpperCase();
	if (name.startsWith("npm_") || KNOWN_VARIABLES.includes(name)) return undefined;
	let best: { known: string; distance: number } | undefined;
	for (const known of KNOWN_VARIABLES) {
		const distance = leven(upper, known);
		const allowed = known.length >= 10 ? 2 : 1;
		const truncated = upper.length >= 8 && known.startsWith(upper);
		if ((distance <= allowed || truncated) && (best === undefined || distance < best.distance)) best = { known, distance };
	}
	return best?.known;
}

/** One warning line per variable that looks like a misspelt known one; it is ignored as it stands. */
export function misspeltVariables(env: Env = process.env): string[] {
	return Object.keys(env).flatMap((name) => {
		const meant = meantVariable(name);
		return meant === undefined ? [] : [`Unknown variable ${name} is ignored: did you mean ${meant}?`];
	});
}
