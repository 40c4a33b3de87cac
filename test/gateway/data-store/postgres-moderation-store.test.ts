// test/gateway/data-store/postgres-moderation-store.test.ts
// Runs the shared store suite against PostgreSQL in a private schema, plus what a shared database adds.

import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type { ChangeRetention, ModerationStore, NewModeration } from "../../../gateway/data-store/moderation-store";
import { FIND_ACTIVE_SQL, PostgresModerationStore } from "../../../gateway/data-store/postgres-moderation-store";
import { MODERATION_MIGRATIONS } from "../../../gateway/data-store/moderation-schema";
import { readMigrations } from "../../../gateway/platform/db/migrations";
import { createTestSchema, type TestSchema } from "../platform/db/test-schema";
import { moderationStoreSuite } from "./moderation-store.suite";

const GUILD = "123456789012345678";
const quiet = () => {};
const ban = (robloxId: number, fields: Partial<NewModeration> = {}): NewModeration => ({
	robloxId, placeId: null, reason: "Exploiting", moderatorId: 1, jobId: null, durationMs: null, ...fields,
});

let schema: TestSchema;
beforeAll(async () => {
	schema = await createTestSchema("moderation");
});
afterAll(async () => {
	await schema?.drop();
});

const open = (clock?: () => number, options?: { changeRetention?: ChangeRetention }) =>
	PostgresModerationStore.open({ connectionString: schema.url, clock, log: quiet, ...options });

/** Opens `count` stores on the schema, as that many gateway instances would, and closes them after `use`. */
async function withInstances(count: number, use: (stores: ModerationStore[]) => Promise<void>): Promise<void> {
	const stores = await Promise.all(Array.from({ length: count }, () => open()));
	try {
		await use(stores);
	} finally {
		for (const store of stores) await store.close();
	}
}

describe("PostgresModerationStore", () => {
	moderationStoreSuite(async (clock, options) => open(clock, options));

	test("a ban written through one instance is the answer on another", async () => {
		await withInstances(2, async ([first, second]) => {
			const created = await first.impose(GUILD, "ban", ban(7001));
			expect(await second.findActive(GUILD, "ban", 7001, null)).toEqual(created);
			await second.lift(GUILD, "ban", { robloxId: 7001, moderatorId: 2, reason: null });
			expect(await first.findActive(GUILD, "ban", 7001, null)).toBeNull();
		});
	});

	test("concurrent bans of one user in one scope from several instances leave exactly one active", async () => {
		await withInstances(3, async (stores) => {
			await Promise.all(
				Array.from({ length: 12 }, (_, i) => stores[i % 3].impose(GUILD, "ban", ban(7002, { reason: `attempt ${i}` }))),
			);
			const active = (await stores[0].history(GUILD, "ban", 7002)).filter((record) => record.liftedAt === null);
			expect(active).toHaveLength(1);
		});
	});

	test("ids of one guild's records follow commit order under concurrent writers, so cursors miss nothing", async () => {
		const guild = "223456789012345678";
		await withInstances(3, async (stores) => {
			await Promise.all(Array.from({ length: 30 }, (_, i) => stores[i % 3].impose(guild, "ban", ban(8000 + i))));
			const { records } = await stores[0].listActive(guild, "ban", { limit: 100, after: null });
			const ids = records.map((record) => record.id);
			const created = records.map((record) => record.createdAt);
			expect(ids).toEqual([...ids].sort((a, b) => a - b));
			expect(records).toHaveLength(30);
			expect(created).toEqual([...created].sort((a, b) => a - b));
		});
	});

	test("ban status is one index lookup on a large table, never a scan", async () => {
		await schema.admin.query(
			`INSERT INTO ${schema.name}.moderation_records (guild_id, kind, roblox_id, reason, moderator_id, created_at, lifted_at)
			 SELECT (100000000000000000 + g % 500)::text, 'ban', g, 'Exploiting', 1, 0, CASE WHEN g % 4 = 0 THEN 1 END
			 FROM generate_series(1, 50000) AS g`,
		);
		await schema.admin.query(`ANALYZE ${schema.name}.moderation_records`);
		await schema.admin.query(`SET search_path TO ${schema.name}`);
		const { rows } = await schema.admin.query(`EXPLAIN ${FIND_ACTIVE_SQL}`, ["100000000000000001", "ban", 501, 5, 0]);
		const plan = rows.map((row: { "QUERY PLAN": string }) => row["QUERY PLAN"]).join("\n");
		expect(plan).toMatch(/Index Scan using moderation_records_\w*by_user /);
		expect(plan).not.toContain("Seq Scan");
	});

	test("an existing schema is migrated once: reopening applies nothing", async () => {
		const messages: string[] = [];
		const store = await PostgresModerationStore.open({ connectionString: schema.url, log: (m) => messages.push(m) });
		await store.close();
		expect(messages).toEqual([]);
		const { rows } = await schema.admin.query(`SELECT count(*)::int AS n FROM ${schema.name}.moderation_migrations`);
		expect(rows[0].n).toBe(readMigrations(MODERATION_MIGRATIONS, "postgres").length);
	});

	test("ping fails once the store is closed", async () => {
		const store = await open();
		await store.close();
		await expect(store.ping()).rejects.toThrow();
	});
});
