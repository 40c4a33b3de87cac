// test/gateway/keys/key-store.suite.ts
// The behaviour every KeyStore must show (SQLite now, PostgreSQL later): one suite, any implementation.

import { randomUUID } from "node:crypto";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { AuditDraft, KeyStore, StoredKey } from "../../../gateway/keys/key-store";
import type { StoreHarness } from "../platform/db/test-databases";
import { GUILD_A, GUILD_B, storedKey } from "./fixtures";

/** What an implementation's test file supplies for each test. */
export type KeyStoreHarness = StoreHarness<KeyStore>;

const T0 = 1_750_000_000;
const LIMIT = 3;

const newKey = (guildId: string, fields: Partial<StoredKey> = {}): StoredKey => storedKey(guildId, T0, fields);

const audit = (event: AuditDraft["event"], at = T0, details: AuditDraft["details"] = {}): AuditDraft => ({
	event,
	actor: { type: "admin_token" },
	address: "203.0.113.5",
	at,
	details,
});

const secretHash = () => randomUUID().replaceAll("-", "").padEnd(64, "0");

export function describeKeyStore(name: string, createHarness: () => Promise<KeyStoreHarness>): void {
	describe(`KeyStore contract: ${name}`, () => {
		let harness: KeyStoreHarness;
		let store: KeyStore;

		beforeEach(async () => {
			harness = await createHarness();
			store = harness.store;
		});
		afterEach(async () => {
			await harness.destroy();
		});

		async function created(key: StoredKey, hash = secretHash()): Promise<StoredKey> {
			const result = await store.createKey(key, hash, LIMIT, audit("created"));
			if (result.outcome !== "created") throw new Error("expected the key to be created");
			return result.key;
		}

		it("keeps one checksum secret, shared by every handle on the same storage", async () => {
			const secret = await store.checksumSecret();
			expect(secret.length).toBeGreaterThanOrEqual(32);
			expect(await store.checksumSecret()).toBe(secret);
			const other = await harness.openAnother();
			expect(await other.checksumSecret()).toBe(secret);
		});

		it("stores a created key and finds it by id within its guild and by secret hash", async () => {
			const key = newKey(GUILD_A, { name: "game servers", allowedCidrs: ["10.0.0.0/8"], expiresAt: T0 + 3600 });
			const hash = secretHash();
			await created(key, hash);
			expect(await store.getKey(GUILD_A, key.id)).toEqual(key);
			expect(await store.listKeys(GUILD_A)).toEqual([key]);
			expect(await store.findBySecretHash(hash)).toEqual({ key, secretExpiresAt: null });
			expect(await store.findBySecretHash(secretHash())).toBeUndefined();
		});

		it("never shows a key under another guild", async () => {
			const key = await created(newKey(GUILD_A));
			expect(await store.getKey(GUILD_B, key.id)).toBeUndefined();
			expect(await store.listKeys(GUILD_B)).toEqual([]);
			expect(await store.changeKey(GUILD_B, key.id, { name: "x", updatedAt: T0 + 1 }, audit("updated"))).toEqual({
				outcome: "not_found",
			});
			expect(await store.rollKey(GUILD_B, key.id, { hash: secretHash(), prefix: "p", createdBy: null }, T0, audit("rolled"))).toEqual({
				outcome: "not_found",
			});
			expect(await store.deleteKey(GUILD_B, key.id, audit("deleted"))).toBe("not_found");
			expect(await store.getKey(GUILD_A, key.id)).toEqual(key);
			expect(await store.listAudit(GUILD_B, 10)).toEqual([]);
		});

		it("lists a guild's keys oldest first", async () => {
			const first = await created(newKey(GUILD_A, { createdAt: T0 }));
			const second = await created(newKey(GUILD_A, { createdAt: T0 + 10 }));
			expect((await store.listKeys(GUILD_A)).map((key) => key.id)).toEqual([first.id, second.id]);
		});

		it("refuses a key beyond the limit of keys that are not revoked", async () => {
			for (let i = 0; i < LIMIT; i++) await created(newKey(GUILD_A));
			expect(await store.createKey(newKey(GUILD_A), secretHash(), LIMIT, audit("created"))).toEqual({
				outcome: "limit_reached",
			});
			expect(await store.listKeys(GUILD_A)).toHaveLength(LIMIT);
			expect((await store.createKey(newKey(GUILD_B), secretHash(), LIMIT, audit("created"))).outcome).toBe("created");
		});

		it("does not count revoked keys against the limit", async () => {
			const keys = [];
			for (let i = 0; i < LIMIT; i++) keys.push(await created(newKey(GUILD_A)));
			await store.changeKey(GUILD_A, keys[0].id, { state: "revoked", revokedAt: T0, updatedAt: T0 }, audit("revoked"));
			expect((await store.createKey(newKey(GUILD_A), secretHash(), LIMIT, audit("created"))).outcome).toBe("created");
		});

		it("never exceeds the limit under concurrent creates from two handles", async () => {
			const other = await harness.openAnother();
			const attempts = Array.from({ length: 10 }, (_, i) =>
				(i % 2 === 0 ? store : other).createKey(newKey(GUILD_A), secretHash(), LIMIT, audit("created")),
			);
			const outcomes = (await Promise.all(attempts)).map((result) => result.outcome);
			expect(outcomes.filter((outcome) => outcome === "created")).toHaveLength(LIMIT);
			expect(await store.listKeys(GUILD_A)).toHaveLength(LIMIT);
		});

		it("applies a change with its audit event", async () => {
			const key = await created(newKey(GUILD_A, { name: "old", expiresAt: T0 + 100 }));
			const result = await store.changeKey(
				GUILD_A,
				key.id,
				{ name: null, allowedCidrs: ["192.168.0.0/16"], expiresAt: null, state: "disabled", updatedAt: T0 + 5 },
				audit("updated", T0 + 5, { name: null }),
			);
			const expected = { ...key, name: null, allowedCidrs: ["192.168.0.0/16"], expiresAt: null, state: "disabled", updatedAt: T0 + 5 };
			expect(result).toEqual({ outcome: "changed", key: expected });
			expect(await store.getKey(GUILD_A, key.id)).toEqual(expected);
			expect((await store.listAudit(GUILD_A, 1))[0]).toMatchObject({ key_id: key.id, event: "updated", details: { name: null } });
		});

		it("leaves a revoked key as it is, whatever the change asks", async () => {
			const key = await created(newKey(GUILD_A));
			const revoked = await store.changeKey(GUILD_A, key.id, { state: "revoked", revokedAt: T0 + 1, updatedAt: T0 + 1 }, audit("revoked"));
			expect(revoked).toMatchObject({ outcome: "changed", key: { state: "revoked", revokedAt: T0 + 1 } });
			const eventsBefore = await store.listAudit(GUILD_A, 10);
			const enable = await store.changeKey(GUILD_A, key.id, { state: "active", updatedAt: T0 + 2 }, audit("enabled"));
			expect(enable).toMatchObject({ outcome: "revoked", key: { state: "revoked" } });
			const roll = await store.rollKey(GUILD_A, key.id, { hash: secretHash(), prefix: "p", createdBy: null }, T0 + 9, audit("rolled"));
			expect(roll.outcome).toBe("revoked");
			expect((await store.getKey(GUILD_A, key.id))?.state).toBe("revoked");
			expect(await store.listAudit(GUILD_A, 10)).toEqual(eventsBefore);
		});

		it("rolls: the new secret is current, the previous one overlaps until the given time", async () => {
			const first = secretHash();
			const key = await created(newKey(GUILD_A), first);
			const second = secretHash();
			const result = await store.rollKey(GUILD_A, key.id, { hash: second, prefix: "new-prefix", createdBy: null }, T0 + 600, audit("rolled", T0));
			expect(result).toMatchObject({ outcome: "changed", key: { prefix: "new-prefix", updatedAt: T0 } });
			expect(await store.findBySecretHash(second)).toMatchObject({ secretExpiresAt: null, key: { prefix: "new-prefix" } });
			expect(await store.findBySecretHash(first)).toMatchObject({ secretExpiresAt: T0 + 600 });

			// A second roll ends the first overlap: only one previous secret is ever kept.
			const third = secretHash();
			await store.rollKey(GUILD_A, key.id, { hash: third, prefix: "third", createdBy: null }, T0 + 900, audit("rolled", T0 + 1));
			expect(await store.findBySecretHash(first)).toBeUndefined();
			expect(await store.findBySecretHash(second)).toMatchObject({ secretExpiresAt: T0 + 900 });
			expect(await store.findBySecretHash(third)).toMatchObject({ secretExpiresAt: null });
		});

		it("rolls without overlap: the previous secret is gone at once", async () => {
			const first = secretHash();
			const key = await created(newKey(GUILD_A), first);
			await store.rollKey(GUILD_A, key.id, { hash: secretHash(), prefix: "p", createdBy: null }, T0, audit("rolled", T0));
			expect(await store.findBySecretHash(first)).toBeUndefined();
		});

		it("deletes only a revoked key, with its secrets and usage, keeping the audit trail", async () => {
			const hash = secretHash();
			const key = await created(newKey(GUILD_A), hash);
			await store.recordUsage({ lastUsedAt: new Map([[key.id, T0]]), counts: [{ keyId: key.id, minute: T0 - (T0 % 60), count: 3 }] });
			expect(await store.deleteKey(GUILD_A, key.id, audit("deleted"))).toBe("not_revoked");
			await store.changeKey(GUILD_A, key.id, { state: "revoked", revokedAt: T0, updatedAt: T0 }, audit("revoked"));
			expect(await store.deleteKey(GUILD_A, key.id, audit("deleted", T0 + 1))).toBe("deleted");
			expect(await store.getKey(GUILD_A, key.id)).toBeUndefined();
			expect(await store.findBySecretHash(hash)).toBeUndefined();
			expect(await store.usage(key.id, 0, T0 + 60)).toEqual([]);
			expect((await store.listAudit(GUILD_A, 10)).map((event) => event.event)).toEqual(["deleted", "revoked", "created"]);
			expect(await store.deleteKey(GUILD_A, key.id, audit("deleted"))).toBe("not_found");
		});

		it("lists a guild's audit events newest first, up to the limit", async () => {
			const key = await created(newKey(GUILD_A));
			await store.changeKey(GUILD_A, key.id, { state: "disabled", updatedAt: T0 + 10 }, audit("disabled", T0 + 10));
			await store.changeKey(GUILD_A, key.id, { state: "active", updatedAt: T0 + 20 }, audit("enabled", T0 + 20, { reason: "test" }));
			await created(newKey(GUILD_B));
			const events = await store.listAudit(GUILD_A, 10);
			expect(events.map((event) => [event.event, event.at])).toEqual([
				["enabled", T0 + 20],
				["disabled", T0 + 10],
				["created", T0],
			]);
			expect(events[0]).toMatchObject({ key_id: key.id, actor: { type: "admin_token" }, address: "203.0.113.5", details: { reason: "test" } });
			expect(typeof events[0].id).toBe("number");
			expect(await store.listAudit(GUILD_A, 2)).toEqual(events.slice(0, 2));
		});

		it("holds a creator's live keys (in one guild or all), lifts user_moderated, and a roll clears any hold with a new creator", async () => {
			const ada = { id: "111111111111111111", name: "Ada" };
			const inA = await created(newKey(GUILD_A, { createdBy: ada }));
			const inB = await created(newKey(GUILD_B, { createdBy: ada }));
			const other = await created(newKey(GUILD_A, { createdBy: { id: "222222222222222222", name: "Bo" } }));
			const revoked = await created(newKey(GUILD_B, { createdBy: ada, state: "revoked", revokedAt: T0 }));
			expect(await store.getKey(GUILD_A, inA.id)).toMatchObject({ createdBy: ada, hold: null });

			const suspended = await store.holdKeysOf(ada.id, "user_moderated", (key) => key.hold === null, audit("user_moderated", T0 + 1));
			expect(suspended.map((key) => key.id).sort()).toEqual([inA.id, inB.id].sort());
			expect(await store.getKey(GUILD_B, revoked.id)).toMatchObject({ state: "revoked", hold: null });
			expect(await store.getKey(GUILD_A, other.id)).toMatchObject({ hold: null });
			// creator_removed in one guild outlasts the suspension there.
			const removed = await store.holdKeysOf(ada.id, "creator_removed", (key) => key.guildId === GUILD_A, audit("creator_removed", T0 + 2));
			expect(removed).toEqual([expect.objectContaining({ id: inA.id, hold: "creator_removed" })]);

			const released = await store.releaseKeysOf(ada.id, audit("released", T0 + 3));
			expect(released).toEqual([expect.objectContaining({ id: inB.id, hold: null, state: "active" })]);
			expect(await store.getKey(GUILD_A, inA.id)).toMatchObject({ hold: "creator_removed" });
			expect((await store.listAudit(GUILD_A, 10)).map((event) => event.event).slice(0, 2)).toEqual(["creator_removed", "user_moderated"]);

			const bo = { id: "222222222222222222", name: "Bo" };
			const rolled = await store.rollKey(GUILD_A, inA.id, { hash: secretHash(), prefix: "p2", createdBy: bo }, T0 + 4, audit("rolled", T0 + 4));
			expect(rolled).toMatchObject({ outcome: "changed", key: { hold: null, state: "active", createdBy: bo } });
			expect(await store.getKey(GUILD_A, inA.id)).toMatchObject({ hold: null, createdBy: bo, prefix: "p2" });
		});

		it("adds usage counts and raises last use, never lowering it", async () => {
			const key = await created(newKey(GUILD_A));
			const minute = T0 - (T0 % 60);
			await store.recordUsage({ lastUsedAt: new Map([[key.id, T0 + 30]]), counts: [{ keyId: key.id, minute, count: 2 }] });
			await store.recordUsage({
				lastUsedAt: new Map([[key.id, T0 + 5]]),
				counts: [
					{ keyId: key.id, minute, count: 3 },
					{ keyId: key.id, minute: minute + 60, count: 1 },
				],
			});
			expect((await store.getKey(GUILD_A, key.id))?.lastUsedAt).toBe(T0 + 30);
			expect(await store.usage(key.id, minute, minute + 120)).toEqual([
				{ minute, count: 5 },
				{ minute: minute + 60, count: 1 },
			]);
			expect(await store.usage(key.id, minute + 60, minute + 120)).toEqual([{ minute: minute + 60, count: 1 }]);
		});

		it("counts client addresses, keeps the latest as last_used_ip, lists them newest first and prunes them", async () => {
			const key = await created(newKey(GUILD_A));
			const use = (address: string, count: number, lastSeenAt: number) => ({ keyId: key.id, address, count, lastSeenAt });
			await store.recordUsage({
				lastUsedAt: new Map([[key.id, T0 + 20]]),
				counts: [],
				addresses: [use("203.0.113.1", 2, T0 + 10), use("2001:db8::1", 1, T0 + 20)],
			});
			expect((await store.getKey(GUILD_A, key.id))?.lastUsedIp).toBe("2001:db8::1");
			// A flush of older uses (another instance's) adds counts but does not take last_used_ip back.
			await store.recordUsage({ lastUsedAt: new Map([[key.id, T0 + 5]]), counts: [], addresses: [use("203.0.113.1", 3, T0 + 5)] });
			expect((await store.getKey(GUILD_A, key.id))?.lastUsedIp).toBe("2001:db8::1");
			expect(await store.recentAddresses(key.id, 10)).toEqual([
				{ address: "2001:db8::1", count: 1, lastSeenAt: T0 + 20 },
				{ address: "203.0.113.1", count: 5, lastSeenAt: T0 + 10 },
			]);
			expect(await store.recentAddresses(key.id, 1)).toHaveLength(1);
			await store.pruneUsage(T0 + 15);
			expect((await store.recentAddresses(key.id, 10)).map((entry) => entry.address)).toEqual(["2001:db8::1"]);
		});

		it("keeps a description and quota overrides through create and change", async () => {
			const key = await created(newKey(GUILD_A, { description: "Bot" }));
			expect((await store.getKey(GUILD_A, key.id))?.description).toBe("Bot");
			await store.changeKey(GUILD_A, key.id, { rateLimits: { moderation: 2 }, updatedAt: T0 + 1 }, audit("updated", T0 + 1));
			expect(await store.getKey(GUILD_A, key.id)).toMatchObject({ description: "Bot", rateLimits: { moderation: 2 } });
			await store.changeKey(GUILD_A, key.id, { rateLimits: null, description: null, updatedAt: T0 + 2 }, audit("updated", T0 + 2));
			expect(await store.getKey(GUILD_A, key.id)).toMatchObject({ description: null, rateLimits: null });
		});

		it("drops usage of a key that no longer exists", async () => {
			await expect(
				store.recordUsage({ lastUsedAt: new Map([["gone", T0]]), counts: [{ keyId: "gone", minute: T0, count: 1 }] }),
			).resolves.toBeUndefined();
			expect(await store.usage("gone", 0, T0 + 60)).toEqual([]);
		});

		it("prunes usage older than the given time", async () => {
			const key = await created(newKey(GUILD_A));
			await store.recordUsage({
				lastUsedAt: new Map(),
				counts: [
					{ keyId: key.id, minute: 60, count: 1 },
					{ keyId: key.id, minute: 120, count: 2 },
				],
			});
			await store.pruneUsage(120);
			expect(await store.usage(key.id, 0, 180)).toEqual([{ minute: 120, count: 2 }]);
		});

		it("keeps everything across close and reopen", async () => {
			const hash = secretHash();
			const key = await created(newKey(GUILD_A), hash);
			await store.recordUsage({ lastUsedAt: new Map([[key.id, T0 + 1]]), counts: [{ keyId: key.id, minute: T0, count: 4 }] });
			const secret = await store.checksumSecret();
			await harness.closeStore();
			const reopened = await harness.openAnother();
			expect(await reopened.checksumSecret()).toBe(secret);
			expect(await reopened.getKey(GUILD_A, key.id)).toEqual({ ...key, lastUsedAt: T0 + 1 });
			expect(await reopened.findBySecretHash(hash)).toMatchObject({ key: { id: key.id } });
			expect(await reopened.usage(key.id, T0, T0 + 60)).toEqual([{ minute: T0, count: 4 }]);
			expect(await reopened.listAudit(GUILD_A, 10)).toHaveLength(1);
		});
	});
}
