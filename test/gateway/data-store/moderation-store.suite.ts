// test/gateway/data-store/moderation-store.suite.ts
// The behaviour every ModerationStore backend must show; each backend's test file runs it with its factory.

import { randomInt } from "node:crypto";
import { afterEach, beforeEach, expect, test } from "vitest";
import {
	REPLACED_LIFT_REASON,
	type ChangeRetention,
	type Clock,
	type ImportedRecord,
	type ListPosition,
	type ModerationStore,
	type NewModeration,
} from "../../../gateway/data-store/moderation-store";

/** Opens a fresh store that reads time from `clock`; the suite closes it after each test. */
export type OpenModerationStore = (clock: Clock, options?: { changeRetention?: ChangeRetention }) => Promise<ModerationStore>;

const MINUTE = 60_000;
const PLACE = 4_483_381_587;
const OTHER_PLACE = 920_587_237;
const MODERATOR = 261;

/**
 * Guild ids are random per test so a backend whose database outlives the test (PostgreSQL) runs the
 * suite against old rows without seeing them.
 */
function newGuildId(): string {
	return `${randomInt(1, 10)}${String(randomInt(0, 2 ** 47)).padStart(17, "0")}`;
}

function ban(robloxId: number, overrides: Partial<NewModeration> = {}): NewModeration {
	return { robloxId, placeId: null, reason: "Exploiting", moderatorId: MODERATOR, jobId: null, durationMs: null, ...overrides };
}

/**
 * Registers the suite in the calling `describe`.
 *
 * @example
 * describe("SqliteModerationStore", () => {
 * 	moderationStoreSuite(async (clock) => SqliteModerationStore.open({ dataDir: await freshDir(), clock }));
 * });
 */
export function moderationStoreSuite(open: OpenModerationStore): void {
	let now: number;
	let store: ModerationStore;
	let guild: string;
	let otherGuild: string;

	beforeEach(async () => {
		now = Date.UTC(2026, 0, 1);
		store = await open(() => now);
		guild = newGuildId();
		otherGuild = newGuildId();
	});

	afterEach(async () => {
		await store.close();
	});

	test("a global ban is returned with and without a place, with every field kept", async () => {
		const created = await store.impose(guild, "ban", ban(2 ** 53 - 1, { reason: "Flying — again 🚀", jobId: "a1b2-c3", moderatorId: 77 }));
		expect(created).toMatchObject({
			guildId: guild,
			kind: "ban",
			robloxId: 2 ** 53 - 1,
			placeId: null,
			reason: "Flying — again 🚀",
			moderatorId: 77,
			jobId: "a1b2-c3",
			createdAt: now,
			expiresAt: null,
			liftedAt: null,
			liftedBy: null,
			liftReason: null,
		});
		expect(await store.findActive(guild, "ban", 2 ** 53 - 1, null)).toEqual(created);
		expect(await store.findActive(guild, "ban", 2 ** 53 - 1, PLACE)).toEqual(created);
		expect(await store.findActive(guild, "ban", 2 ** 53 - 2, null)).toBeNull();
	});

	test("a place ban applies in that place only", async () => {
		await store.impose(guild, "ban", ban(5, { placeId: PLACE }));
		expect(await store.findActive(guild, "ban", 5, PLACE)).toMatchObject({ placeId: PLACE });
		expect(await store.findActive(guild, "ban", 5, OTHER_PLACE)).toBeNull();
		expect(await store.findActive(guild, "ban", 5, null)).toBeNull();
	});

	test("a timed ban applies until expiresAt and not from that instant on", async () => {
		const created = await store.impose(guild, "ban", ban(5, { durationMs: 5 * MINUTE }));
		expect(created.expiresAt).toBe(now + 5 * MINUTE);
		now += 5 * MINUTE - 1;
		expect(await store.findActive(guild, "ban", 5, null)).not.toBeNull();
		now += 1;
		expect(await store.findActive(guild, "ban", 5, null)).toBeNull();
		expect((await store.findActiveMany(guild, "ban", [5], null)).size).toBe(0);
		expect((await store.listActive(guild, "ban", { limit: 10, after: null })).records).toEqual([]);
		expect(await store.lift(guild, "ban", { robloxId: 5, moderatorId: MODERATOR, reason: null })).toEqual([]);
	});

	test("banning again in the same scope replaces the ban and keeps the old one as lifted history", async () => {
		const first = await store.impose(guild, "ban", ban(5, { durationMs: MINUTE, reason: "Spam" }));
		now += 1_000;
		const second = await store.impose(guild, "ban", ban(5, { reason: "Exploiting", moderatorId: 99 }));
		expect(second.id).toBeGreaterThan(first.id);
		expect(await store.findActive(guild, "ban", 5, null)).toEqual(second);
		expect((await store.listActive(guild, "ban", { limit: 10, after: null })).records).toEqual([second]);
		expect(await store.history(guild, "ban", 5)).toEqual([
			{ ...first, liftedAt: now, liftedBy: 99, liftReason: REPLACED_LIFT_REASON },
			second,
		]);
	});

	test("a place ban and a global ban coexist; the longer-lasting one is the answer", async () => {
		const global = await store.impose(guild, "ban", ban(5, { durationMs: MINUTE }));
		const local = await store.impose(guild, "ban", ban(5, { placeId: PLACE, durationMs: 10 * MINUTE }));
		expect(await store.findActive(guild, "ban", 5, PLACE)).toEqual(local);
		expect(await store.findActive(guild, "ban", 5, OTHER_PLACE)).toEqual(global);
		const permanent = await store.impose(guild, "ban", ban(5));
		expect(await store.findActive(guild, "ban", 5, PLACE)).toEqual(permanent);
		expect((await store.history(guild, "ban", 5)).filter((record) => record.liftedAt === null)).toHaveLength(2);
	});

	test("lifting ends every active ban of the user, global and place, and keeps them as history", async () => {
		const global = await store.impose(guild, "ban", ban(5));
		const local = await store.impose(guild, "ban", ban(5, { placeId: PLACE }));
		const expired = await store.impose(guild, "ban", ban(5, { placeId: OTHER_PLACE, durationMs: 1 }));
		now += MINUTE;
		const lifted = await store.lift(guild, "ban", { robloxId: 5, moderatorId: 300, reason: "Appeal accepted" });
		const liftedFields = { liftedAt: now, liftedBy: 300, liftReason: "Appeal accepted" };
		expect(lifted).toEqual([{ ...global, ...liftedFields }, { ...local, ...liftedFields }]);
		expect(await store.findActive(guild, "ban", 5, PLACE)).toBeNull();
		expect(await store.history(guild, "ban", 5)).toEqual([...lifted, expired]);
		expect(await store.lift(guild, "ban", { robloxId: 5, moderatorId: 300, reason: null })).toEqual([]);
	});

	test("mutes are kept apart from bans", async () => {
		const mute = await store.impose(guild, "mute", ban(5, { reason: "Slurs in chat" }));
		expect(mute.kind).toBe("mute");
		expect(await store.findActive(guild, "mute", 5, null)).toEqual(mute);
		expect(await store.findActive(guild, "ban", 5, null)).toBeNull();
		expect(await store.lift(guild, "ban", { robloxId: 5, moderatorId: MODERATOR, reason: null })).toEqual([]);
		await store.impose(guild, "ban", ban(5));
		await store.lift(guild, "mute", { robloxId: 5, moderatorId: MODERATOR, reason: null });
		expect(await store.findActive(guild, "mute", 5, null)).toBeNull();
		expect(await store.findActive(guild, "ban", 5, null)).not.toBeNull();
		expect((await store.listActive(guild, "mute", { limit: 10, after: null })).records).toEqual([]);
	});

	test("findActiveMany answers for each user that has an active record", async () => {
		const a = await store.impose(guild, "ban", ban(1));
		const b = await store.impose(guild, "ban", ban(2, { placeId: PLACE }));
		await store.impose(guild, "ban", ban(3, { durationMs: 1 }));
		now += 1;
		expect(await store.findActiveMany(guild, "ban", [1, 2, 3, 4], null)).toEqual(new Map([[1, a]]));
		expect(await store.findActiveMany(guild, "ban", [1, 2, 3, 4], PLACE)).toEqual(new Map([[1, a], [2, b]]));
		expect(await store.findActiveMany(guild, "ban", [], null)).toEqual(new Map());
	});

	test("paging the active list returns every active record once, in creation order", async () => {
		const created = [];
		for (let robloxId = 1; robloxId <= 23; robloxId++) created.push(await store.impose(guild, "ban", ban(robloxId)));
		await store.lift(guild, "ban", { robloxId: 4, moderatorId: MODERATOR, reason: null });
		const seen = [];
		let after: ListPosition | null = null;
		let pages = 0;
		do {
			const page = await store.listActive(guild, "ban", { limit: 5, after });
			seen.push(...page.records);
			after = page.next;
			pages++;
		} while (after !== null);
		expect(pages).toBe(5);
		expect(seen.map((record) => record.robloxId)).toEqual(created.filter((r) => r.robloxId !== 4).map((r) => r.robloxId));
	});

	test("countActive counts what the active list holds: not lifted, not expired, one kind, one guild", async () => {
		expect(await store.countActive(guild, "ban")).toBe(0);
		for (let robloxId = 1; robloxId <= 5; robloxId++) await store.impose(guild, "ban", ban(robloxId));
		await store.impose(guild, "ban", ban(1, { placeId: PLACE }));
		await store.impose(guild, "ban", ban(6, { durationMs: MINUTE }));
		await store.impose(guild, "mute", ban(7));
		await store.impose(otherGuild, "ban", ban(8));
		await store.lift(guild, "ban", { robloxId: 2, moderatorId: MODERATOR, reason: null });
		expect(await store.countActive(guild, "ban")).toBe(6);
		now += MINUTE;
		expect(await store.countActive(guild, "ban")).toBe(5);
		expect(await store.countActive(guild, "mute")).toBe(1);
		expect(await store.countActive(otherGuild, "ban")).toBe(1);
	});

	test("a page boundary on the last record ends with no further page", async () => {
		for (let robloxId = 1; robloxId <= 4; robloxId++) await store.impose(guild, "ban", ban(robloxId));
		const first = await store.listActive(guild, "ban", { limit: 2, after: null });
		const second = await store.listActive(guild, "ban", { limit: 2, after: first.next });
		expect(second.records.map((record) => record.robloxId)).toEqual([3, 4]);
		expect(second.next).toBeNull();
	});

	test("records added while a client pages come after its cursor: no repeats, no misses", async () => {
		for (let robloxId = 1; robloxId <= 6; robloxId++) await store.impose(guild, "ban", ban(robloxId));
		const first = await store.listActive(guild, "ban", { limit: 3, after: null });
		for (let robloxId = 7; robloxId <= 9; robloxId++) await store.impose(guild, "ban", ban(robloxId));
		const second = await store.listActive(guild, "ban", { limit: 3, after: first.next });
		await store.impose(guild, "ban", ban(10));
		const rest = await store.listActive(guild, "ban", { limit: 100, after: second.next });
		const ids = [...first.records, ...second.records, ...rest.records].map((record) => record.robloxId);
		expect(ids).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
		expect(rest.next).toBeNull();
	});

	test("every ban, unban, mute and unmute joins the guild's change log, numbered from 1 without gaps", async () => {
		const global = await store.impose(guild, "ban", ban(5, { jobId: "server-1" }));
		now += 1;
		const placeBan = await store.impose(guild, "ban", ban(5, { placeId: PLACE }));
		const mute = await store.impose(guild, "mute", ban(5));
		now += 1;
		await store.lift(guild, "ban", { robloxId: 5, moderatorId: MODERATOR, reason: "Appeal", jobId: "server-2" });
		await store.lift(guild, "mute", { robloxId: 5, moderatorId: null, reason: null });

		const page = await store.changesAfter(guild, 0, 100);
		expect(page.changes.map((change) => [change.seq, change.event, change.record?.id])).toEqual([
			[1, "ban", global.id],
			[2, "ban", placeBan.id],
			[3, "mute", mute.id],
			[4, "unban", global.id],
			[5, "unban", placeBan.id],
			[6, "unmute", mute.id],
		]);
		expect(page.changes[0]).toMatchObject({ jobId: "server-1", at: now - 2 });
		expect(page.changes[3]).toMatchObject({ jobId: "server-2", at: now, record: { liftedBy: MODERATOR, liftReason: "Appeal" } });
		expect(page).toMatchObject({ head: 6, oldest: 1 });
		expect(await store.changesAfter(otherGuild, 0, 100)).toEqual({ changes: [], head: 0, oldest: null });
	});

	test("the change log pages from a sequence, at most `limit` at a time", async () => {
		for (let robloxId = 1; robloxId <= 5; robloxId++) await store.impose(guild, "ban", ban(robloxId));
		const page = await store.changesAfter(guild, 2, 2);
		expect(page.changes.map((change) => [change.seq, change.record?.robloxId])).toEqual([
			[3, 3],
			[4, 4],
		]);
		expect(page.head).toBe(5);
		expect((await store.changesAfter(guild, 5, 10)).changes).toEqual([]);
	});

	test("a replacing ban is one ban change; lifting nothing writes none", async () => {
		await store.impose(guild, "ban", ban(9));
		await store.impose(guild, "ban", ban(9, { reason: "Worse" }));
		expect(await store.lift(guild, "mute", { robloxId: 9, moderatorId: MODERATOR, reason: null })).toEqual([]);
		const page = await store.changesAfter(guild, 0, 10);
		expect(page.changes.map((change) => [change.event, change.record?.reason])).toEqual([
			["ban", "Exploiting"],
			["ban", "Worse"],
		]);
	});

	test("the change log drops a change only once it is both old enough and beyond the last N", async () => {
		await store.close();
		store = await open(() => now, { changeRetention: { changes: 3, ms: MINUTE } });
		for (let robloxId = 1; robloxId <= 5; robloxId++) await store.impose(guild, "ban", ban(robloxId));
		// Five changes within the minute: every one is kept, however many.
		expect((await store.changesAfter(guild, 0, 10)).oldest).toBe(1);
		now += 2 * MINUTE;
		await store.impose(guild, "ban", ban(6));
		// Old enough now: all but the last 3 go.
		const page = await store.changesAfter(guild, 0, 10);
		expect(page).toMatchObject({ head: 6, oldest: 4 });
		expect(page.changes.map((change) => change.seq)).toEqual([4, 5, 6]);
	});

	test("a guild never sees, lists or lifts another guild's records", async () => {
		await store.impose(guild, "ban", ban(5));
		await store.impose(guild, "mute", ban(5));
		expect(await store.findActive(otherGuild, "ban", 5, null)).toBeNull();
		expect((await store.findActiveMany(otherGuild, "ban", [5], null)).size).toBe(0);
		expect((await store.listActive(otherGuild, "ban", { limit: 10, after: null })).records).toEqual([]);
		expect(await store.history(otherGuild, "ban", 5)).toEqual([]);
		expect(await store.lift(otherGuild, "ban", { robloxId: 5, moderatorId: MODERATOR, reason: null })).toEqual([]);
		expect(await store.findActive(guild, "ban", 5, null)).not.toBeNull();
		const otherBan = await store.impose(otherGuild, "ban", ban(5, { reason: "Other guild" }));
		expect(await store.findActive(guild, "ban", 5, null)).toMatchObject({ guildId: guild, reason: "Exploiting" });
		expect(await store.findActive(otherGuild, "ban", 5, null)).toEqual(otherBan);
	});

	test("a user's history holds bans and mutes together, newest first, paged from a position that never moves", async () => {
		const first = await store.impose(guild, "ban", ban(5, { reason: "Spam" }));
		now += 1_000;
		const mute = await store.impose(guild, "mute", ban(5, { reason: "Slurs", durationMs: MINUTE }));
		now += 1_000;
		const second = await store.impose(guild, "ban", ban(5, { reason: "Exploiting", placeId: PLACE }));
		await store.impose(guild, "ban", ban(6));
		await store.impose(otherGuild, "ban", ban(5));
		const page1 = await store.historyPage(guild, 5, { limit: 2, before: null });
		expect(page1.records.map((record) => [record.kind, record.reason])).toEqual([
			["ban", "Exploiting"],
			["mute", "Slurs"],
		]);
		expect(page1.records[1]).toEqual(mute);
		expect(page1.next).not.toBeNull();
		// A record added while the client pages lands before its position, not inside the next page.
		now += 1_000;
		await store.impose(guild, "mute", ban(5, { reason: "Later" }));
		const page2 = await store.historyPage(guild, 5, { limit: 2, before: page1.next });
		expect(page2).toEqual({ records: [first], next: null });
		const everything = await store.historyPage(guild, 5, { limit: 10, before: null });
		expect(everything.records.map((record) => record.reason)).toEqual(["Later", "Exploiting", "Slurs", "Spam"]);
		expect(everything.records[1]).toEqual(second);
		expect(await store.historyPage(guild, 7, { limit: 10, before: null })).toEqual({ records: [], next: null });
	});

	test("a dashboard actor is kept on the record it imposed, on the one it replaced, and on what it lifted", async () => {
		const byRoblox = await store.impose(guild, "ban", ban(5));
		expect(byRoblox).toMatchObject({ moderatorActor: null, liftedByActor: null });
		const byOperator = await store.impose(guild, "ban", ban(5, { moderatorId: 0, actor: "discord:80351110224678912" }));
		expect(byOperator).toMatchObject({ moderatorId: 0, moderatorActor: "discord:80351110224678912" });
		const lifted = await store.lift(guild, "ban", { robloxId: 5, moderatorId: null, reason: "Appeal", actor: "admin_token" });
		expect(lifted).toEqual([{ ...byOperator, liftedAt: now, liftedBy: null, liftReason: "Appeal", liftedByActor: "admin_token" }]);
		const [, replaced] = (await store.historyPage(guild, 5, { limit: 10, before: null })).records;
		expect(replaced).toMatchObject({ liftReason: REPLACED_LIFT_REASON, liftedBy: 0, liftedByActor: "discord:80351110224678912" });
	});

	test("a command for live servers joins the change log between bans, with its order and target", async () => {
		await store.impose(guild, "ban", ban(1));
		const order = { id: "c1", kind: "kick" as const, job_id: "5d2a-8c4e", user_id: "261", reason: "Exploiting" };
		expect(await store.appendCommand(guild, order)).toBe(2);
		expect(await store.appendCommand(guild, { id: "c2", kind: "message", job_id: null, text: "Hello" })).toBe(3);
		await store.impose(guild, "ban", ban(2));
		const page = await store.changesAfter(guild, 1, 10);
		expect(page.changes.map((change) => [change.seq, change.event, change.jobId])).toEqual([
			[2, "command", "5d2a-8c4e"],
			[3, "command", null],
			[4, "ban", null],
		]);
		expect(page.changes[0]).toMatchObject({ record: null, command: order, at: now });
		expect((await store.changesAfter(otherGuild, 0, 10)).changes).toEqual([]);
	});

	test("an import writes records whole, skips what is already there, and adds one reset to the change log", async () => {
		const imported = (robloxId: number, overrides: Partial<ImportedRecord> = {}): ImportedRecord => ({
			kind: "ban",
			robloxId,
			placeId: null,
			reason: "Imported",
			moderatorId: 0,
			jobId: null,
			createdAt: now - 10 * MINUTE,
			expiresAt: null,
			liftedAt: null,
			liftedBy: null,
			liftReason: null,
			moderatorActor: "Sheet",
			liftedByActor: null,
			...overrides,
		});
		const live = await store.impose(guild, "ban", ban(2));
		const records = [
			imported(1),
			imported(1, { createdAt: now - 20 * MINUTE, liftedAt: now - 15 * MINUTE, liftReason: "Appeal", liftedBy: MODERATOR }),
			imported(2, { createdAt: now - 5 * MINUTE }),
			imported(3, { kind: "mute", expiresAt: now + MINUTE, placeId: PLACE }),
		];
		expect(await store.importRecords(guild, records, "if_imported")).toEqual({ imported: 4, skipped: 0 });
		expect(await store.findActive(guild, "ban", 1, null)).toMatchObject({ reason: "Imported", moderatorActor: "Sheet", createdAt: now - 10 * MINUTE });
		expect((await store.history(guild, "ban", 1)).map((record) => record.liftReason)).toEqual([null, "Appeal"]);
		// The live ban is newer: it stays, and the imported one is history, replaced.
		expect(await store.findActive(guild, "ban", 2, null)).toMatchObject({ id: live.id });
		expect((await store.history(guild, "ban", 2))[1]).toMatchObject({ liftReason: REPLACED_LIFT_REASON, liftedAt: live.createdAt });
		expect(await store.findActive(guild, "mute", 3, PLACE)).toMatchObject({ expiresAt: now + MINUTE });
		const page = await store.changesAfter(guild, 0, 10);
		expect(page.changes.map((change) => [change.event, change.record])).toEqual([
			["ban", expect.objectContaining({ id: live.id })],
			["reset", null],
		]);

		expect(await store.importRecords(guild, records, "if_imported")).toEqual({ imported: 0, skipped: 4 });
		expect((await store.changesAfter(guild, 0, 10)).head).toBe(2);
		expect(await store.importRecords(guild, [], "always")).toEqual({ imported: 0, skipped: 0 });
		expect((await store.changesAfter(guild, 0, 10)).head).toBe(3);
		expect(await store.importRecords(guild, [imported(9)], "never")).toEqual({ imported: 1, skipped: 0 });
		expect((await store.changesAfter(guild, 0, 10)).head).toBe(3);

		// Two active records of one scope in one import: the newer stays, the older is replaced by it.
		await store.importRecords(guild, [imported(11, { createdAt: now - 3 * MINUTE }), imported(11, { createdAt: now - 2 * MINUTE, moderatorActor: "Later" })], "never");
		expect(await store.findActive(guild, "ban", 11, null)).toMatchObject({ moderatorActor: "Later" });
		expect((await store.history(guild, "ban", 11))[0]).toMatchObject({ liftReason: REPLACED_LIFT_REASON, liftedAt: now - 2 * MINUTE, liftedByActor: "Later" });

		const all = await store.allRecords(guild, 0, 100);
		expect(all).toHaveLength(8);
		expect(await store.allRecords(guild, all[2].id, 2)).toEqual(all.slice(3, 5));
		expect(await store.allRecords(otherGuild, 0, 100)).toEqual([]);
	});

	test("ping answers while the store is open", async () => {
		await expect(store.ping()).resolves.toBeUndefined();
	});
}
