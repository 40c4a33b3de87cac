// test/gateway/data-store/sqlite-moderation-store.test.ts
// Runs the shared store suite against SQLite files in a temp dir, plus what only a file backend has.

import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterAll, describe, expect, test } from "vitest";
import { SqliteModerationStore } from "../../../gateway/data-store/sqlite-moderation-store";
import { moderationStoreSuite } from "./moderation-store.suite";

const root = await mkdtemp(join(tmpdir(), "technified-sqlite-store-"));
let dirs = 0;
const freshDir = () => join(root, String(dirs++));

afterAll(async () => {
	await rm(root, { recursive: true, force: true });
});

describe("SqliteModerationStore", () => {
	moderationStoreSuite(async (clock, options) => SqliteModerationStore.open({ dataDir: freshDir(), clock, ...options }));

	test("records survive closing and reopening the file", async () => {
		const dataDir = freshDir();
		const first = SqliteModerationStore.open({ dataDir });
		const created = await first.impose("123456789012345678", "ban", {
			robloxId: 5, placeId: null, reason: "Exploiting", moderatorId: 1, jobId: null, durationMs: null,
		});
		await first.close();
		const second = SqliteModerationStore.open({ dataDir });
		expect(await second.findActive("123456789012345678", "ban", 5, null)).toEqual(created);
		await second.close();
	});

	test("a v1 file without the dashboard columns opens, keeps its records and gains them", async () => {
		const dataDir = freshDir();
		await SqliteModerationStore.open({ dataDir }).close();
		const db = new Database(join(dataDir, "moderation.sqlite"));
		// As a v1 program left it: the same table without the columns added since, and no numbered migrations.
		db.exec("DROP TABLE moderation_migrations");
		db.exec("ALTER TABLE moderation_records DROP COLUMN moderator_actor");
		db.exec("ALTER TABLE moderation_records DROP COLUMN lifted_by_actor");
		db.prepare(
			`INSERT INTO moderation_records (guild_id, kind, roblox_id, place_id, reason, moderator_id, job_id, created_at, expires_at)
			VALUES ('123456789012345678', 'ban', 5, NULL, 'Old ban', 1, NULL, 1000, NULL)`,
		).run();
		db.close();
		const store = SqliteModerationStore.open({ dataDir });
		expect(await store.findActive("123456789012345678", "ban", 5, null)).toMatchObject({ reason: "Old ban", moderatorActor: null });
		const lifted = await store.lift("123456789012345678", "ban", { robloxId: 5, moderatorId: null, reason: null, actor: "admin_token" });
		expect(lifted[0].liftedByActor).toBe("admin_token");
		await store.close();
	});

	test("the database runs in WAL mode", async () => {
		const dataDir = freshDir();
		await SqliteModerationStore.open({ dataDir }).close();
		const db = new Database(join(dataDir, "moderation.sqlite"), { readonly: true });
		expect(db.pragma("journal_mode", { simple: true })).toBe("wal");
		db.close();
	});

	test("a file from a newer schema is refused rather than misread", async () => {
		const dataDir = freshDir();
		await SqliteModerationStore.open({ dataDir }).close();
		const db = new Database(join(dataDir, "moderation.sqlite"));
		db.prepare("INSERT INTO moderation_migrations (id, name, applied_at) VALUES (99, '0099_from-the-future', 0)").run();
		db.close();
		expect(() => SqliteModerationStore.open({ dataDir })).toThrow(/schema 99 is newer/);
	});

	test("ping fails once the store is closed", async () => {
		const store = SqliteModerationStore.open({ dataDir: freshDir() });
		await store.close();
		await expect(store.ping()).rejects.toThrow();
	});
});
