// gateway/dashboard/web/src/admin-api.ts
// The admin API (contract section 4) as the page calls it: one method per endpoint, errors in words.

import type { Envelope } from "../../../../shared/envelope";
import type { ApiKeyRecord, ClientAddressUse, Scope } from "../../../../shared/records";
import type { AuditEvent } from "../../../keys/key-store";

export type { ApiKeyRecord, AuditEvent, Scope };

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

/**
 * @example
 * const api = new AdminApi(token);
 * const keys = await api.listKeys("123456789012345678");
 */
export class AdminApi {
	constructor(private readonly token: string) {}

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

	/** Any admin route under `/admin/v1` (pages in their own files, such as webhooks and moderation, call it); the `data` of its answer. */
	async data<T>(method: string, path: string, body?: unknown): Promise<T> {
		const response = await this.send(method, path, body);
		const envelope = (await response.json()) as Envelope<T>;
		if (envelope.status !== "success") throw new AdminApiError(response.status, envelope.error, envelope.message);
		return envelope.data;
	}

	private async send(method: string, path: string, body?: unknown): Promise<Response> {
		let response: Response;
		try {
			response = await fetch(`/admin/v1${path}`, {
				method,
				headers: {
					authorization: `Bearer ${this.token}`,
					...(body === undefined ? {} : { "content-type": "application/json" }),
				},
				body: body === undefined ? undefined : JSON.stringify(body),
				// Answers hold key records and audit trails: never from or into the HTTP cache.
				cache: "no-store",
				credentials: "omit",
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
const keyPath = (guildId: string, keyId: string) => `${keysPath(guildId)}/${encodeURIComponent(keyId)}`;
