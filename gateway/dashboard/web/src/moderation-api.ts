// gateway/dashboard/web/src/moderation-api.ts
// The dashboard's moderation routes (docs/api.md, "API summary") as the Moderation page calls them.

import type { BanInfo, HistoryData, HistoryEntry, MuteInfo } from "../../../../shared/records";
import type { AdminApi } from "./admin-api";
import { knownPerson } from "./roblox-names";

export type { HistoryEntry };
export type Kind = "ban" | "mute";

/** Ban and mute of one user at one instant. */
export interface UserStatus {
	roblox_id: string;
	place_id: number | null;
	banned: boolean;
	ban_info?: BanInfo;
	muted: boolean;
	mute_info?: MuteInfo;
}

/** One active record as the lists show it: the user and the record's info, whichever kind. */
export interface ActiveEntry {
	roblox_id: string;
	reason: string;
	by: string;
	created_at: number;
	expires_at: number | null;
	is_permanent: boolean;
	place_id: number | null;
}

export interface ActivePage {
	entries: ActiveEntry[];
	next_cursor: string | null;
}

export interface ImposeInput {
	roblox_id: string;
	reason: string;
	/** `1h`, `7d`, `permanent`, … (docs/api.md, "API summary"). */
	duration: string;
	place_id?: number;
}

const base = (guildId: string) => `/guilds/${encodeURIComponent(guildId)}/moderation`;

const query = (values: Record<string, string | number | null | undefined>) => {
	const params = new URLSearchParams();
	for (const [name, value] of Object.entries(values)) if (value !== null && value !== undefined) params.set(name, String(value));
	const text = params.toString();
	return text === "" ? "" : `?${text}`;
};

export class ModerationApi {
	constructor(
		private readonly api: AdminApi,
		readonly guildId: string,
	) {}

	/** The admin API itself, for routes of no guild (players' names). */
	get admin(): AdminApi {
		return this.api;
	}

	status(robloxId: string, placeId: number | null): Promise<UserStatus> {
		return this.api.data<UserStatus>("GET", `${base(this.guildId)}/status/${encodeURIComponent(robloxId)}${query({ place_id: placeId })}`);
	}

	history(robloxId: string, cursor: string | null): Promise<HistoryData> {
		return this.api.data<HistoryData>("GET", `${base(this.guildId)}/history/${encodeURIComponent(robloxId)}${query({ limit: 50, cursor })}`);
	}

	/** A page of the guild's active bans or mutes, in the order they were made. */
	async active(kind: Kind, limit: number, cursor: string | null): Promise<ActivePage> {
		const list = kind === "ban" ? "bans" : "mutes";
		const data = await this.api.data<Record<string, unknown>>("GET", `${base(this.guildId)}/${list}${query({ limit, cursor })}`);
		const records = data[list] as (Omit<ActiveEntry, "by"> & { banned_by?: string; muted_by?: string })[];
		return {
			entries: records.map(({ banned_by, muted_by, ...rest }) => ({ ...rest, by: banned_by ?? muted_by ?? "" })),
			next_cursor: data.next_cursor as string | null,
		};
	}

	async impose(kind: Kind, input: ImposeInput): Promise<void> {
		await this.api.data("POST", `${base(this.guildId)}/${kind}`, input);
	}

	async lift(kind: Kind, robloxId: string, reason: string): Promise<void> {
		await this.api.data("POST", `${base(this.guildId)}/${kind === "ban" ? "unban" : "unmute"}`, {
			roblox_id: robloxId,
			...(reason === "" ? {} : { reason }),
		});
	}
}

/** Who acted, in words: a Roblox moderator (by name once the tab has learnt it), an operator's Discord id, or the platform operator. */
export function actorText(by: string): string {
	if (by === "admin_token") return "the platform operator (admin token)";
	if (by.startsWith("discord:")) return `Discord user ${by.slice("discord:".length)}`;
	const name = knownPerson(by)?.name;
	return name === null || name === undefined ? `Roblox moderator ${by}` : `Roblox moderator @${name} (${by})`;
}
