// test/gateway/events/event-hub.test.ts
// The events hub's reads of the change log: a fleet arriving at once shares them.

import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ChangeFeed } from "../../../gateway/changes/change-feed";
import { startDataStore } from "../../../gateway/data-store/server";
import { EventHub } from "../../../gateway/events/event-hub";
import { DataStoreClient } from "../../../gateway/moderation/data-store-client";
import { GUILD_A } from "../harness";

describe("event hub start reads", () => {
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
});
