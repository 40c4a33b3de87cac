// test/gateway/keys/key-verifier.test.ts
// The key verifier: format and checksum before the store, the cache and its invalidation, expiry and auto-expiry, rolled secrets.

import { describe, expect, it } from "vitest";
import type { KeyChangeNotice } from "../../../gateway/keys/key-admin";
import { readRollOverlap } from "../../../gateway/keys/key-commands";
import type { KeyStore } from "../../../gateway/keys/key-store";
import { ACTOR, apiError, clock, createKey, keys, openService, openStore, spy, sqlite, updateKey } from "./key-parts";
import { DAY, GUILD_A, GUILD_B } from "./fixtures";

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
