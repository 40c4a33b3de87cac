// roblox/options.ts
// The options of Technified.start: checked with @rbxts/t, the key's shape verified (never echoed), the
// guild read from the key, and every default in one place.

import { t } from "@rbxts/t";
import { API_KEY_PREFIX } from "../shared/routes";
import type { ActionCallback } from "./actions";
import { DEFAULT_KICK_MESSAGE, DEFAULT_UNAVAILABLE_MESSAGE, KickMessage } from "./kick-message";

/** The hosted Technified developer API; a self-hosted gateway is used by passing `baseUrl`. */
export const HOSTED_API_URL = "https://api.technified.xyz/api/v1";

export type ApiKey = string | Secret;

export type FailMode = "open" | "closed";

/** What a game passes to `Technified.start` (roblox/README.md); times are in seconds. */
export interface StartOptions {
	/** The key as a string, or `HttpService:GetSecret(name)`. */
	apiKey: ApiKey;
	/** Needed only with a Secret, which cannot be read. With a string it must match the key's guild. */
	guildId?: string;
	/** Default: the hosted API. A self-hosted gateway: "https://gateway.example/api/v1". */
	baseUrl?: string;
	/** "open" (default): let a player in when no answer can be had and check again later. "closed": kick. */
	failMode?: FailMode;
	/** Template with {reason} and {expiry}, or a function of the ban. */
	kickMessage?: KickMessage;
	/** Shown to a player kicked by failMode "closed". */
	unavailableMessage?: string;
	/** How long a joining player may wait for an answer before failMode applies. Default 10. */
	decisionDeadline?: number;
	/** Players in the server are checked again this often; a ban made mid-game kicks within it. Default 60. */
	recheckInterval?: number;
	/** Lifetime of a "banned" answer. Default 300. */
	bannedCacheSeconds?: number;
	/** Lifetime of a "not banned" answer. Default 300 (players in the server are re-checked anyway). */
	clearCacheSeconds?: number;
	/** Users remembered at most. Default 5000. */
	cacheSize?: number;
	/** This module's share of Roblox's 500 requests/minute per server. Default 120. */
	requestsPerMinute?: number;
	/** Joins arriving within this window share one batch request. Default 2 (players are still loading). */
	batchWindow?: number;
	/** Muted players cannot send chat (TextChatService). Default on: join lookups ask mutes in the same request. */
	enforceMutes?: boolean;
	/**
	 * Follow the events route: a ban or mute made anywhere bites here within seconds. Default on; against an
	 * API without the route (the hosted one) it turns itself off with one notice.
	 */
	liveUpdates?: boolean;
	/** While live updates work, the periodic re-check is only a safety net this slow. Default 600. */
	liveRecheckInterval?: number;
	/** Called for every kick, mute and unmute the module performs, for the game's own logs or UI. */
	onAction?: ActionCallback;
}

export interface ResolvedOptions {
	apiKey: ApiKey;
	guildId: string;
	baseUrl: string;
	failMode: FailMode;
	kickMessage: KickMessage;
	unavailableMessage: string;
	decisionDeadline: number;
	recheckInterval: number;
	bannedCacheSeconds: number;
	clearCacheSeconds: number;
	cacheSize: number;
	requestsPerMinute: number;
	batchWindow: number;
	enforceMutes: boolean;
	liveUpdates: boolean;
	/** Never shorter than recheckInterval. */
	liveRecheckInterval: number;
	onAction?: ActionCallback;
}

/** Roblox allows 500 per minute for the whole server; the game's other HTTP needs the rest. */
const MAX_REQUESTS_PER_MINUTE = 400;

/** Each option's check and, for the error, what was expected (t's checks say only true or false). */
const OPTION_CHECKS: Record<keyof StartOptions, [t.check<unknown>, string]> = {
	apiKey: [t.union(t.string, t.typeof("Secret")), "a key string or HttpService:GetSecret(name)"],
	guildId: [t.optional(t.string), "a string of digits"],
	baseUrl: [t.optional(t.match("^https?://[^%s]+$")), 'a URL such as "https://gateway.example/api/v1"'],
	failMode: [t.optional(t.literal("open", "closed")), '"open" or "closed"'],
	kickMessage: [t.optional(t.union(t.string, t.callback)), "a string or a function"],
	unavailableMessage: [t.optional(t.string), "a string"],
	decisionDeadline: [t.optional(t.numberConstrained(1, 60)), "seconds, 1 to 60"],
	recheckInterval: [t.optional(t.numberConstrained(10, 3600)), "seconds, 10 to 3600"],
	bannedCacheSeconds: [t.optional(t.numberConstrained(0, 86400)), "seconds, 0 to 86400"],
	clearCacheSeconds: [t.optional(t.numberConstrained(0, 86400)), "seconds, 0 to 86400"],
	cacheSize: [t.optional(t.numberConstrained(100, 100000)), "a number of users, 100 to 100000"],
	requestsPerMinute: [
		t.optional(t.numberConstrained(10, MAX_REQUESTS_PER_MINUTE)),
		`10 to ${MAX_REQUESTS_PER_MINUTE} (Roblox allows 500 per server, shared with the game's other scripts)`,
	],
	batchWindow: [t.optional(t.numberConstrained(0, 5)), "seconds, 0 to 5"],
	enforceMutes: [t.optional(t.boolean), "true or false"],
	liveUpdates: [t.optional(t.boolean), "true or false"],
	liveRecheckInterval: [t.optional(t.numberConstrained(60, 3600)), "seconds, 60 to 3600"],
	onAction: [t.optional(t.callback), "a function(action)"],
};

/** The first problem with the options, in words; never quotes a value (it could be the key). */
function optionsProblem(options: Record<string, unknown>): string | undefined {
	for (const [name] of pairs(options)) {
		if (!typeIs(name, "string") || OPTION_CHECKS[name as keyof StartOptions] === undefined) {
			return `unknown option "${tostring(name)}"`;
		}
	}
	for (const [name, [check, expected]] of pairs(OPTION_CHECKS)) {
		if (!check(options[name])) return `${name} must be ${expected}`;
	}
	return undefined;
}

const GUILD_ID_PATTERN = "^%d+$";

function isGuildId(value: string) {
	const [digits] = value.match(GUILD_ID_PATTERN);
	return digits !== undefined && value.size() >= 17 && value.size() <= 20;
}

/** Words that mark a key nobody filled in; the message says so instead of "malformed". */
const PLACEHOLDER_MARKS = ["PASTE", "YOUR", "xxx", "<", "KEY_HERE"];

/**
 * The guild id inside a key string, or an error in words. Never includes the key itself: a mistyped
 * key is still mostly a real key.
 */
export function guildOfKey(apiKey: string): string {
	const [guildId, secret] = apiKey.match("^technified_(%d+)_(%w+)$");
	if (guildId !== undefined && secret !== undefined && isGuildId(guildId as string)) {
		if ((secret as string).size() < 27) throw "apiKey is malformed: its secret part is too short (truncated?)";
		return guildId as string;
	}
	for (const mark of PLACEHOLDER_MARKS) {
		if (apiKey.find(mark, 1, true)[0] !== undefined) {
			throw "apiKey is still the placeholder: paste the key from the dashboard (or use a Secret)";
		}
	}
	if (apiKey.sub(1, API_KEY_PREFIX.size()) !== API_KEY_PREFIX) {
		throw `apiKey is malformed: a key starts with "${API_KEY_PREFIX}"`;
	}
	throw "apiKey is malformed: a key reads technified_<guild id>_<secret>";
}

function fail(message: string): never {
	// Level 3: the error points at the game's call to start(), not at this file.
	error(`[Technified] start: ${message}`, 3);
}

export function resolveOptions(input: unknown): ResolvedOptions {
	if (!typeIs(input, "table")) fail("expected a table of options, e.g. { apiKey = ... }");
	const source = input as Record<string, unknown>;
	if (source.apiKey === undefined) fail("apiKey is missing: pass the key string or HttpService:GetSecret(name)");
	const problem = optionsProblem(source);
	if (problem !== undefined) fail(problem);
	const options = input as StartOptions;

	let guildId: string;
	const apiKey = options.apiKey;
	if (typeIs(apiKey, "string")) {
		const [ok, result] = pcall(guildOfKey, apiKey);
		if (!ok) fail(tostring(result));
		guildId = result as string;
		if (options.guildId !== undefined && options.guildId !== guildId) {
			fail("guildId does not match the guild in the key: leave guildId out when the key is a string");
		}
	} else {
		if (options.guildId === undefined) {
			fail("guildId is required with a Secret (a Secret cannot be read): pass the Discord guild id");
		}
		guildId = options.guildId;
	}
	if (!isGuildId(guildId)) fail("guildId must be a Discord guild id (17-20 digits)");

	let baseUrl = options.baseUrl ?? HOSTED_API_URL;
	while (baseUrl.sub(-1) === "/") baseUrl = baseUrl.sub(1, -2);

	return {
		apiKey,
		guildId,
		baseUrl,
		failMode: options.failMode ?? "open",
		kickMessage: options.kickMessage ?? DEFAULT_KICK_MESSAGE,
		unavailableMessage: options.unavailableMessage ?? DEFAULT_UNAVAILABLE_MESSAGE,
		decisionDeadline: options.decisionDeadline ?? 10,
		recheckInterval: options.recheckInterval ?? 60,
		bannedCacheSeconds: options.bannedCacheSeconds ?? 300,
		clearCacheSeconds: options.clearCacheSeconds ?? 300,
		cacheSize: options.cacheSize ?? 5000,
		requestsPerMinute: options.requestsPerMinute ?? 120,
		batchWindow: options.batchWindow ?? 2,
		enforceMutes: options.enforceMutes ?? true,
		liveUpdates: options.liveUpdates ?? true,
		liveRecheckInterval: math.max(options.liveRecheckInterval ?? 600, options.recheckInterval ?? 60),
		onAction: options.onAction,
	};
}

/** The drop-in Config ModuleScript: the key (or a secret's name) and options, started by autostart. */
export interface DropInConfig {
	/** Start the guard when the server starts, from this Config. */
	autoStart: boolean;
	/** The key as a string. Safer: leave it and set secretName (Creator Dashboard > Secrets). */
	apiKey: string;
	/** Name of a secret holding the key; used when set. */
	secretName: string;
	/** Discord guild id; needed only with secretName. */
	guildId: string;
	/** Any other option of Technified.start (baseUrl, failMode, kickMessage, …). */
	options: Omit<StartOptions, "apiKey" | "guildId">;
}
