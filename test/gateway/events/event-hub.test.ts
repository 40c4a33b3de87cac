// test/gateway/events/event-hub.test.ts
// The events hub's reads of the change log: a fleet arriving at once shares them, and a subscriber
// joining while a delivery waits still gets every change.

import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ChangeFeed } from "../../../gateway/changes/change-feed";
import { GUILD_HEADER, INTERNAL_TOKEN_HEADER } from "../../../gateway/data-store/internal-headers";
import { startDataStore } from "../../../gateway/data-store/server";
import { EventHub } from "../../../gateway/events/event-hub";
import { DataStoreClient } from "../../../gateway/moderation/data-store-client";
import type { ModerationEvent } from "../../../shared/records";
import { GUILD_A, GUILD_B, banBody } from "../harness";

describe("event hub reads", () => {
	const token = "event-hub-test-internal-token-0123456789";
	let dataDir: string;
	let store: Awaited<ReturnType<typeof startDataStore>>;
	let client: DataStoreClient;
	let reads = 0;
	let hub: EventHub;

	beforeAll(async () => {
		dataDir = await mkdtemp(path.join(os.tmpdir(), "event-hub-"));
		store = await startDataStore({ dataDir, internalToken: token });
		client = new DataStoreClient({ target: store.url, internalToken: token });
		const counted: ChangeFeed = {
			after: (guildId, after) => {
				reads++;
				return client.changes.after(guildId, after);
			},
		};
		hub = new EventHub(counted, { logger: pino({ level: "silent" }) });
	});

	afterAll(async () => {
		await hub.close();
		await client.close();
		await store.close();
		await rm(dataDir, { recursive: true, force: true });
	});

	it("500 polls starting together at the same position read the change log once, and all stand at its head", async () => {
		const head = (await client.changes.after(GUILD_A, Number.MAX_SAFE_INTEGER)).head;
		reads = 0;
		const starts = await Promise.all(Array.from({ length: 500 }, () => hub.start(GUILD_A, undefined, true)));
		expect(reads).toBe(1);
		expect(new Set(starts.map((start) => start.next))).toEqual(new Set([head]));
	});

	it("a poll that does not wait reads on its own, so it sees every change made before it asked", async () => {
		reads = 0;
		await Promise.all([hub.start(GUILD_A, undefined), hub.start(GUILD_A, undefined)]);
		expect(reads).toBe(2);
	});

	it("a stream joining below the page a waiting delivery read still gets every change after its position, in order", async () => {
		const ban = async (robloxId: number) => {
			const answer = await fetch(`${store.url}/api/v1/moderation/${GUILD_B}/roblox/ban`, {
				method: "POST",
				headers: { [INTERNAL_TOKEN_HEADER]: token, [GUILD_HEADER]: GUILD_B, "content-type": "application/json" },
				body: JSON.stringify(banBody(robloxId)),
			});
			expect(answer.status).toBe(201);
		};
		for (let robloxId = 1; robloxId <= 12; robloxId++) await ban(robloxId);
		// Pages of three (the data store's are 500), so a backlog outgrows one page.
		const paged = new EventHub(
			{
				after: async (guildId, after) => {
					const page = await client.changes.after(guildId, after);
					return { ...page, events: page.events.slice(0, 3) };
				},
			},
			{ logger: pino({ level: "silent" }) },
		);
		const heard = (next: number, into: number[]) => ({ next, deliver: (events: ModerationEvent[]) => into.push(...events.map((event) => event.id)), end: () => undefined });
		try {
			const early: number[] = [];
			paged.subscribe(GUILD_B, heard(10, early));
			await expect.poll(() => early).toEqual([11, 12]);

			// Ban 13's delivery waits (for the outbox, in the gateway) while a stream resumes at 5.
			let release = () => {};
			const first = new Promise<void>((resolve) => (release = resolve));
			await ban(13);
			paged.wake(GUILD_B, first);
			await new Promise((resolve) => setTimeout(resolve, 100));
			const resumed: number[] = [];
			paged.subscribe(GUILD_B, heard(5, resumed));
			release();
			await expect.poll(() => resumed).toEqual([6, 7, 8, 9, 10, 11, 12, 13]);
			expect(early).toEqual([11, 12, 13]);
		} finally {
			await paged.close();
		}
	});
});
