// gateway/keys/key-admin.ts
// "Change this key": the audited key commands (create, update, roll, revoke, …), the audit trail and usage reports, on parsed input.

import { randomUUID } from "node:crypto";
import { ErrorMessage } from "../../shared/errors";
import { ALL_SCOPES, type ApiKeyRecord, type ClientAddressUse } from "../../shared/records";
import { MAX_KEYS_PER_GUILD } from "../../shared/routes";
import { ApiError, badRequest, notFound } from "../platform/http/envelope";
import { generateApiKey, hashApiKey, keyPrefix } from "./api-key";
import type { KeyUpdate, NewKey, UsageQuery } from "./key-commands";
import { keyStatusAt } from "./key-expiry";
import { creatorOf } from "./key-rows";
import { expiresAtWords } from "./key-schemas";
import type { AuditDetails, AuditEvent, AuditEventKind, ChangedBy, KeyChange, KeyChangeResult, KeyHold, KeyStore, StoredKey } from "./key-store";
import type { KeyVerifier } from "./key-verifier";
import type { UsageRecorder } from "./usage-recorder";

export interface KeyChangeNotice {
	keyId: string;
	guildId: string;
	kind: AuditEventKind;
}

export interface UsageReport {
	granularity: "minute" | "hour";
	window: number;
	/** One point per minute or hour of the window, oldest first; `at` is its start in unix seconds. */
	points: { at: number; count: number }[];
	/** The most recent distinct client addresses, most recently seen first. */
	recent_addresses: ClientAddressUse[];
}

/** Client addresses shown in a usage report. */
const RECENT_ADDRESSES = 20;

export interface KeyAdminOptions {
	store: KeyStore;
	/** The store's checksum secret, which every generated key ends with. */
	checksumSecret: string;
	/** Told of every change, so the next request sees it. */
	verifier: KeyVerifier;
	usage: UsageRecorder;
	/** Milliseconds since the epoch; tests pass a fake clock. Default `Date.now`. */
	clock?: () => number;
	/** Where a failing change listener is reported. Default `console.error`. */
	log?: (message: string, err: unknown) => void;
}

const revokedIsFinal = () => new ApiError(409, "key_revoked", "The key is revoked; revocation is final");
const rollRequired = (hold: KeyHold) =>
	new ApiError(409, "key_roll_required", `The key is ${hold}: roll it to give it a new secret and make it active`);
const keyNotFound = () => notFound("API key not found");

/**
 * The one way to change API keys, for the admin API and the operators' rules. Guild ids and fields
 * arrive parsed (`key-commands.ts`); the answers that remain are the keys' own rules: the 3-key limit,
 * a revoked key is final, a held key needs a roll, an expiry must lie ahead.
 *
 * @example
 * const { key, record } = await admin.create(guildId, { name: "game servers" }, { actor: { type: "admin_token" }, address: null });
 */
export class KeyAdmin {
	private readonly store: KeyStore;
	private readonly checksumSecret: string;
	private readonly verifier: KeyVerifier;
	private readonly usageRecorder: UsageRecorder;
	private readonly clock: () => number;
	private readonly log: (message: string, err: unknown) => void;
	private readonly listeners = new Set<(change: KeyChangeNotice) => void>();

	constructor(options: KeyAdminOptions) {
		this.store = options.store;
		this.checksumSecret = options.checksumSecret;
		this.verifier = options.verifier;
		this.usageRecorder = options.usage;
		this.clock = options.clock ?? Date.now;
		this.log = options.log ?? ((message, err) => console.error(message, err));
	}

	private now(): number {
		return Math.floor(this.clock() / 1000);
	}

	async create(guildId: string, input: NewKey, by: ChangedBy): Promise<{ key: string; record: ApiKeyRecord }> {
		const now = this.now();
		const name = input.name ?? null;
		const description = input.description ?? null;
		const scopes = input.scopes ?? [...ALL_SCOPES];
		const allowedCidrs = input.allowedCidrs ?? [];
		const expiresAt = input.expiresAt === undefined ? null : requireFuture(input.expiresAt, now);
		const text = generateApiKey(guildId, this.checksumSecret);
		const key: StoredKey = {
			id: randomUUID(),
			guildId,
			prefix: keyPrefix(text),
			name,
			state: "active",
			scopes,
			allowedCidrs,
			createdAt: now,
			updatedAt: now,
			lastUsedAt: null,
			expiresAt,
			revokedAt: null,
			hold: null,
			createdBy: creatorOf(by.actor),
			description,
			rateLimits: null,
			lastUsedIp: null,
		};
		const details = { prefix: key.prefix, name, scopes, allowed_cidrs: allowedCidrs, expires_at: expiresAt, ...(description === null ? {} : { description }) };
		const result = await this.store.createKey(key, hashApiKey(text), MAX_KEYS_PER_GUILD, { event: "created", ...by, at: now, details });
		if (result.outcome === "limit_reached") throw new ApiError(409, "key_limit_reached", ErrorMessage.keyLimitReached);
		this.announce(result.key, "created");
		return { key: text, record: this.toRecord(result.key) };
	}

	async list(guildId: string): Promise<ApiKeyRecord[]> {
		return (await this.store.listKeys(guildId)).map((key) => this.toRecord(key));
	}

	async get(guildId: string, keyId: string): Promise<ApiKeyRecord> {
		return this.toRecord(await this.requireKey(guildId, keyId));
	}

	/** Revokes for good; revoking a revoked key answers its record and changes nothing. */
	async revoke(guildId: string, keyId: string, by: ChangedBy): Promise<ApiKeyRecord> {
		const now = this.now();
		const result = await this.change(guildId, keyId, "revoked", by, { state: "revoked", revokedAt: now, updatedAt: now }, {});
		if (result.outcome === "revoked") return this.toRecord(result.key);
		return this.changed(result, "revoked");
	}

	/** 409 `key_revoked` for a revoked key. */
	async disable(guildId: string, keyId: string, by: ChangedBy): Promise<ApiKeyRecord> {
		const result = await this.change(guildId, keyId, "disabled", by, { state: "disabled", updatedAt: this.now() }, {});
		return this.changed(result, "disabled");
	}

	/**
	 * Makes the key active again; as a change, it also lifts auto-expiry. A key past `expires_at`
	 * stays `expired` until its expiry is moved (update). 409 `key_revoked` for a revoked key, and
	 * `key_roll_required` for a held one (moderated, user_moderated, creator_removed): only a roll lifts those.
	 */
	async enable(guildId: string, keyId: string, by: ChangedBy): Promise<ApiKeyRecord> {
		const current = await this.requireKey(guildId, keyId);
		if (current.state !== "revoked" && current.hold !== null) throw rollRequired(current.hold);
		const result = await this.change(guildId, keyId, "enabled", by, { state: "active", updatedAt: this.now() }, {});
		return this.changed(result, "enabled");
	}

	/** Sets what `update` names (null clears); any update lifts auto-expiry. 409 `key_revoked` for a revoked key. */
	async update(guildId: string, keyId: string, update: KeyUpdate, by: ChangedBy): Promise<ApiKeyRecord> {
		const now = this.now();
		const change: KeyChange = { updatedAt: now };
		const details: AuditDetails = {};
		if (update.name !== undefined) details.name = change.name = update.name;
		if (update.allowedCidrs !== undefined) details.allowed_cidrs = change.allowedCidrs = update.allowedCidrs;
		if (update.expiresAt !== undefined) details.expires_at = change.expiresAt = requireFuture(update.expiresAt, now);
		if (update.description !== undefined) details.description = change.description = update.description;
		if (update.rateLimits !== undefined) {
			change.rateLimits = update.rateLimits;
			details.rate_limits = update.rateLimits === null ? null : JSON.stringify(update.rateLimits);
		}
		return this.changed(await this.change(guildId, keyId, "updated", by, change, details), "updated");
	}

	/** Deletes a revoked key (409 `key_not_revoked` otherwise); its audit events stay. */
	async delete(guildId: string, keyId: string, by: ChangedBy): Promise<void> {
		const result = await this.store.deleteKey(guildId, keyId, { event: "deleted", ...by, at: this.now(), details: {} });
		if (result === "not_found") throw keyNotFound();
		if (result === "not_revoked") throw new ApiError(409, "key_not_revoked", ErrorMessage.keyNotRevoked);
		this.usageRecorder.forget(keyId);
		this.announce({ id: keyId, guildId }, "deleted");
	}

	/**
	 * Gives the key a new secret (and prefix). The previous secret keeps verifying for
	 * `expirePreviousInSeconds` (0: refused at once); a secret from an earlier roll stops now. The roller
	 * becomes the key's creator, and a held key comes back active.
	 */
	async roll(guildId: string, keyId: string, expirePreviousInSeconds: number, by: ChangedBy): Promise<{ key: string; record: ApiKeyRecord }> {
		const now = this.now();
		const text = generateApiKey(guildId, this.checksumSecret);
		const prefix = keyPrefix(text);
		const next = { hash: hashApiKey(text), prefix, createdBy: creatorOf(by.actor) };
		const result = await this.store.rollKey(guildId, keyId, next, now + expirePreviousInSeconds, {
			event: "rolled",
			...by,
			at: now,
			details: { prefix, expire_previous_in_seconds: expirePreviousInSeconds },
		});
		return { key: text, record: this.changed(result, "rolled") };
	}

	/** (v2) The platform operator's reset: the key is `moderated` until someone allowed rolls it. 409 for a revoked key. */
	async moderate(guildId: string, keyId: string, by: ChangedBy): Promise<ApiKeyRecord> {
		const result = await this.change(guildId, keyId, "moderated", by, { hold: "moderated", updatedAt: this.now() }, {});
		return this.changed(result, "moderated");
	}

	/**
	 * (v2) Holds the live keys `creatorId` generated in the guilds `inGuild` picks: `user_moderated` over
	 * unheld keys, `creator_removed` over unheld and user_moderated ones (it outlasts a suspension).
	 * Takes effect on the next request on every instance, like a revoke; answers how many keys changed.
	 */
	async holdKeysOf(creatorId: string, hold: "user_moderated" | "creator_removed", inGuild: (guildId: string) => boolean, by: ChangedBy): Promise<number> {
		const over: (KeyHold | null)[] = hold === "user_moderated" ? [null] : [null, "user_moderated"];
		const which = (key: StoredKey) => inGuild(key.guildId) && over.includes(key.hold);
		const held = await this.store.holdKeysOf(creatorId, hold, which, { event: hold, ...by, at: this.now(), details: {} });
		for (const key of held) this.announce(key, hold);
		return held.length;
	}

	/** (v2) A lifted suspension: the creator's `user_moderated` keys are back to what they were. */
	async releaseKeysOf(creatorId: string, by: ChangedBy): Promise<number> {
		const released = await this.store.releaseKeysOf(creatorId, { event: "released", ...by, at: this.now(), details: { hold: "user_moderated" } });
		for (const key of released) this.announce(key, "released");
		return released.length;
	}

	/** Who generated the key's current secret (null: the admin token), for access checks; 404 when the guild has no such key. */
	async creatorId(guildId: string, keyId: string): Promise<string | null> {
		return (await this.requireKey(guildId, keyId)).createdBy?.id ?? null;
	}

	/** (v2) Records an event about no key (an operator suspended or unsuspended) in the guild's audit. */
	async recordEvent(guildId: string, event: AuditEventKind, details: AuditDetails, by: ChangedBy): Promise<void> {
		await this.store.appendAudit(guildId, { event, ...by, at: this.now(), details });
	}

	/** (v2) Keys holding a slot (every status but revoked) per guild: of `guildIds`, or of every guild that has keys. */
	liveKeyCounts(guildIds?: readonly string[]): Promise<Map<string, number>> {
		return this.store.countLiveKeys(guildIds);
	}

	/** The guild's key events, newest first. */
	audit(guildId: string, limit = 100): Promise<AuditEvent[]> {
		return this.store.listAudit(guildId, limit);
	}

	/** Requests per minute or hour over the window, including uses not yet flushed. */
	async usage(guildId: string, keyId: string, { granularity, window }: UsageQuery): Promise<UsageReport> {
		await this.requireKey(guildId, keyId);
		await this.usageRecorder.flush();
		const step = granularity === "minute" ? 60 : 3_600;
		const now = this.now();
		const last = now - (now % step);
		const first = last - (Math.ceil(window / step) - 1) * step;
		const points = new Map<number, number>();
		for (let at = first; at <= last; at += step) points.set(at, 0);
		for (const { minute, count } of await this.store.usage(keyId, first, last + step)) {
			const at = minute - (minute % step);
			points.set(at, (points.get(at) ?? 0) + count);
		}
		const recent = await this.store.recentAddresses(keyId, RECENT_ADDRESSES);
		return {
			granularity,
			window,
			points: [...points].map(([at, count]) => ({ at, count })),
			recent_addresses: recent.map((use) => ({ address: use.address, count: use.count, last_seen_at: use.lastSeenAt })),
		};
	}

	/** Calls `listener` after every change made here; returns the unsubscribe. */
	onChange(listener: (change: KeyChangeNotice) => void): () => void {
		this.listeners.add(listener);
		return () => this.listeners.delete(listener);
	}

	private toRecord(key: StoredKey): ApiKeyRecord {
		const pending = this.usageRecorder.unflushed(key.id);
		const lastUsedAt = pending === undefined ? key.lastUsedAt : Math.max(key.lastUsedAt ?? 0, pending.lastUsedAt);
		return {
			id: key.id,
			guild_id: key.guildId,
			prefix: key.prefix,
			name: key.name,
			status: keyStatusAt(key, lastUsedAt, this.now()),
			scopes: [...key.scopes],
			allowed_cidrs: [...key.allowedCidrs],
			created_at: key.createdAt,
			last_used_at: lastUsedAt,
			expires_at: key.expiresAt,
			revoked_at: key.revokedAt,
			created_by:
				key.createdBy === null
					? { type: "admin_token", id: null, name: null }
					: { type: "operator", id: key.createdBy.id, name: key.createdBy.name },
			description: key.description,
			last_used_ip: pending?.lastAddress ?? key.lastUsedIp,
			rate_limits: key.rateLimits,
		};
	}

	private async requireKey(guildId: string, keyId: string): Promise<StoredKey> {
		const key = await this.store.getKey(guildId, keyId);
		if (key === undefined) throw keyNotFound();
		return key;
	}

	private change(guildId: string, keyId: string, event: AuditEventKind, by: ChangedBy, change: KeyChange, details: AuditDetails): Promise<KeyChangeResult> {
		return this.store.changeKey(guildId, keyId, change, { event, ...by, at: change.updatedAt, details });
	}

	/** Turns a store outcome into the answer: the record, 404, or 409 for a revoked key. */
	private changed(result: KeyChangeResult, kind: AuditEventKind): ApiKeyRecord {
		if (result.outcome === "not_found") throw keyNotFound();
		if (result.outcome === "revoked") throw revokedIsFinal();
		this.announce(result.key, kind);
		return this.toRecord(result.key);
	}

	private announce(key: { id: string; guildId: string }, kind: AuditEventKind): void {
		this.verifier.invalidate(key.id);
		for (const listener of this.listeners) {
			try {
				listener({ keyId: key.id, guildId: key.guildId, kind });
			} catch (err) {
				// The change is committed; a failing subscriber (say, a broadcast) must not turn it into an error.
				this.log("key change listener failed", err);
			}
		}
	}
}

/** The schema checks the shape; only the admin's clock can say whether the time is still ahead. */
function requireFuture(expiresAt: number | null, now: number): number | null {
	if (expiresAt !== null && expiresAt <= now) throw badRequest(expiresAtWords);
	return expiresAt;
}
