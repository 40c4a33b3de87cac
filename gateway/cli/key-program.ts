// gateway/cli/key-program.ts
// The operator CLI's key commands: create, list, show, usage, revoke, disable, enable, delete, roll.

import { Command, InvalidArgumentError, Option } from "commander";
import type { ApiKeyRecord } from "../../shared/records";
import type { UsageReport } from "../keys/key-admin";
import { CliError, client, print, type GlobalOptions } from "./admin-client";
import { keyDetailTable, keyListTable, shortId, usageTable } from "./key-tables";

interface KeyOptions extends GlobalOptions {
	guild?: string;
}

/** `technified_<guildId>_…`: a full key or a prefix names its guild. */
const GUILD_IN_KEY = /^technified_(\d{17,20})_/;

function guildOf(options: KeyOptions, named?: string): string {
	const guild = options.guild ?? (named === undefined ? undefined : GUILD_IN_KEY.exec(named)?.[1]);
	if (guild === undefined) throw new CliError("--guild <id> is required (or name the key by its prefix, which holds the guild)");
	return guild;
}

/**
 * The key named by its id (or the first characters of it, as `list` shows) or by its prefix (or the
 * full key, which starts with it: it is only compared here, never sent). One match, or a clear error.
 */
function findKey(keys: ApiKeyRecord[], named: string): ApiKeyRecord {
	const exact = keys.find((key) => key.id === named);
	if (exact !== undefined) return exact;
	const matches = keys.filter(
		(key) => (named.length >= 4 && key.id.startsWith(named)) || named.startsWith(key.prefix) || (named.length > 11 && key.prefix.startsWith(named)),
	);
	if (matches.length === 1) return matches[0];
	// A full key is never repeated in an error: only what the gateway shows anyway.
	const shown = GUILD_IN_KEY.test(named) ? named.slice(0, 36) : named;
	if (matches.length === 0) throw new CliError(`no key of this guild has the id or prefix "${shown}" (see: list)`);
	throw new CliError(`"${shown}" matches ${matches.length} keys (${matches.map((key) => `${shortId(key.id)} ${key.prefix}`).join(", ")}): give more of it`);
}

async function resolveKey(admin: Awaited<ReturnType<typeof client>>, guild: string, named: string): Promise<ApiKeyRecord> {
	const { keys } = await admin.call<{ keys: ApiKeyRecord[] }>("GET", `/guilds/${encodeURIComponent(guild)}/keys`);
	return findKey(keys, named);
}

const shownOnce = (key: string) => `\nAPI key (shown once, store it now):\n${key}`;

function integer(value: string): number {
	if (!/^\d+$/.test(value)) throw new InvalidArgumentError("must be a whole number");
	return Number(value);
}

/** Seconds from "90", "15m", "24h" or "7d". */
function duration(value: string): number {
	const match = /^(\d+)([smhd]?)$/.exec(value.trim());
	if (match === null) throw new InvalidArgumentError('must be seconds or a duration like "15m", "24h", "7d"');
	return Number(match[1]) * { "": 1, s: 1, m: 60, h: 3_600, d: 86_400 }[match[2] as "" | "s" | "m" | "h" | "d"];
}

/** Unix seconds from unix seconds or an ISO 8601 date ("2026-12-31", "2026-12-31T12:00:00Z"). */
function moment(value: string): number {
	if (/^\d+$/.test(value)) return Number(value);
	const ms = Date.parse(value);
	if (Number.isNaN(ms)) throw new InvalidArgumentError("must be unix seconds or an ISO 8601 date");
	return Math.floor(ms / 1000);
}

const list = (value: string) => value.split(",").map((part) => part.trim()).filter((part) => part !== "");

/** Adds the key commands to the operator CLI's program. */
export function addKeyCommands(program: Command): void {
	const guildOption = () => new Option("--guild <id>", "the Discord guild id");

	program
		.command("create")
		.description("create a key; the full key is shown this once")
		.addOption(guildOption().makeOptionMandatory())
		.option("--name <name>", "what the key is for, e.g. the game's name")
		.option("--scopes <list>", "comma list: moderation:read, moderation:write (default both)", list)
		.option("--allowed-cidrs <list>", "comma list of addresses/CIDRs the key may be used from", list)
		.option("--expires <when>", "unix seconds or ISO 8601 date", moment)
		.action(async (_options, command: Command) => {
			const options = command.optsWithGlobals<KeyOptions & { name?: string; scopes?: string[]; allowedCidrs?: string[]; expires?: number }>();
			const admin = await client(options);
			const data = await admin.call<{ key: string; api_key: ApiKeyRecord }>("POST", `/guilds/${encodeURIComponent(guildOf(options))}/keys`, {
				name: options.name,
				scopes: options.scopes,
				allowed_cidrs: options.allowedCidrs,
				expires_at: options.expires,
			});
			print(options, data, `${keyDetailTable(data.api_key)}\n${shownOnce(data.key)}`);
		});

	program
		.command("list")
		.description("the guild's keys (never their secrets)")
		.addOption(guildOption().makeOptionMandatory())
		.action(async (_options, command: Command) => {
			const options = command.optsWithGlobals<KeyOptions>();
			const admin = await client(options);
			const data = await admin.call<{ keys: ApiKeyRecord[] }>("GET", `/guilds/${encodeURIComponent(guildOf(options))}/keys`);
			print(options, data, keyListTable(data.keys));
		});

	/** A command that acts on one key, named by id, short id, prefix or full key. */
	const keyCommand = (name: string, description: string) =>
		program.command(name).description(description).argument("<key>", "id, short id or prefix").addOption(guildOption());

	keyCommand("show", "every field of one key").action(async (named: string, _options, command: Command) => {
		const { options, key } = await namedKey(named, command);
		print(options, { api_key: key }, keyDetailTable(key));
	});

	keyCommand("usage", "requests per minute or hour")
		.addOption(new Option("--granularity <unit>", "minute or hour").choices(["minute", "hour"]).default("hour"))
		.option("--window <duration>", "how far back: seconds, or 15m, 24h, 7d (default 1h by minute, 24h by hour)", duration)
		.action(async (named: string, _options, command: Command) => {
			const { options, admin, key, path } = await namedKey<{ granularity: "minute" | "hour"; window?: number }>(named, command);
			const query = new URLSearchParams({ granularity: options.granularity });
			if (options.window !== undefined) query.set("window", String(options.window));
			const usage = await admin.call<UsageReport>("GET", `${path}/usage?${query}`);
			print(options, usage, `Key ${shortId(key.id)} ${key.prefix}\n${usageTable(usage)}`);
		});

	const transitions = {
		revoke: "revoke the key for good (frees its slot)",
		disable: "stop the key working until enabled",
		enable: "make a disabled or auto-expired key work again",
	} as const;
	for (const [action, description] of Object.entries(transitions)) {
		keyCommand(action, description).action(async (named: string, _options, command: Command) => {
			const { options, admin, key, path } = await namedKey(named, command);
			const data = await admin.call<{ api_key: ApiKeyRecord }>("POST", `${path}/${action}`);
			print(options, data, `Key ${shortId(key.id)} ${key.prefix} is now ${data.api_key.status}.`);
		});
	}

	keyCommand("delete", "delete a revoked key and its history").action(async (named: string, _options, command: Command) => {
		const { options, admin, key, path } = await namedKey(named, command);
		await admin.call("DELETE", path);
		print(options, { deleted: key.id }, `Key ${shortId(key.id)} ${key.prefix} deleted.`);
	});

	keyCommand("roll", "give the key a new secret; the full new key is shown this once")
		.option("--expire-previous-in <duration>", "keep the old secret working this long: seconds, or 15m, 24h, 7d (default 0)", duration)
		.action(async (named: string, _options, command: Command) => {
			const { options, admin, key, path } = await namedKey<{ expirePreviousIn?: number }>(named, command);
			const data = await admin.call<{ key: string; api_key: ApiKeyRecord }>("POST", `${path}/roll`, {
				expire_previous_in_seconds: options.expirePreviousIn ?? 0,
			});
			print(options, data, `Key ${shortId(key.id)} rolled: its prefix is now ${data.api_key.prefix}.\n${shownOnce(data.key)}`);
		});
}

/** The key a command names, the admin client, and the key's path under the admin API. */
async function namedKey<Extra = object>(named: string, command: Command) {
	const options = command.optsWithGlobals<KeyOptions & Extra>();
	const admin = await client(options);
	const guild = guildOf(options, named);
	const key = await resolveKey(admin, guild, named);
	return { options, admin, key, path: `/guilds/${encodeURIComponent(guild)}/keys/${key.id}` };
}
