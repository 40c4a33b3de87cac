// test/gateway/moderation/import-store.test.ts
// The import job store on SQLite and PostgreSQL: one running import per guild across connections, progress, the end with its webhook event, stale jobs reported.

import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { GatewayStores } from "../../../gateway/backends";
import type { ImportJob } from "../../../gateway/moderation/import-store";
import { storeHarness, type StoreHarness } from "../platform/db/test-databases";

const GUILD = "123456789012345678";
const OTHER = "876543210987654321";
const T = 1_767_225_600_000;

const job = (fields: Partial<ImportJob> = {}): ImportJob => ({
	id: `imp_${Math.random().toString(16).slice(2)}`,
	guildId: GUILD,
	source: "csv",
	status: "running",
	actor: "admin_token",
	rowsRead: 0,
	imported: 0,
	skipped: 0,
	refusedCount: 0,
	refused: [],
	error: null,
	createdAt: T,
	heartbeatAt: T,
	finishedAt: null,
	...fields,
});

describe.each(["sqlite", "postgres"] as const)("the import store on %s", (dialect) => {
	let harness: StoreHarness<GatewayStores>;
	beforeEach(async () => {
		harness = await storeHarness(dialect, "imports", (stores) => stores, () => T);
	});
	afterEach(() => harness.destroy());

	it("lets one import run per guild, on any connection, and another once it ended", async () => {
		const { imports } = harness.store;
		const first = job();
		expect(await imports.begin(first)).toBe(true);
		expect(await (await harness.openAnother()).imports.begin(job())).toBe(false);
		expect(await imports.begin(job({ guildId: OTHER }))).toBe(true);
		await imports.finish({ ...first, status: "done", finishedAt: T + 1 }, { guildId: GUILD, type: "moderation.imported", at: T + 1, data: { guild_id: GUILD } });
		expect(await imports.begin(job())).toBe(true);
	});

	it("keeps progress and the outcome with refused lines, and writes the moderation.imported event for webhooks asking for it", async () => {
		const { imports, outbox } = harness.store;
		const webhook = { id: "wh_1", guildId: GUILD, url: "https://example.com/hook", events: ["moderation.imported" as const], format: "standard" as const, enabled: true, sealedSecret: "sealed", createdAt: T };
		await outbox.webhooks.createWebhook(webhook, 0, { event: "webhook_created", actor: { type: "admin_token" }, address: null, at: T / 1000, details: {} });
		const running = job();
		await imports.begin(running);
		await imports.progress(running.id, { rowsRead: 500, imported: 0, skipped: 0, refusedCount: 0 }, T + 5_000);
		expect(await imports.get(GUILD, running.id)).toMatchObject({ status: "running", rowsRead: 500, heartbeatAt: T + 5_000 });
		expect(await imports.get(OTHER, running.id)).toBeUndefined();

		const ended = { ...running, status: "done" as const, rowsRead: 3, imported: 2, refusedCount: 1, refused: [{ line: 3, reason: "kind must be ban or mute" }], finishedAt: T + 9_000, heartbeatAt: T + 9_000 };
		await imports.finish(ended, { guildId: GUILD, type: "moderation.imported", at: T + 9_000, data: { guild_id: GUILD, import_id: running.id, imported: 2 } });
		expect(await imports.get(GUILD, running.id)).toEqual(ended);
		const deliveries = await outbox.webhooks.listDeliveries("wh_1", 10);
		expect(deliveries.map((delivery) => [delivery.event, JSON.parse(delivery.payload).data.imported])).toEqual([["moderation.imported", 2]]);
	});

	it("reports a running job whose heartbeat stopped, and leaves a live one running", async () => {
		const { imports } = harness.store;
		const stale = job({ heartbeatAt: T - 120_000 });
		const live = job({ guildId: OTHER, heartbeatAt: T });
		await imports.begin(stale);
		await imports.begin(live);
		await imports.failStale(T - 60_000, "The gateway stopped", T);
		expect(await imports.get(GUILD, stale.id)).toMatchObject({ status: "failed", error: "The gateway stopped", finishedAt: T });
		expect(await imports.get(OTHER, live.id)).toMatchObject({ status: "running", error: null });
		expect(await imports.begin(job())).toBe(true);
	});
});
