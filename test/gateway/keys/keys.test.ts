// test/gateway/keys/keys.test.ts
// The key verifier, usage recorder and key admin on a real SQLite file with a fake clock: lifecycle, limits, verification, cache and usage.

import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ErrorMessage } from "../../../shared/errors";
import type { ApiKeyRecord } from "../../../shared/records";
import { ApiError } from "../../../gateway/platform/http/envelope";
import { hashApiKey } from "../../../gateway/keys/api-key";
import type { KeyChangeNotice } from "../../../gateway/keys/key-admin";
import { readAuditLimit, readKeyUpdate, readNewKey, readRollOverlap, readUsageQuery } from "../../../gateway/keys/key-commands";
import { guildParams } from "../../../gateway/keys/key-schemas";
import { startKeys, type Keys, type KeysOptions } from "../../../gateway/keys/keys";
import { readPart } from "../../../gateway/platform/http/fields";
import type { ChangedBy, KeyStore } from "../../../gateway/keys/key-store";
import { SqliteKeyStore } from "../../../gateway/keys/sqlite-key-store";
import { DAY, GUILD_A, GUILD_B, countingStore, fakeClock, tempDir } from "./fixtures";

const ACTOR: ChangedBy = { actor: { type: "admin_token" }, address: "127.0.0.1" };
const OPERATOR: ChangedBy = { actor: { type: "operator", id: "111111111111111111", name: "Ada" }, address: "198.51.100.7" };

let dir: ReturnType<typeof tempDir>;
let clock: ReturnType<typeof fakeClock>;
let sqlite: SqliteKeyStore;
let spy: ReturnType<typeof countingStore>;
let keys: Keys;
const opened: { close(): Promise<void> }[] = [];

async function openService(store: KeyStore, options: Partial<KeysOptions> = {}): Promise<Keys> {
	// A long flush interval: these tests flush explicitly, the timer must not do it behind their back.
	const service = await startKeys({ store, clock: clock.now, flushIntervalMs: 3_600_000, ...options });
	opened.push(service);
	return service;
}

function openStore(): SqliteKeyStore {
	const store = SqliteKeyStore.open(dir.path);
	opened.push(store);
	return store;
}

/** As the create route does: the body read into a command, then run by the key admin. */
async function createKey(service: Keys, guildId: string, body: unknown, by: ChangedBy = ACTOR) {
	return service.admin.create(readPart(guildParams, { guildId }).guildId, readNewKey(body), by);
}

/** As the update route does. */
async function updateKey(service: Keys, guildId: string, keyId: string, body: unknown, by: ChangedBy = ACTOR) {
	return service.admin.update(guildId, keyId, readKeyUpdate(body), by);
}

/** The ApiError a promise rejects with, to assert status, code and message together. */
async function apiError(promise: Promise<unknown>): Promise<ApiError> {
	const err = await promise.then(
		() => undefined,
		(reason: unknown) => reason,
	);
	if (!(err instanceof ApiError)) throw new Error(`expected an ApiError, got ${String(err)}`);
	return err;
}

beforeEach(async () => {
	dir = tempDir();
	clock = fakeClock();
	sqlite = openStore();
	spy = countingStore(sqlite);
	keys = await openService(spy.store);
});

afterEach(async () => {
	// Services first (their close flushes into the stores), then the stores.
	for (const handle of opened.splice(0).reverse()) await handle.close();
	dir.remove();
});

describe("create", () => {
	it("returns the full key once and a record with both scopes, active, without secrets", async () => {
		const { key, record } = await createKey(keys, GUILD_A, { name: "game servers" }, ACTOR);
		expect(record).toEqual<ApiKeyRecord>({
			id: record.id,
			guild_id: GUILD_A,
			prefix: key.slice(0, `technified_${GUILD_A}_`.length + 6),
			name: "game servers",
			status: "active",
			scopes: ["moderation:read", "moderation:write"],
			allowed_cidrs: [],
			created_at: clock.seconds(),
			last_used_at: null,
			expires_at: null,
			revoked_at: null,
			created_by: { type: "admin_token", id: null, name: null },
			description: null,
			last_used_ip: null,
			rate_limits: null,
		});
		expect(await keys.verifier.verify(key)).toMatchObject({ ok: true, key: { id: record.id, guildId: GUILD_A } });
	});

	it("keeps the scopes and address rules it is given", async () => {
		const { key } = await createKey(keys, 
			GUILD_A,
			{ scopes: ["moderation:read"], allowed_cidrs: ["203.0.113.0/24", "2001:db8::/32"] },
			ACTOR,
		);
		const result = await keys.verifier.verify(key);
		if (!result.ok) throw new Error("expected the key to verify");
		expect([...result.key.scopes]).toEqual(["moderation:read"]);
		expect(result.key.allowsAddress("203.0.113.9")).toBe(true);
		expect(result.key.allowsAddress("::ffff:203.0.113.9")).toBe(true);
		expect(result.key.allowsAddress("2001:db8::1")).toBe(true);
		expect(result.key.allowsAddress("198.51.100.1")).toBe(false);
	});

	it.each([
		["a name over 64 characters", { name: "x".repeat(65) }, /name/],
		["an empty name", { name: "  " }, /name/],
		["a name that is not text", { name: 42 }, /name/],
		["an unknown scope", { scopes: ["moderation:read", "admin"] }, /Unknown scope "admin"/],
		["no scope at all", { scopes: [] }, /scopes/],
		["an invalid CIDR", { allowed_cidrs: ["10.0.0.0/8", "10.1/16"] }, /"10\.1\/16"/],
		["a CIDR list that is not a list", { allowed_cidrs: "10.0.0.0/8" }, /allowed_cidrs/],
		["expires_at in the past", { expires_at: 1_000 }, /expires_at/],
		["expires_at now", { expires_at: 1_750_000_000 }, /expires_at/],
		["expires_at with a fraction", { expires_at: 1_750_000_100.5 }, /expires_at/],
		["expires_at in milliseconds", { expires_at: 1_750_000_100_000 }, /expires_at/],
		["expires_at as text", { expires_at: "1750000100" }, /expires_at/],
	])("refuses %s with 400 bad_request naming the field", async (_case, input, message) => {
		const err = await apiError(createKey(keys, GUILD_A, input, ACTOR));
		expect([err.status, err.code]).toEqual([400, "bad_request"]);
		expect(err.message).toMatch(message);
		expect(await keys.admin.list(GUILD_A)).toEqual([]);
	});

	it("refuses a guild id that is not 17-20 digits", async () => {
		const err = await apiError(createKey(keys, "12345", {}, ACTOR));
		expect([err.status, err.code]).toEqual([400, "bad_request"]);
	});
});

describe("the 3-key limit", () => {
	it("refuses a fourth key with 409 key_limit_reached, and a revoke frees a slot", async () => {
		const first = await createKey(keys, GUILD_A, {}, ACTOR);
		await createKey(keys, GUILD_A, {}, ACTOR);
		await createKey(keys, GUILD_A, {}, ACTOR);
		const err = await apiError(createKey(keys, GUILD_A, {}, ACTOR));
		expect([err.status, err.code, err.message]).toEqual([409, "key_limit_reached", ErrorMessage.keyLimitReached]);

		await keys.admin.disable(GUILD_A, first.record.id, ACTOR);
		expect((await apiError(createKey(keys, GUILD_A, {}, ACTOR))).code).toBe("key_limit_reached");
		await keys.admin.revoke(GUILD_A, first.record.id, ACTOR);
		await expect(createKey(keys, GUILD_A, {}, ACTOR)).resolves.toMatchObject({ record: { status: "active" } });
		expect(await keys.admin.list(GUILD_A)).toHaveLength(4);
	});

	it("never exceeds 3 under concurrent creates from two gateway instances", async () => {
		const other = await openService(openStore());
		const attempts = Array.from({ length: 12 }, (_, i) => createKey(i % 2 === 0 ? keys : other, GUILD_A, {}));
		const settled = await Promise.allSettled(attempts);
		expect(settled.filter((result) => result.status === "fulfilled")).toHaveLength(3);
		for (const result of settled) {
			if (result.status === "rejected") expect((result.reason as ApiError).code).toBe("key_limit_reached");
		}
		expect(await keys.admin.list(GUILD_A)).toHaveLength(3);
	});
});

describe("verify", () => {
	it("refuses a forged or mistyped key as malformed without touching the store", async () => {
		const { key } = await createKey(keys, GUILD_A, {}, ACTOR);
		const before = spy.total();
		const forged = `technified_${GUILD_A}_${"A".repeat(38)}`;
		const mistyped = key.slice(0, -1) + (key.endsWith("a") ? "b" : "a");
		for (const text of [forged, mistyped, "not a key", "", key.replace(GUILD_A, GUILD_B)]) {
			expect(await keys.verifier.verify(text)).toEqual({ ok: false, reason: "malformed", storeLookup: false });
		}
		expect(spy.total()).toBe(before);
	});

	it("answers a hot key from the cache: one store lookup for many requests", async () => {
		const { key } = await createKey(keys, GUILD_A, {}, ACTOR);
		expect(await keys.verifier.verify(key)).toMatchObject({ ok: true, storeLookup: true });
		for (let i = 0; i < 50; i++) expect(await keys.verifier.verify(key)).toMatchObject({ ok: true, storeLookup: false });
		expect(spy.calls.get("findBySecretHash")).toBe(1);
	});

	it("refuses a revoked key on the very next request, even when cached", async () => {
		const { key, record } = await createKey(keys, GUILD_A, {}, ACTOR);
		await keys.verifier.verify(key);
		expect(await keys.verifier.verify(key)).toMatchObject({ ok: true, storeLookup: false });
		await keys.admin.revoke(GUILD_A, record.id, ACTOR);
		expect(await keys.verifier.verify(key)).toMatchObject({ ok: false, reason: "revoked" });
	});

	it("refuses a disabled key and accepts it again once enabled", async () => {
		const { key, record } = await createKey(keys, GUILD_A, {}, ACTOR);
		await keys.verifier.verify(key);
		expect((await keys.admin.disable(GUILD_A, record.id, ACTOR)).status).toBe("disabled");
		expect(await keys.verifier.verify(key)).toMatchObject({ ok: false, reason: "disabled" });
		expect((await keys.admin.enable(GUILD_A, record.id, ACTOR)).status).toBe("active");
		expect(await keys.verifier.verify(key)).toMatchObject({ ok: true });
	});

	it("does not cache a key loaded while it was being revoked", async () => {
		const { key, record } = await createKey(keys, GUILD_A, {}, ACTOR);
		// A store whose lookup answers only when released, so a revoke can land while it is in flight.
		let release = () => {};
		const slowStore: KeyStore = Object.create(sqlite) as KeyStore;
		slowStore.findBySecretHash = async (hash) => {
			const found = await sqlite.findBySecretHash(hash);
			await new Promise<void>((resolve) => (release = resolve));
			return found;
		};
		const service = await openService(slowStore);
		const inFlight = service.verifier.verify(key);
		await new Promise((resolve) => setImmediate(resolve));
		await service.admin.revoke(GUILD_A, record.id, ACTOR);
		release();
		await inFlight;
		slowStore.findBySecretHash = (hash) => sqlite.findBySecretHash(hash);
		expect(await service.verifier.verify(key)).toMatchObject({ ok: false, reason: "revoked", storeLookup: true });
	});

	it("sees a change made by another instance once the cache entry's TTL has passed", async () => {
		const { key, record } = await createKey(keys, GUILD_A, {}, ACTOR);
		await keys.verifier.verify(key);
		const other = await openService(openStore());
		await other.admin.revoke(GUILD_A, record.id, ACTOR);
		expect(await keys.verifier.verify(key)).toMatchObject({ ok: true, storeLookup: false });
		clock.advance(31);
		expect(await keys.verifier.verify(key)).toMatchObject({ ok: false, reason: "revoked", storeLookup: true });
	});

	it("drops cached entries on invalidate(keyId), as a broadcast from another instance does", async () => {
		const { key, record } = await createKey(keys, GUILD_A, {}, ACTOR);
		await keys.verifier.verify(key);
		const other = await openService(openStore());
		await other.admin.disable(GUILD_A, record.id, ACTOR);
		keys.verifier.invalidate(record.id);
		expect(await keys.verifier.verify(key)).toEqual({ ok: false, reason: "disabled", storeLookup: true });
	});

	it("calls onChange listeners for every change, until unsubscribed", async () => {
		const changes: KeyChangeNotice[] = [];
		const unsubscribe = keys.admin.onChange((change) => changes.push(change));
		const { record } = await createKey(keys, GUILD_A, {}, ACTOR);
		await updateKey(keys, GUILD_A, record.id, { name: "renamed" }, ACTOR);
		await keys.admin.roll(GUILD_A, record.id, 0, ACTOR);
		await keys.admin.disable(GUILD_A, record.id, ACTOR);
		await keys.admin.enable(GUILD_A, record.id, ACTOR);
		await keys.admin.revoke(GUILD_A, record.id, ACTOR);
		await keys.admin.delete(GUILD_A, record.id, ACTOR);
		unsubscribe();
		await createKey(keys, GUILD_A, {}, ACTOR);
		expect(changes).toEqual(
			["created", "updated", "rolled", "disabled", "enabled", "revoked", "deleted"].map((kind) => ({
				keyId: record.id,
				guildId: GUILD_A,
				kind,
			})),
		);
	});
});

describe("expiry", () => {
	it("refuses a key from its expires_at on, and an update of expires_at brings it back", async () => {
		const { key, record } = await createKey(keys, GUILD_A, { expires_at: clock.seconds() + 100 }, ACTOR);
		clock.advance(99);
		expect(await keys.verifier.verify(key)).toMatchObject({ ok: true });
		clock.advance(1);
		expect(await keys.verifier.verify(key)).toMatchObject({ ok: false, reason: "expired", storeLookup: false });
		expect((await keys.admin.get(GUILD_A, record.id)).status).toBe("expired");
		const updated = await updateKey(keys, GUILD_A, record.id, { expires_at: clock.seconds() + 100 }, ACTOR);
		expect(updated.status).toBe("active");
		expect(await keys.verifier.verify(key)).toMatchObject({ ok: true });
		expect((await updateKey(keys, GUILD_A, record.id, { expires_at: null }, ACTOR)).expires_at).toBeNull();
	});

	it("auto-expires a key unused and unchanged for 60 days; enable reactivates it", async () => {
		const { key, record } = await createKey(keys, GUILD_A, {}, ACTOR);
		await keys.verifier.verify(key);
		clock.advance(60 * DAY - 1);
		expect(await keys.verifier.verify(key)).toMatchObject({ ok: true });
		clock.advance(1);
		expect(await keys.verifier.verify(key)).toMatchObject({ ok: false, reason: "auto_expired", storeLookup: false });
		expect((await keys.admin.list(GUILD_A))[0].status).toBe("auto_expired");
		expect((await keys.admin.enable(GUILD_A, record.id, ACTOR)).status).toBe("active");
		expect(await keys.verifier.verify(key)).toMatchObject({ ok: true });
	});

	it("reactivates an auto-expired key on update", async () => {
		const { key, record } = await createKey(keys, GUILD_A, {}, ACTOR);
		clock.advance(61 * DAY);
		expect(await keys.verifier.verify(key)).toMatchObject({ ok: false, reason: "auto_expired" });
		expect((await updateKey(keys, GUILD_A, record.id, { name: "still here" }, ACTOR)).status).toBe("active");
		expect(await keys.verifier.verify(key)).toMatchObject({ ok: true });
	});

	it("counts a use not yet flushed as activity", async () => {
		const { key, record } = await createKey(keys, GUILD_A, {}, ACTOR);
		clock.advance(30 * DAY);
		keys.usage.recordUse(record.id);
		clock.advance(45 * DAY);
		expect(spy.calls.get("recordUsage")).toBeUndefined();
		expect(await keys.verifier.verify(key)).toMatchObject({ ok: true });
		expect((await keys.admin.get(GUILD_A, record.id)).last_used_at).toBe(clock.seconds() - 45 * DAY);
		clock.advance(15 * DAY);
		expect(await keys.verifier.verify(key)).toMatchObject({ ok: false, reason: "auto_expired" });
	});

	it("counts a flushed use as activity, in the cache and in a fresh instance", async () => {
		// A cache TTL longer than the test's 118 days, so the first verdict comes from the cached entry.
		const longCache = await openService(sqlite, { cacheTtlMs: 200 * DAY * 1000 });
		const { key, record } = await createKey(longCache, GUILD_A, {}, ACTOR);
		await longCache.verifier.verify(key);
		clock.advance(59 * DAY);
		longCache.usage.recordUse(record.id);
		await longCache.usage.flush();
		clock.advance(59 * DAY);
		expect(await longCache.verifier.verify(key)).toMatchObject({ ok: true, storeLookup: false });
		const fresh = await openService(openStore());
		expect(await fresh.verifier.verify(key)).toMatchObject({ ok: true, storeLookup: true });
	});
});

describe("roll", () => {
	it("keeps the previous secret working for the overlap, then refuses it", async () => {
		const created = await createKey(keys, GUILD_A, {}, ACTOR);
		await keys.verifier.verify(created.key);
		const rolled = await keys.admin.roll(GUILD_A, created.record.id, 3600, ACTOR);
		expect(rolled.key).not.toBe(created.key);
		expect(rolled.record.prefix).toBe(rolled.key.slice(0, created.record.prefix.length));
		expect(rolled.record.prefix).not.toBe(created.record.prefix);
		expect(await keys.verifier.verify(rolled.key)).toMatchObject({ ok: true, key: { id: created.record.id } });
		clock.advance(3599);
		expect(await keys.verifier.verify(created.key)).toMatchObject({ ok: true, key: { id: created.record.id } });
		clock.advance(1);
		expect(await keys.verifier.verify(created.key)).toMatchObject({ ok: false, reason: "unknown" });
		expect(await keys.verifier.verify(rolled.key)).toMatchObject({ ok: true });
	});

	it("with 0 refuses the previous secret at once, even when it was cached", async () => {
		const created = await createKey(keys, GUILD_A, {}, ACTOR);
		await keys.verifier.verify(created.key);
		const rolled = await keys.admin.roll(GUILD_A, created.record.id, 0, ACTOR);
		expect(await keys.verifier.verify(created.key)).toMatchObject({ ok: false, reason: "unknown" });
		expect(await keys.verifier.verify(rolled.key)).toMatchObject({ ok: true });
	});

	it("refuses an overlap outside 0-604800 seconds", async () => {
		const { record } = await createKey(keys, GUILD_A, {}, ACTOR);
		for (const overlap of [-1, 604_801, 1.5]) {
			expect((await apiError((async () => keys.admin.roll(GUILD_A, record.id, readRollOverlap({ expire_previous_in_seconds: overlap }), ACTOR))())).code).toBe("bad_request");
		}
	});
});

describe("revoked is final", () => {
	it("answers 409 key_revoked to enable, disable, update and roll; revoking again changes nothing", async () => {
		const { record } = await createKey(keys, GUILD_A, {}, ACTOR);
		const revoked = await keys.admin.revoke(GUILD_A, record.id, ACTOR);
		expect(revoked).toMatchObject({ status: "revoked", revoked_at: clock.seconds() });
		for (const attempt of [
			keys.admin.enable(GUILD_A, record.id, ACTOR),
			keys.admin.disable(GUILD_A, record.id, ACTOR),
			updateKey(keys, GUILD_A, record.id, { name: "again" }, ACTOR),
			keys.admin.roll(GUILD_A, record.id, 0, ACTOR),
		]) {
			const err = await apiError(attempt);
			expect([err.status, err.code]).toEqual([409, "key_revoked"]);
		}
		clock.advance(10);
		expect(await keys.admin.revoke(GUILD_A, record.id, ACTOR)).toEqual(revoked);
		expect((await keys.admin.audit(GUILD_A)).map((event) => event.event)).toEqual(["revoked", "created"]);
	});
});

describe("delete", () => {
	it("refuses a key that is not revoked with 409 key_not_revoked", async () => {
		const { record } = await createKey(keys, GUILD_A, {}, ACTOR);
		const err = await apiError(keys.admin.delete(GUILD_A, record.id, ACTOR));
		expect([err.status, err.code, err.message]).toEqual([409, "key_not_revoked", ErrorMessage.keyNotRevoked]);
		expect(await keys.admin.list(GUILD_A)).toHaveLength(1);
	});

	it("deletes a revoked key: gone from the list, its key unknown, its history kept", async () => {
		const { key, record } = await createKey(keys, GUILD_A, {}, ACTOR);
		await keys.admin.revoke(GUILD_A, record.id, ACTOR);
		await keys.admin.delete(GUILD_A, record.id, ACTOR);
		expect(await keys.admin.list(GUILD_A)).toEqual([]);
		expect(await keys.verifier.verify(key)).toMatchObject({ ok: false, reason: "unknown" });
		expect((await apiError(keys.admin.get(GUILD_A, record.id))).status).toBe(404);
		expect((await keys.admin.audit(GUILD_A)).map((event) => event.event)).toEqual(["deleted", "revoked", "created"]);
	});
});

describe("update", () => {
	it("changes name, address rules and expiry; null clears", async () => {
		const { key, record } = await createKey(keys, GUILD_A, { name: "old" }, ACTOR);
		await keys.verifier.verify(key);
		const updated = await updateKey(keys, GUILD_A, record.id, { name: "new", allowed_cidrs: ["192.0.2.0/24"] }, ACTOR);
		expect(updated).toMatchObject({ name: "new", allowed_cidrs: ["192.0.2.0/24"] });
		const result = await keys.verifier.verify(key);
		if (!result.ok) throw new Error("expected the key to verify");
		expect(result.key.allowsAddress("192.0.2.7")).toBe(true);
		expect(result.key.allowsAddress("198.51.100.7")).toBe(false);
		expect((await updateKey(keys, GUILD_A, record.id, { name: null, allowed_cidrs: [] }, ACTOR)).name).toBeNull();
	});

	it("refuses an empty update, a scope change and invalid fields", async () => {
		const { record } = await createKey(keys, GUILD_A, {}, ACTOR);
		for (const input of [{}, { scopes: ["moderation:read"] }, { allowed_cidrs: ["300.0.0.0/8"] }, { expires_at: 5 }]) {
			expect((await apiError(updateKey(keys, GUILD_A, record.id, input, ACTOR))).code).toBe("bad_request");
		}
	});
});

describe("guild isolation", () => {
	it("answers 404 for a key of guild A asked through guild B, and changes nothing", async () => {
		const { key, record } = await createKey(keys, GUILD_A, {}, ACTOR);
		const throughB = [
			keys.admin.get(GUILD_B, record.id),
			keys.admin.revoke(GUILD_B, record.id, ACTOR),
			keys.admin.disable(GUILD_B, record.id, ACTOR),
			keys.admin.enable(GUILD_B, record.id, ACTOR),
			updateKey(keys, GUILD_B, record.id, { name: "taken" }, ACTOR),
			keys.admin.roll(GUILD_B, record.id, 0, ACTOR),
			keys.admin.delete(GUILD_B, record.id, ACTOR),
			keys.admin.usage(GUILD_B, record.id, { granularity: "minute", window: 3600 }),
		];
		for (const attempt of throughB) {
			const err = await apiError(attempt);
			expect([err.status, err.code]).toEqual([404, "not_found"]);
		}
		expect(await keys.admin.list(GUILD_B)).toEqual([]);
		expect(await keys.admin.audit(GUILD_B)).toEqual([]);
		expect(await keys.admin.get(GUILD_A, record.id)).toEqual(record);
		expect(await keys.verifier.verify(key)).toMatchObject({ ok: true });
	});

	it("answers 404 for an id that never existed", async () => {
		expect((await apiError(keys.admin.get(GUILD_A, "no-such-key"))).status).toBe(404);
	});
});

describe("audit", () => {
	it("records every change with actor and time, newest first, without secrets", async () => {
		const { key, record } = await createKey(keys, GUILD_A, { name: "bot" }, OPERATOR);
		clock.advance(1);
		await updateKey(keys, GUILD_A, record.id, { name: "renamed" }, ACTOR);
		clock.advance(1);
		const rolled = await keys.admin.roll(GUILD_A, record.id, 60, ACTOR);
		clock.advance(1);
		await keys.admin.disable(GUILD_A, record.id, ACTOR);
		await keys.admin.enable(GUILD_A, record.id, ACTOR);
		await keys.admin.revoke(GUILD_A, record.id, ACTOR);
		const events = await keys.admin.audit(GUILD_A);
		expect(events.map((event) => [event.event, event.actor, event.address])).toEqual([
			["revoked", ACTOR.actor, ACTOR.address],
			["enabled", ACTOR.actor, ACTOR.address],
			["disabled", ACTOR.actor, ACTOR.address],
			["rolled", ACTOR.actor, ACTOR.address],
			["updated", ACTOR.actor, ACTOR.address],
			["created", OPERATOR.actor, OPERATOR.address],
		]);
		expect(events.at(-1)).toMatchObject({ key_id: record.id, at: clock.seconds() - 3, details: { name: "bot" } });
		expect(events.find((event) => event.event === "rolled")?.details).toMatchObject({ expire_previous_in_seconds: 60 });
		expect(await keys.admin.audit(GUILD_A, readAuditLimit({ limit: "2" }))).toEqual(events.slice(0, 2));
		expect((await apiError((async () => keys.admin.audit(GUILD_A, readAuditLimit({ limit: "0" })))())).code).toBe("bad_request");

		const everything = JSON.stringify([events, await keys.admin.list(GUILD_A), record, rolled.record]);
		for (const secret of [key, rolled.key, hashApiKey(key), hashApiKey(rolled.key), await sqlite.checksumSecret()]) {
			expect(everything).not.toContain(secret);
		}
		expect(everything).not.toContain(key.slice(-38));
	});
});

describe("usage and last use", () => {
	it("writes nothing per request: uses are batched into one store call per flush", async () => {
		const { key, record } = await createKey(keys, GUILD_A, {}, ACTOR);
		const writesBefore = spy.total();
		for (let i = 0; i < 100; i++) {
			const result = await keys.verifier.verify(key);
			if (result.ok) keys.usage.recordUse(result.key.id);
		}
		expect(spy.calls.get("recordUsage")).toBeUndefined();
		expect(spy.total() - writesBefore).toBe(1); // the one cache-filling lookup
		await keys.usage.flush();
		expect(spy.calls.get("recordUsage")).toBe(1);
		expect((await sqlite.getKey(GUILD_A, record.id))?.lastUsedAt).toBe(clock.seconds());
	});

	it("flushes on its timer", async () => {
		const timed = await openService(sqlite, { flushIntervalMs: 20 });
		const { record } = await createKey(timed, GUILD_A, {}, ACTOR);
		timed.usage.recordUse(record.id);
		await expect.poll(async () => (await sqlite.getKey(GUILD_A, record.id))?.lastUsedAt, { timeout: 2_000 }).toBe(clock.seconds());
	});

	it("keeps last use across a graceful shutdown and a restart", async () => {
		const { key, record } = await createKey(keys, GUILD_A, {}, ACTOR);
		clock.advance(120);
		keys.usage.recordUse(record.id);
		await keys.close();
		await sqlite.close();
		const restarted = await openService(openStore());
		expect((await restarted.admin.get(GUILD_A, record.id)).last_used_at).toBe(clock.seconds());
		expect(await restarted.verifier.verify(key)).toMatchObject({ ok: true, key: { id: record.id } });
		const usage = await restarted.admin.usage(GUILD_A, record.id, { granularity: "minute", window: 60 });
		expect(usage.points).toEqual([{ at: clock.seconds() - (clock.seconds() % 60), count: 1 }]);
	});

	it("keeps uses for the next flush when the store fails", async () => {
		const { record } = await createKey(keys, GUILD_A, {}, ACTOR);
		keys.usage.recordUse(record.id);
		const failing: KeyStore = Object.create(sqlite) as KeyStore;
		failing.recordUsage = async () => {
			throw new Error("disk full");
		};
		const flaky = await openService(failing);
		flaky.usage.recordUse(record.id);
		await expect(flaky.usage.flush()).rejects.toThrow("disk full");
		failing.recordUsage = (batch) => sqlite.recordUsage(batch);
		await flaky.usage.flush();
		expect((await sqlite.usage(record.id, 0, clock.seconds() + 60))[0].count).toBe(1);
	});

	it("reports requests per minute and per hour over the window, unflushed ones included", async () => {
		clock.advance(-(clock.seconds() % 3600)); // start on the hour, so buckets are easy to name
		const start = clock.seconds();
		const { record } = await createKey(keys, GUILD_A, {}, ACTOR);
		keys.usage.recordUse(record.id);
		keys.usage.recordUse(record.id);
		await keys.usage.flush();
		clock.advance(60);
		keys.usage.recordUse(record.id);
		clock.advance(3600);
		keys.usage.recordUse(record.id);

		const minutes = await keys.admin.usage(GUILD_A, record.id, { granularity: "minute", window: 180 });
		expect(minutes).toEqual({
			granularity: "minute",
			window: 180,
			points: [
				{ at: start + 3540, count: 0 },
				{ at: start + 3600, count: 0 },
				{ at: start + 3660, count: 1 },
			],
			// Uses recorded without an address (the CLI's, tests') count, but name no address.
			recent_addresses: [],
		});
		const hours = await keys.admin.usage(GUILD_A, record.id, { granularity: "hour", window: 7200 });
		expect(hours.points).toEqual([
			{ at: start, count: 3 },
			{ at: start + 3600, count: 1 },
		]);
		expect((await apiError((async () => keys.admin.usage(GUILD_A, record.id, readUsageQuery({ granularity: "minute", window: String(2 * DAY) })))())).code).toBe(
			"bad_request",
		);
	});
});

describe("persistence", () => {
	it("keeps keys and the checksum secret across a restart", async () => {
		const { key, record } = await createKey(keys, GUILD_A, { name: "persisted" }, ACTOR);
		await keys.close();
		await sqlite.close();
		const restarted = await openService(openStore());
		expect(await restarted.admin.list(GUILD_A)).toEqual([record]);
		expect(await restarted.verifier.verify(key)).toMatchObject({ ok: true, key: { id: record.id } });
	});
});
