// test/gateway/servers/servers-stores.test.ts
// Presence (SQLite, PostgreSQL, Redis) and commands (SQLite, PostgreSQL) at the store level: what each backend keeps, forgets and refuses.

import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { ModerationEvent } from "../../../shared/records";
import { gatewayStores } from "../../../gateway/backends";
import { moderationOutboxEvent } from "../../../gateway/outbound/queue/outbox-events";
import { connectRedis, disconnectRedis, redisReady, redisTarget } from "../../../gateway/platform/redis/redis-connection";
import type { CommandStore } from "../../../gateway/servers/command-store";
import { Presence, PRESENCE_TTL_MS, PRESENCE_WRITE_EVERY_MS } from "../../../gateway/servers/presence";
import type { PresenceStore, ServerFacts } from "../../../gateway/servers/presence-store";
import { RedisPresenceStore } from "../../../gateway/servers/redis-presence-store";
import { PostgresPresenceStore, SqlitePresenceStore } from "../../../gateway/servers/sql-presence-stores";
import { testStorage, type TestDialect } from "../platform/db/test-databases";
import { deletePrefix, redisUrl, requireRedis, uniquePrefix } from "../platform/redis/redis-fixtures";

const GUILD = "123456789012345678";
const START = 1_750_000_000_000;
const facts = (jobId: string, extra: Partial<ServerFacts> = {}): ServerFacts => ({ jobId, placeId: 100, universeId: 1818, players: 10, follows: "poll", ...extra });

/** A presence store on fresh storage, and how to remove it. */
type Opened = { store: PresenceStore; destroy(): Promise<void> };

async function openPresence(backend: TestDialect | "redis"): Promise<Opened> {
	if (backend === "redis") {
		await requireRedis();
		const prefix = uniquePrefix("presence");
		const redis = connectRedis(redisTarget(redisUrl(prefix)), "presence test", () => {});
		await redisReady(redis);
		const store = new RedisPresenceStore(redis, prefix, 2 * PRESENCE_TTL_MS);
		return { store, destroy: async () => (await disconnectRedis(redis), await deletePrefix(prefix)) };
	}
	const storage = await testStorage(backend, "presence");
	const database = await storage.open();
	const store = database.dialect === "sqlite" ? new SqlitePresenceStore(database.sqlite) : new PostgresPresenceStore(database.postgres);
	return { store, destroy: () => storage.destroy() };
}

describe.each(["sqlite", "postgres", "redis"] as const)("presence in %s", (backend) => {
	let opened: Opened;
	let now: number;
	let writes: number;
	let presence: Presence;
	beforeEach(async () => {
		opened = await openPresence(backend);
		now = START;
		writes = 0;
		const counting: PresenceStore = { record: (...args) => (writes++, opened.store.record(...args)), live: (...args) => opened.store.live(...args), prune: (...args) => opened.store.prune(...args), close: async () => {} };
		presence = new Presence({ store: counting, clock: () => now, log: () => {} });
	});
	afterEach(() => opened.destroy());

	it("lists a server with its facts, keeps its first sighting, and drops it 90 s after the last", async () => {
		await presence.heartbeat(GUILD, facts("job-1"));
		now += 30_000;
		await presence.heartbeat(GUILD, facts("job-1", { players: 12, follows: "push" }));
		await presence.heartbeat(GUILD, facts("job-2", { universeId: 9, players: 5 }));
		// The most recently started first.
		expect(await presence.live(GUILD)).toEqual([
			{ job_id: "job-2", place_id: 100, universe_id: 9, players: 5, first_seen_at: START / 1000 + 30, last_seen_at: START / 1000 + 30, follows: "poll" },
			{ job_id: "job-1", place_id: 100, universe_id: 1818, players: 12, first_seen_at: START / 1000, last_seen_at: START / 1000 + 30, follows: "push" },
		]);
		expect(await presence.playersInUniverse(GUILD, 1818)).toBe(12);
		expect(await presence.live("876543210987654321")).toEqual([]);

		now += PRESENCE_TTL_MS;
		expect(await presence.live(GUILD)).toEqual([]);
		expect(await presence.playersInUniverse(GUILD, 1818)).toBe(0);
		// Back after being gone: a new first sighting.
		await presence.heartbeat(GUILD, facts("job-1"));
		expect((await presence.live(GUILD))[0]).toMatchObject({ job_id: "job-1", first_seen_at: now / 1000 });
	});

	it("writes a repeated sighting at most once per 15 s, and at once when its facts change", async () => {
		for (let poll = 0; poll < 5; poll++) presence.seen(GUILD, facts("job-1"));
		presence.seen(GUILD, facts("job-1", { players: 11 }));
		now += PRESENCE_WRITE_EVERY_MS;
		presence.seen(GUILD, facts("job-1", { players: 11 }));
		expect(writes).toBe(3);
		await expect.poll(async () => (await presence.live(GUILD))[0]?.last_seen_at).toBe(now / 1000);
	});
});

describe.each(["sqlite", "postgres"] as const)("commands in %s", (dialect) => {
	let storage: Awaited<ReturnType<typeof testStorage>>;
	let store: CommandStore;
	let other: CommandStore;
	beforeEach(async () => {
		storage = await testStorage(dialect, "commands");
		store = gatewayStores(await storage.open(), () => START).commands;
		other = gatewayStores(await storage.open(), () => START).commands;
	});
	afterEach(() => storage.destroy());

	const send = (id: string, jobId: string | null, targets: string[], createdAt = START) =>
		store.create({ guildId: GUILD, order: { id, kind: "message", job_id: jobId, text: "Hello" }, createdAt, createdBy: "admin_token", targets });

	it("hands a command to its server once, whichever instance asks, and broadcasts to any server", async () => {
		await send("c1", "job-a", ["job-a"]);
		await send("c2", null, ["job-a", "job-b"], START + 1);
		const [first, second] = await Promise.all([store.takePending(GUILD, "job-a", START - 1, START + 5), other.takePending(GUILD, "job-a", START - 1, START + 5)]);
		expect([...first, ...second].map((order) => order.id).sort()).toEqual(["c1", "c2"]);
		expect(await store.takePending(GUILD, "job-a", START - 1, START + 6)).toEqual([]);
		// A server that came up after the broadcast is handed it too; nobody gets another server's command.
		expect((await store.takePending(GUILD, "job-c", START - 1, START + 6)).map((order) => order.id)).toEqual(["c2"]);
		// Older than the window: not handed over.
		expect(await store.takePending(GUILD, "job-b", START + 2, START + 6)).toEqual([]);
	});

	it("keeps a server's first ack only, refuses a server the command was not for, and forgets old commands", async () => {
		await send("c1", "job-a", ["job-a"]);
		await send("c2", null, ["job-a"]);
		expect(await store.ack(GUILD, "c1", "job-a", { outcome: "done", result: "Shown", at: START + 2_000 })).toBe("recorded");
		expect(await other.ack(GUILD, "c1", "job-a", { outcome: "failed", result: "Again", at: START + 3_000 })).toBe("already_acked");
		expect(await store.ack(GUILD, "c1", "job-b", { outcome: "done", result: null, at: START })).toBeUndefined();
		expect(await store.ack("876543210987654321", "c1", "job-a", { outcome: "done", result: null, at: START })).toBeUndefined();
		expect(await store.ack(GUILD, "c2", "job-late", { outcome: "failed", result: "No players", at: START + 4_000 })).toBe("recorded");
		expect(await store.get(GUILD, "c1")).toMatchObject({ targets: ["job-a"], acks: [{ job_id: "job-a", outcome: "done", result: "Shown", acked_at: START / 1000 + 2 }] });
		expect((await store.get(GUILD, "c2"))?.acks).toEqual([
			{ job_id: "job-a", outcome: null, result: null, acked_at: null },
			{ job_id: "job-late", outcome: "failed", result: "No players", acked_at: START / 1000 + 4 },
		]);
		await store.forgetBefore(START + 1);
		expect(await store.get(GUILD, "c1")).toBeUndefined();
	});
});

describe("commands and the outbox", () => {
	it("never turns a command of the change log into a webhook event", () => {
		const command: ModerationEvent = { id: 3, event: "command", command: { id: "c1", kind: "shutdown", job_id: null, reason: "Update" }, job_id: null, at: START / 1000 };
		expect(moderationOutboxEvent(GUILD, command)).toBeUndefined();
		expect(moderationOutboxEvent(GUILD, { id: 4, event: "ban", roblox_id: "261", at: START / 1000 })?.type).toBe("ban.created");
	});
});
