// gateway/discord/moderation-commands.ts
// What each slash command does: the dashboard's moderation through the data store (same caches, change log and fan-out), names from the Roblox users feature.

import type { Request } from "express";
import { API_BASE } from "../../shared/routes";
import type { BanInfo, BanStatusBatchData, HistoryData, MuteInfo } from "../../shared/records";
import type { Access } from "../operators/access";
import { visibleKeys } from "../operators/access";
import { actorLabel } from "../moderation/console-routes";
import { beginModerationChange } from "../moderation/ban-cache-middleware";
import type { BanStatusCache } from "../moderation/ban-status-cache";
import type { ModerationChangeNotice } from "../changes/change-bus";
import type { DataStoreCall, UpstreamAnswer } from "../moderation/data-store-client";
import type { Forwarder } from "../moderation/forward";
import type { KeyAdmin } from "../keys/key-admin";
import { ApiError } from "../platform/http/envelope";
import { duration as durationField } from "../platform/http/fields";
import { ROBLOX_USERNAME } from "../roblox-users/roblox-users-schemas";
import type { ResolvedUser, RobloxUsers } from "../roblox-users/roblox-users-service";
import { HISTORY_PAGE, actionAnswer, historyAnswer, keysAnswer, lookupAnswer, playerName } from "./answers";
import type { CommandName } from "./commands";
import type { InteractionMessage } from "./interaction-types";

export interface CommandParts {
	forwarder: Forwarder;
	banCache: BanStatusCache;
	announceChange: (change: ModerationChangeNotice) => void;
	robloxUsers: RobloxUsers;
	keys: KeyAdmin;
	/** PUBLIC_URL's dashboard Moderation page, linked from each player's embed; undefined without PUBLIC_URL. */
	dashboardUrl: string | undefined;
}

/** One use of a command by a member of a guild, its options by name as Discord sent them. */
export interface Invocation {
	/** The interaction's request: the data store's logs name it. */
	req: Request;
	guildId: string;
	member: { id: string; name: string };
	access: Access;
	options: ReadonlyMap<string, string>;
}

/** Bad input or a refusal, said in words to the member alone. */
export class CommandRefusal extends Error {}

/** The history pages a button reaches: the data store answers at most 500 records at once. */
const MAX_HISTORY_PAGE = Math.floor(500 / HISTORY_PAGE) - 2;
const ID_TEXT = /^[1-9][0-9]{0,15}$/;
/** Discord shows at most 25 choices. */
const SUGGESTIONS = 25;

const storePath = (guildId: string, rest: string) => `${API_BASE}/moderation/${guildId}${rest}`;

export class ModerationCommands {
	constructor(private readonly parts: CommandParts) {}

	run(command: CommandName, invocation: Invocation): Promise<InteractionMessage> {
		switch (command) {
			case "ban":
			case "mute":
				return this.impose(command, invocation);
			case "unban":
			case "unmute":
				return this.lift(command, invocation);
			case "lookup":
				return this.lookup(invocation);
			case "history":
				return this.history(invocation, 0);
			case "keys":
				return this.keys(invocation);
		}
	}

	/** A Roblox username or id as typed, with its name and face when Roblox (or what was learnt of it) knows them. */
	async player(text: string): Promise<ResolvedUser> {
		const typed = text.trim().replace(/^@/, "");
		const { robloxUsers } = this.parts;
		if (ID_TEXT.test(typed)) return (await robloxUsers.byIds([Number(typed)])).users[0];
		if (!ROBLOX_USERNAME.test(typed)) {
			throw new CommandRefusal(`"${typed.slice(0, 40)}" is neither a Roblox username (3 to 20 letters, digits and one underscore) nor a user id.`);
		}
		const found = await robloxUsers.byUsernames([typed]);
		if (found.users.length > 0) return found.users[0];
		if (found.not_found.length > 0) throw new CommandRefusal(`Roblox knows no user named "${typed}".`);
		throw new CommandRefusal(`Roblox could not be asked who "${typed}" is just now; try again, or give the user id.`);
	}

	/**
	 * Players for what is being typed: the one it names exactly (an id, a username or a former one, asked
	 * of Roblox when not known, if that takes less than `withinMs`), then names learnt before that start with it.
	 */
	async suggestions(typed: string, withinMs: number): Promise<ResolvedUser[]> {
		const text = typed.trim().replace(/^@/, "");
		if (text === "") return [];
		let timer: NodeJS.Timeout | undefined;
		const late = new Promise<undefined>((resolve) => {
			timer = setTimeout(() => resolve(undefined), withinMs);
		});
		const [exact, learnt] = await Promise.all([
			Promise.race([this.player(text).catch(() => undefined), late]),
			/^[A-Za-z0-9_]{1,20}$/.test(text) ? this.parts.robloxUsers.namedLike(text, SUGGESTIONS) : [],
		]);
		clearTimeout(timer);
		const found = [...(exact === undefined ? [] : [exact]), ...learnt].filter((player) => player.name !== null);
		return found.filter((player, at) => found.findIndex((other) => other.id === player.id) === at).slice(0, SUGGESTIONS);
	}

	private async impose(action: "ban" | "mute", invocation: Invocation): Promise<InteractionMessage> {
		const { options, guildId } = invocation;
		const reason = required(options, "reason");
		const durationText = options.get("duration")?.trim();
		const parsed = durationField.safeParse(durationText);
		if (!parsed.success) {
			throw new CommandRefusal(`"${durationText}" is not a duration: write a number followed by s, m, h or d (30m, 12h, 7d, at most 100 years), or permanent.`);
		}
		const placeText = options.get("place")?.trim();
		if (placeText !== undefined && !ID_TEXT.test(placeText)) throw new CommandRefusal(`"${placeText.slice(0, 20)}" is not a Roblox place id.`);
		const placeId = placeText === undefined ? null : Number(placeText);
		const player = await this.player(required(options, "user"));
		const before = await this.status(invocation, player.id, placeId);
		const current = action === "ban" ? (before.banned ? before.ban_info : undefined) : before.mute_info;
		const replaced = current !== undefined && current.place_id === placeId ? current : undefined;
		const body = { roblox_id: String(player.id), reason, duration: durationText ?? null, place_id: placeId };
		const written = await this.write(action, invocation, player, body);
		const record = (action === "ban" ? (written as { ban: BanInfo }).ban : (written as { mute: MuteInfo }).mute) satisfies BanInfo | MuteInfo;
		await this.audit(invocation, action, player, { reason, duration: durationText ?? "permanent", place_id: placeId, replaced: replaced !== undefined });
		return actionAnswer({ action, player, reason, record, replaced }, this.parts.dashboardUrl);
	}

	private async lift(action: "unban" | "unmute", invocation: Invocation): Promise<InteractionMessage> {
		const player = await this.player(required(invocation.options, "user"));
		const reason = invocation.options.get("reason")?.trim() || `${action === "unban" ? "Unbanned" : "Unmuted"} from Discord`;
		const written = (await this.write(action, invocation, player, { roblox_id: String(player.id), reason })) as { lifted: unknown[] };
		await this.audit(invocation, action, player, { reason });
		return actionAnswer({ action, player, reason, lifted: written.lifted.length }, this.parts.dashboardUrl);
	}

	private async lookup(invocation: Invocation): Promise<InteractionMessage> {
		const player = await this.player(required(invocation.options, "user"));
		const [status, history] = await Promise.all([
			this.status(invocation, player.id, null),
			this.read<HistoryData>(invocation, { method: "GET", path: storePath(invocation.guildId, `/roblox/history/${player.id}?limit=5`), guildId: invocation.guildId }),
		]);
		return lookupAnswer({ player, ban: status.banned ? (status.ban_info ?? null) : null, mute: status.mute_info ?? null, recent: history.entries }, this.parts.dashboardUrl);
	}

	/** One page of a player's history, newest first: `/history` shows page 0, the buttons the others. */
	async history(invocation: Invocation, page: number, known?: ResolvedUser): Promise<InteractionMessage> {
		const player = known ?? (await this.player(required(invocation.options, "user")));
		const shown = Math.min(page, MAX_HISTORY_PAGE);
		// Pages are counted from the newest record, so a button still shows the page it names after new records.
		const limit = (shown + 1) * HISTORY_PAGE + 1;
		const { guildId } = invocation;
		const data = await this.read<HistoryData>(invocation, { method: "GET", path: storePath(guildId, `/roblox/history/${player.id}?limit=${limit}`), guildId });
		const entries = data.entries.slice(shown * HISTORY_PAGE, (shown + 1) * HISTORY_PAGE);
		const hasMore = shown < MAX_HISTORY_PAGE && (data.entries.length === limit || data.next_cursor !== null);
		return historyAnswer(guildId, player, entries, shown, hasMore, this.parts.dashboardUrl);
	}

	private async keys(invocation: Invocation): Promise<InteractionMessage> {
		const keys = await this.parts.keys.list(invocation.guildId);
		return keysAnswer(visibleKeys(invocation.access, invocation.guildId, keys));
	}

	private async status(invocation: Invocation, robloxId: number, placeId: number | null): Promise<BanStatusBatchData["results"][string]> {
		const { guildId } = invocation;
		const body = { identifiers: [String(robloxId)], include_mutes: true, place_id: placeId };
		const data = await this.read<BanStatusBatchData>(invocation, { method: "POST", path: storePath(guildId, "/ban-status/batch"), guildId, body });
		const status = data.results[String(robloxId)];
		if (status === undefined) throw new CommandRefusal("The ban store answered without this player; try again.");
		return status;
	}

	/** A ban, unban, mute or unmute, as the dashboard's routes make it: caches dropped, the change announced. */
	private async write(action: "ban" | "unban" | "mute" | "unmute", invocation: Invocation, player: ResolvedUser, body: object): Promise<unknown> {
		const { guildId, member } = invocation;
		const kind = action === "ban" || action === "unban" ? "ban" : "mute";
		const answered = beginModerationChange(kind, this.parts.banCache, this.parts.announceChange, guildId, String(player.id));
		const call: DataStoreCall = { method: "POST", path: storePath(guildId, `/roblox/${action}`), guildId, body, actor: actorLabel({ type: "operator", id: member.id, name: member.name }) };
		const answer = await this.send(invocation, call);
		answered(answer.status);
		if (answer.status === 404) throw new CommandRefusal(`${playerName(player)} is not ${kind === "ban" ? "banned" : "muted"}.`);
		return dataOf(answer);
	}

	private async read<Data>(invocation: Invocation, call: DataStoreCall): Promise<Data> {
		return dataOf(await this.send(invocation, call)) as Data;
	}

	/** The data store's answer; one it refused, or none, is said in words. */
	private async send(invocation: Invocation, call: DataStoreCall): Promise<UpstreamAnswer> {
		try {
			return await this.parts.forwarder.send(invocation.req, call);
		} catch (err) {
			if (!(err instanceof ApiError)) throw err;
			throw new CommandRefusal(
				err.code === "upstream_timeout"
					? "The ban store did not answer in time: the change may or may not be made; check with /lookup."
					: "The ban store could not be reached: nothing was changed; try again shortly.",
			);
		}
	}

	/** The audit names the Discord member and the command, as the dashboard's key events name the operator. */
	private async audit(invocation: Invocation, command: string, player: ResolvedUser, details: Record<string, string | number | boolean | null>): Promise<void> {
		const { guildId, member } = invocation;
		await this.parts.keys.recordEvent(guildId, "discord_command", { command, roblox_id: String(player.id), ...details }, {
			actor: { type: "operator", id: member.id, name: member.name },
			address: null,
		});
	}
}

function required(options: ReadonlyMap<string, string>, name: string): string {
	const value = options.get(name)?.trim();
	if (value === undefined || value === "") throw new CommandRefusal(`The ${name} option is required.`);
	return value;
}

/** The `data` of a success answer; a refusal's own words otherwise. */
function dataOf(answer: UpstreamAnswer): unknown {
	const envelope = JSON.parse(answer.body.toString("utf8")) as { data?: unknown; message?: string };
	if (answer.status >= 200 && answer.status < 300) return envelope.data;
	throw new CommandRefusal(envelope.message ?? `The ban store refused (${answer.status}).`);
}
