// gateway/discord/answers.ts
// What the commands say in Discord: the player's embed (avatar, name, what was done, length, place, dashboard link), history pages and key lists.

import type { ApiKeyRecord, BanInfo, HistoryEntry, MuteInfo } from "../../shared/records";
import type { ResolvedUser } from "../roblox-users/roblox-users-service";
import { EPHEMERAL, type Button, type Embed, type InteractionMessage } from "./interaction-types";

const RED = 0xd83c3e;
const GREEN = 0x3ba55c;
const GREY = 0x80848e;

/** Plain words, seen only by the member who used the command (refusals, bad input, failures). */
export function privateNote(content: string): InteractionMessage {
	return { content, flags: EPHEMERAL, allowed_mentions: { parse: [] } };
}

/** `Display (@name)`, or the id alone when Roblox does not know it (contract section 10). */
export function playerName(player: ResolvedUser): string {
	if (player.name === null) return `Roblox user ${player.id}`;
	return player.display_name !== null && player.display_name !== player.name ? `${player.display_name} (@${player.name})` : `@${player.name}`;
}

/** Discord's own timestamp markup: each reader sees it in their time zone. */
const when = (unixSeconds: number) => `<t:${unixSeconds}:f>`;
const length = (info: { expires_at: number | null }) => (info.expires_at === null ? "Permanent" : `Until ${when(info.expires_at)} (<t:${info.expires_at}:R>)`);
const place = (placeId: number | null) => (placeId === null ? "Every place" : `Place ${placeId}`);
/** Who acted, as the records name them: a Discord user as a mention, a Roblox moderator by id. */
function moderator(by: string | null): string {
	if (by === null) return "unknown";
	if (by.startsWith("discord:")) return `<@${by.slice("discord:".length)}>`;
	return by === "admin_token" ? "the platform operator" : `Roblox user ${by}`;
}

/** The frame every player embed shares: title, avatar, the dashboard's Moderation page when PUBLIC_URL is known. */
function playerEmbed(player: ResolvedUser, dashboardUrl: string | undefined, color: number, description?: string): Embed {
	return {
		title: playerName(player),
		...(description === undefined ? {} : { description }),
		color,
		...(dashboardUrl === undefined ? {} : { url: dashboardUrl }),
		...(player.avatar_url === null ? {} : { thumbnail: { url: player.avatar_url } }),
		footer: { text: `Roblox id ${player.id}` },
	};
}

export interface ActionOutcome {
	action: "ban" | "unban" | "mute" | "unmute";
	player: ResolvedUser;
	reason: string | null;
	/** The new record (ban, mute), with its length and place. */
	record?: BanInfo | MuteInfo;
	/** The ban or mute this one took the place of. */
	replaced?: BanInfo | MuteInfo;
	/** How many records an unban or unmute lifted. */
	lifted?: number;
}

const DONE = { ban: "Banned", unban: "Unbanned", mute: "Muted", unmute: "Unmuted" } as const;

export function actionAnswer(outcome: ActionOutcome, dashboardUrl: string | undefined): InteractionMessage {
	const { action, player, record, replaced } = outcome;
	const imposed = action === "ban" || action === "mute";
	const embed = playerEmbed(player, dashboardUrl, imposed ? RED : GREEN, `**${DONE[action]}**${outcome.reason === null ? "" : `: ${outcome.reason}`}`);
	embed.fields = [];
	if (record !== undefined) {
		embed.fields.push({ name: "Length", value: length(record), inline: true }, { name: "Place", value: place(record.place_id), inline: true });
	}
	if (replaced !== undefined) {
		embed.fields.push({ name: "Replaces", value: `The ${action} of ${when(replaced.created_at)} (${replaced.reason}, ${length(replaced).toLowerCase()})` });
	}
	if (outcome.lifted !== undefined && outcome.lifted > 1) embed.fields.push({ name: "Lifted", value: `${outcome.lifted} records` });
	return { embeds: [embed], allowed_mentions: { parse: [] } };
}

const STATE = { active: "Active", expired: "Expired", lifted: "Lifted", replaced: "Replaced" } as const;

function historyLine(entry: HistoryEntry): string {
	const head = `**${entry.kind === "ban" ? "Ban" : "Mute"}** · ${STATE[entry.state]} · ${when(entry.created_at)} by ${moderator(entry.by)}`;
	const scope = `${entry.is_permanent ? "permanent" : `until ${when(entry.expires_at ?? 0)}`}, ${place(entry.place_id).toLowerCase()}`;
	const lifted = entry.lifted_at === null ? "" : `\nLifted ${when(entry.lifted_at)} by ${moderator(entry.lifted_by)}${entry.lift_reason === null ? "" : `: ${entry.lift_reason}`}`;
	return `${head}\n${entry.reason} (${scope})${lifted}`;
}

export interface LookupOutcome {
	player: ResolvedUser;
	ban: BanInfo | null;
	mute: MuteInfo | null;
	recent: HistoryEntry[];
}

export function lookupAnswer({ player, ban, mute, recent }: LookupOutcome, dashboardUrl: string | undefined): InteractionMessage {
	const status = (info: BanInfo | MuteInfo | null, word: string) =>
		info === null ? `Not ${word}` : `**${word[0].toUpperCase()}${word.slice(1)}**: ${info.reason}\n${length(info)}, ${place(info.place_id).toLowerCase()}`;
	const embed = playerEmbed(player, dashboardUrl, ban !== null ? RED : GREY);
	embed.fields = [
		{ name: "Ban", value: status(ban, "banned"), inline: true },
		{ name: "Mute", value: status(mute, "muted"), inline: true },
		{ name: "Last records", value: recent.length === 0 ? "None" : recent.map(historyLine).join("\n\n").slice(0, 1024) },
	];
	return { embeds: [embed], allowed_mentions: { parse: [] } };
}

export const HISTORY_PAGE = 5;

/** A button's `custom_id` (at most 100 characters): which guild, player and page it shows. */
export const historyButtonId = (guildId: string, robloxId: number, page: number) => `history:${guildId}:${robloxId}:${page}`;

export function parseHistoryButton(customId: string): { guildId: string; robloxId: number; page: number } | undefined {
	const match = /^history:(\d{17,20}):([1-9]\d{0,15}):(\d{1,3})$/.exec(customId);
	return match === null ? undefined : { guildId: match[1], robloxId: Number(match[2]), page: Number(match[3]) };
}

export function historyAnswer(
	guildId: string,
	player: ResolvedUser,
	entries: HistoryEntry[],
	page: number,
	hasMore: boolean,
	dashboardUrl: string | undefined,
): InteractionMessage {
	const embed = playerEmbed(player, dashboardUrl, GREY, entries.length === 0 ? "No records." : entries.map(historyLine).join("\n\n").slice(0, 4096));
	embed.footer = { text: `Roblox id ${player.id} · page ${page + 1}` };
	const buttons: Button[] = [
		{ type: 2, style: 2, label: "Newer", custom_id: historyButtonId(guildId, player.id, Math.max(0, page - 1)), disabled: page === 0 },
		{ type: 2, style: 2, label: "Older", custom_id: historyButtonId(guildId, player.id, page + 1), disabled: !hasMore },
	];
	return { embeds: [embed], components: [{ type: 1, components: buttons }], allowed_mentions: { parse: [] } };
}

/** The guild's keys without secrets (records never hold one): name, prefix, status, scopes, last use. */
export function keysAnswer(keys: readonly ApiKeyRecord[]): InteractionMessage {
	if (keys.length === 0) return privateNote("This server has no API keys. Create one on the dashboard's API Keys page.");
	const fields = keys.map((key) => ({
		name: `${key.name ?? "Unnamed key"} · ${key.prefix}…`,
		value: [
			`Status: ${key.status}`,
			`Scopes: ${key.scopes.join(", ")}`,
			`Created ${when(key.created_at)}`,
			key.last_used_at === null ? "Never used" : `Last used ${when(key.last_used_at)}`,
			...(key.expires_at === null ? [] : [`Expires ${when(key.expires_at)}`]),
		].join("\n"),
	}));
	return { embeds: [{ title: "API keys of this server", color: GREY, fields }], flags: EPHEMERAL, allowed_mentions: { parse: [] } };
}
