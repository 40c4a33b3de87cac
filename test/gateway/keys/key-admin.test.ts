// test/gateway/keys/key-admin.test.ts
// The key admin: creating, changing, rolling, revoking and deleting keys, the 3-key limit, guild isolation and the audit trail.

import { describe, expect, it } from "vitest";
import { ErrorMessage } from "../../../shared/errors";
import type { ApiKeyRecord } from "../../../shared/records";
import { hashApiKey } from "../../../gateway/keys/api-key";
import { readAuditLimit } from "../../../gateway/keys/key-commands";
import { ApiError } from "../../../gateway/platform/http/envelope";
import { ACTOR, OPERATOR, apiError, clock, createKey, keys, openService, openStore, sqlite, database, updateKey } from "./key-parts";
import { GUILD_A, GUILD_B } from "./fixtures";

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

describe("persistence", () => {
	it("keeps keys and the checksum secret across a restart", async () => {
		const { key, record } = await createKey(keys, GUILD_A, { name: "persisted" }, ACTOR);
		await keys.close();
		await database.close();
		const restarted = await openService(openStore());
		expect(await restarted.admin.list(GUILD_A)).toEqual([record]);
		expect(await restarted.verifier.verify(key)).toMatchObject({ ok: true, key: { id: record.id } });
	});
});
