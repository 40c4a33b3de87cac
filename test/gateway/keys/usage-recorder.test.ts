// test/gateway/keys/usage-recorder.test.ts
// The usage recorder: uses batched in memory, flushed on a timer and at shutdown, kept on a failed write, reported per minute and hour.

import { describe, expect, it } from "vitest";
import { readUsageQuery } from "../../../gateway/keys/key-commands";
import type { KeyStore } from "../../../gateway/keys/key-store";
import { ACTOR, apiError, clock, createKey, keys, openService, openStore, spy, sqlite, database } from "./key-parts";
import { DAY, GUILD_A } from "./fixtures";

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
		await database.close();
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
