// shared/records.ts
// Wire shapes of moderation answers and API key records. Times are unix seconds; null is JSON null
// (nil on the Luau side).

export interface BanInfo {
	reason: string;
	banned_by: string;
	created_at: number;
	expires_at: number | null;
	is_permanent: boolean;
	place_id: number | null;
}

export interface MuteInfo {
	reason: string;
	muted_by: string;
	created_at: number;
	expires_at: number | null;
	is_permanent: boolean;
	place_id: number | null;
}

/** `data` of ban-status: `ban_info` is present only when banned. */
export interface BanStatusData {
	banned: boolean;
	ban_info?: BanInfo;
}

export interface MuteStatusData {
	muted: boolean;
	mute_info?: MuteInfo;
}

/** One batch result: a ban-status, plus the mute-status fields when `include_mutes` was asked. */
export interface BanStatusBatchResult extends BanStatusData {
	muted?: boolean;
	mute_info?: MuteInfo;
}

/** `data` of the batch endpoint: one result per requested id, keyed by the id as a string. */
export interface BanStatusBatchData {
	results: { [identifier: string]: BanStatusBatchResult };
}

/**
 * What the events route reports (docs/api.md, "API summary"); `reset` means "re-check everyone", a
 * `command` is for live servers (docs/fleets.md) and reaches only those it targets.
 */
export type ModerationEventName = "ban" | "unban" | "mute" | "unmute" | "reset" | "command";

/**
 * One event of the events route: the stream's `data` object plus its `id` (the guild's sequence) and
 * `event`, as the long poll lists them. A `reset` carries only `id`, `event` and `at`.
 */
export interface ModerationEvent {
	id: number;
	event: ModerationEventName;
	roblox_id?: string;
	place_id?: number | null;
	ban_info?: BanInfo;
	mute_info?: MuteInfo;
	job_id?: string | null;
	/** Only on `command` events. */
	command?: ServerCommandOrder;
	/** Unix seconds. */
	at: number;
}

/** What a live server is told to do (docs/fleets.md). */
export type ServerCommandKind = "kick" | "message" | "shutdown";

/** A command as it travels the change log, the events route and the push: `job_id` null means every live server. */
export interface ServerCommandOrder {
	id: string;
	kind: ServerCommandKind;
	job_id: string | null;
	/** `kick`: the Roblox user id to kick. */
	user_id?: string;
	/** `message`: the text to show, at most 200 characters. */
	text?: string;
	/** `kick` and `shutdown`: the reason the players are shown. */
	reason?: string;
}

/** How a live server follows the guild's events. */
export type ServerFollowMode = "stream" | "poll" | "push";

/** One live server of a guild (`GET /admin/v1/guilds/:guildId/servers`). Times are unix seconds. */
export interface LiveServer {
	job_id: string;
	place_id: number | null;
	universe_id: number | null;
	players: number | null;
	first_seen_at: number;
	last_seen_at: number;
	follows: ServerFollowMode;
}

/** One target's answer to a command; `outcome` null while it has not answered. */
export interface ServerCommandAck {
	job_id: string;
	outcome: "done" | "failed" | null;
	/** What the server said it did, in words (e.g. "Kicked 261", "Player not in this server"). */
	result: string | null;
	acked_at: number | null;
}

/** A command as the management API shows it. */
export interface ServerCommandRecord extends ServerCommandOrder {
	targets: string[];
	acks: ServerCommandAck[];
	created_at: number;
	created_by: string;
}

/** `data.push` of the events answer when the server's universe is pushed through Roblox. */
export interface PushNotice {
	topic: string;
}

/** The message published to topic `Technified` (docs/fleets.md): at most 1 024 characters. */
export interface PushMessage {
	v: 1;
	guild: string;
	/** The last sequence the message carries. */
	seq: number;
	events: ModerationEvent[];
}

/** `data` of the long poll: the events after the asked position and where to ask from next time. */
export interface ModerationEventsData {
	events: ModerationEvent[];
	next: number;
	/** Present when the asking server's universe is pushed through Roblox: subscribe and stop polling. */
	push?: PushNotice;
}

export type KeyStatus =
	| "active"
	| "disabled"
	| "expired"
	| "auto_expired"
	| "revoked"
	| "moderated"
	| "user_moderated"
	| "creator_removed";

/** Who a change is recorded against (audit, logs): the holder of ADMIN_TOKEN, or a signed-in Discord user. */
export type Actor = { type: "admin_token" } | { type: "operator"; id: string; name: string };

/** Who an audit event names: an actor, or the gateway itself (`system`) for what it decides alone (a failing experience link). */
export type AuditActor = Actor | { type: "system" };

/** `created_by` of a key: who generated its current secret (id and name are null for the admin token). */
export interface KeyCreator {
	type: "admin_token" | "operator";
	id: string | null;
	name: string | null;
}

export type Scope = "moderation:read" | "moderation:write";

export const ALL_SCOPES: readonly Scope[] = ["moderation:read", "moderation:write"];

export interface ApiKeyRecord {
	id: string;
	guild_id: string;
	prefix: string;
	name: string | null;
	status: KeyStatus;
	scopes: Scope[];
	allowed_cidrs: string[];
	created_at: number;
	last_used_at: number | null;
	expires_at: number | null;
	revoked_at: number | null;
	created_by: KeyCreator;
	/** (v2) Up to 256 characters for people; null when none. */
	description: string | null;
	/** (v2) The address of the key's latest request, as the gateway saw it (TRUST_PROXY applies). */
	last_used_ip: string | null;
	/** (v2) Per-category per-minute quotas overriding the defaults for this key; null: the defaults. */
	rate_limits: RateLimitOverrides | null;
}

/** Per-key per-minute quota categories (docs/api.md, "API summary"), as the admin API names them. */
/** `events`: polls and streams of the events route, apart so live servers never starve join checks; `servers`: presence heartbeats. */
export const QUOTA_CATEGORIES = ["moderation", "lists", "writes", "events", "servers"] as const;
export type QuotaCategory = (typeof QUOTA_CATEGORIES)[number];

/** Per-category quotas of one key, overriding the gateway's defaults. */
export type RateLimitOverrides = Partial<Record<QuotaCategory, number>>;

/** The permissions an operator may hold in a guild (docs/api.md, "API summary"), after Roblox's group API-key permissions. */
export const PERMISSIONS = ["administer_keys", "create_keys", "moderate", "view", "manage_members", "manage_servers"] as const;
export type Permission = (typeof PERMISSIONS)[number];

/** (v2) One address a key was used from, in the usage report. */
export interface ClientAddressUse {
	address: string;
	count: number;
	/** Unix seconds. */
	last_seen_at: number;
}

/** One ban or mute of a user's history (docs/api.md, "API summary"). Times are unix seconds. */
export interface HistoryEntry {
	kind: "ban" | "mute";
	state: "active" | "expired" | "lifted" | "replaced";
	reason: string;
	/** The moderator's Roblox id, or who acted from the dashboard (`discord:<user id>`, `admin_token`). */
	by: string;
	created_at: number;
	expires_at: number | null;
	is_permanent: boolean;
	place_id: number | null;
	lifted_at: number | null;
	lifted_by: string | null;
	lift_reason: string | null;
	job_id: string | null;
}

export interface HistoryData {
	entries: HistoryEntry[];
	next_cursor: string | null;
}

/** Every event a webhook may ask for (docs/api.md, "Webhooks and Roblox's own bans"). */
export const WEBHOOK_EVENTS = [
	"ban.created",
	"ban.lifted",
	"mute.created",
	"mute.lifted",
	"key.created",
	"key.revoked",
	"key.disabled",
	"key.rolled",
	"key.expiring",
	"key.expired",
	"key.auto_expiring",
	"key.auto_expired",
	"member.changed",
	"experience.link_failing",
	"moderation.imported",
] as const;
export type WebhookEvent = (typeof WEBHOOK_EVENTS)[number];

/** (v3) An import job as the admin API shows it, the fields its clients read (docs/import-export.md). */
export interface ImportProgress {
	id: string;
	status: "running" | "done" | "failed";
	rows_read: number;
	imported: number;
	skipped: number;
	refused: number;
	/** Each refused line with its number in the file and why. */
	refused_lines: { line: number; reason: string }[];
	/** Why a failed job stopped, in words. */
	error: string | null;
}
