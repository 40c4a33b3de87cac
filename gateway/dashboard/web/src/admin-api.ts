// gateway/dashboard/web/src/admin-api.ts
// The admin API (docs/api.md, "API summary") as the page calls it: one method per endpoint, errors in words.

import type { Envelope } from "../../../../shared/envelope";
import type { Actor, ApiKeyRecord, ClientAddressUse, Permission, Scope } from "../../../../shared/records";
import type { AuditEvent } from "../../../keys/key-store";

export type { Actor, ApiKeyRecord, AuditEvent, Permission, Scope };

/** A guild as `GET /admin/v1/me` and `GET /admin/v1/guilds` list it. */
export interface GuildSummary {
	id: string;
	name: string | null;
	/** Discord's icon hash. */
	icon: string | null;
	permissions: Permission[];
	key_count?: number;
	active_ban_count?: number | null;
}

export interface SignedIn {
	actor: Actor;
	guilds: GuildSummary[];
	csrf_token: string | null;
	session_expires_at: number | null;
}

export interface Member {
	discord_user_id: string;
	name: string | null;
	permissions: Permission[];
	added_by: Actor;
	added_at: number;
}

/** An operator's session: the browser sends the cookie; the page sends the CSRF token of `GET /admin/v1/me`. */
export interface SessionCredential {
	csrfToken: string;
}

/** One hour (or minute) of a key's requests, as the usage endpoint answers it. */
export interface UsagePoint {
	/** Start of the hour, unix seconds. */
	at: number;
	count: number;
}

export interface NewKeyInput {
	name?: string;
	description?: string;
	scopes?: Scope[];
	allowed_cidrs?: string[];
	/** Unix seconds. */
	expires_at?: number;
}

/** The full key comes back this once, beside the record. */
export interface IssuedKey {
	key: string;
	api_key: ApiKeyRecord;
}

/** A refused call: the HTTP status (0 when the gateway did not answer), the machine code and the gateway's message. */
export class AdminApiError extends Error {
	constructor(
		readonly status: number,
		readonly code: string,
		message: string,
	) {
		super(message);
		this.name = "AdminApiError";
	}
}

/** Asks the gateway who the session cookie belongs to; null when there is no live session. */
export async function currentSession(): Promise<SignedIn | null> {
	let response: Response;
	try {
		response = await fetch("/admin/v1/me", { cache: "no-store", credentials: "same-origin" });
	} catch {
		return null;
	}
	if (!response.ok) return null;
	return ((await response.json()) as Envelope<SignedIn> & { data: SignedIn }).data;
}

/** True when the gateway offers the Discord sign-in (DISCORD_CLIENT_ID/SECRET set), as the dashboard's own options say. */
export async function discordSignInOffered(): Promise<boolean> {
	try {
		const response = await fetch("./sign-in-options.json", { cache: "no-store", credentials: "omit" });
		return response.ok && ((await response.json()) as { discord?: unknown }).discord === true;
	} catch {
		return false;
	}
}

/**
 * @example
 * const api = new AdminApi(token); // the admin token, or { csrfToken } for an operator's session
 * const keys = await api.listKeys("123456789012345678");
 */
export class AdminApi {
	constructor(private readonly credential: string | SessionCredential) {}

	/** True for an operator's session (the cookie), false for the admin token. */
	get isSession(): boolean {
		return typeof this.credential !== "string";
	}

	async guilds(): Promise<GuildSummary[]> {
		return (await this.data<{ guilds: GuildSummary[] }>("GET", "/guilds")).guilds;
	}

	async members(guildId: string): Promise<Member[]> {
		return (await this.data<{ members: Member[] }>("GET", membersPath(guildId))).members;
	}

	async addMember(guildId: string, discordUserId: string, permissions: Permission[]): Promise<Member> {
		return (await this.data<{ member: Member }>("POST", membersPath(guildId), { discord_user_id: discordUserId, permissions })).member;
	}

	async updateMember(guildId: string, discordUserId: string, permissions: Permission[]): Promise<Member> {
		const path = `${membersPath(guildId)}/${encodeURIComponent(discordUserId)}`;
		return (await this.data<{ member: Member }>("PATCH", path, { permissions })).member;
	}

	async removeMember(guildId: string, discordUserId: string): Promise<void> {
		await this.send("DELETE", `${membersPath(guildId)}/${encodeURIComponent(discordUserId)}`);
	}

	/** Ends the operator's session (the gateway clears the cookie). */
	async signOut(): Promise<void> {
		await this.send("POST", "/auth/logout");
	}

	async listKeys(guildId: string): Promise<ApiKeyRecord[]> {
		return (await this.data<{ keys: ApiKeyRecord[] }>("GET", keysPath(guildId))).keys;
	}

	createKey(guildId: string, input: NewKeyInput): Promise<IssuedKey> {
		return this.data<IssuedKey>("POST", keysPath(guildId), input);
	}

	async changeStatus(guildId: string, keyId: string, action: "revoke" | "disable" | "enable"): Promise<ApiKeyRecord> {
		return (await this.data<{ api_key: ApiKeyRecord }>("POST", `${keyPath(guildId, keyId)}/${action}`)).api_key;
	}

	async deleteKey(guildId: string, keyId: string): Promise<void> {
		await this.send("DELETE", keyPath(guildId, keyId));
	}

	/** `overlapSeconds`: how long the previous secret keeps working (0 to 604800). */
	rollKey(guildId: string, keyId: string, overlapSeconds: number): Promise<IssuedKey> {
		return this.data<IssuedKey>("POST", `${keyPath(guildId, keyId)}/roll`, { expire_previous_in_seconds: overlapSeconds });
	}

	/** The guild's key events, newest first. */
	async audit(guildId: string): Promise<AuditEvent[]> {
		return (await this.data<{ events: AuditEvent[] }>("GET", `/guilds/${encodeURIComponent(guildId)}/audit?limit=500`)).events;
	}

	/** Requests per hour over the last 24 hours, oldest first, and the addresses the key was used from lately. */
	hourlyUsage(guildId: string, keyId: string): Promise<{ points: UsagePoint[]; recent_addresses: ClientAddressUse[] }> {
		const path = `${keyPath(guildId, keyId)}/usage?granularity=hour&window=86400`;
		return this.data("GET", path);
	}

	/** The Roblox model configured for this gateway and guild (`Technified.rbxmx`, README, "Quick start"). */
	async robloxModel(guildId: string): Promise<Blob> {
		return (await this.send("GET", `/guilds/${encodeURIComponent(guildId)}/roblox-model`)).blob();
	}

	/** Any admin route under `/admin/v1` (pages in their own files, such as webhooks and moderation, call it); the `data` of its answer. */
	async data<T>(method: string, path: string, body?: unknown): Promise<T> {
		return this.dataOf<T>(await this.send(method, path, body === undefined ? undefined : { content: JSON.stringify(body), type: "application/json" }));
	}

	/** A POST whose body is a file in its own type (an import); the `data` of its answer. */
	async upload<T>(path: string, file: Blob, type: string): Promise<T> {
		return this.dataOf<T>(await this.send("POST", path, { content: file, type }));
	}

	private async dataOf<T>(response: Response): Promise<T> {
		const envelope = (await response.json()) as Envelope<T>;
		if (envelope.status !== "success") throw new AdminApiError(response.status, envelope.error, envelope.message);
		return envelope.data;
	}

	private async send(method: string, path: string, body?: { content: BodyInit; type: string }): Promise<Response> {
		let response: Response;
		try {
			const credential: Record<string, string> =
				typeof this.credential === "string"
					? { authorization: `Bearer ${this.credential}` }
					: method === "GET"
						? {}
						: { "x-csrf-token": this.credential.csrfToken };
			response = await fetch(`/admin/v1${path}`, {
				method,
				headers: { ...credential, ...(body === undefined ? {} : { "content-type": body.type }) },
				body: body?.content,
				// Answers hold key records and audit trails: never from or into the HTTP cache.
				cache: "no-store",
				// The admin token goes in a header: no cookie then. A session is the cookie.
				credentials: typeof this.credential === "string" ? "omit" : "same-origin",
			});
		} catch {
			throw new AdminApiError(0, "network_error", "The gateway did not answer. Check that it is running, then try again.");
		}
		if (response.ok) return response;
		const envelope = (await response.json().catch(() => undefined)) as Envelope<unknown> | undefined;
		if (envelope !== undefined && envelope.status === "error") {
			throw new AdminApiError(response.status, envelope.error, envelope.message);
		}
		throw new AdminApiError(response.status, "unexpected_answer", `The gateway answered HTTP ${response.status}.`);
	}
}

const keysPath = (guildId: string) => `/guilds/${encodeURIComponent(guildId)}/keys`;
const membersPath = (guildId: string) => `/guilds/${encodeURIComponent(guildId)}/members`;
const keyPath = (guildId: string, keyId: string) => `${keysPath(guildId)}/${encodeURIComponent(keyId)}`;
