// test/gateway/outbound/sqlite-upgrade.test.ts
// A keys.sqlite from before the outbox opens, keeps its keys, and gains the outbox's tables.

import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import Database from "better-sqlite3";
import { afterEach, describe, expect, it } from "vitest";
import { GATEWAY_DATABASE_FILE } from "../../../gateway/platform/db/gateway-database";
import { GUILD_A, startTestGateway, type TestGateway } from "../harness";

const OUTBOX_TABLES = ["webhooks", "experience_links", "outbox_deliveries", "outbox_attempts", "outbox_change_cursors", "key_notices"];
/** Tables of later versions that version 1 did not have either. */
const LATER_TABLES = ["discord_interactions"];

let gateway: TestGateway | undefined;
let dataDir: string | undefined;

afterEach(async () => {
	await gateway?.stop();
	if (dataDir !== undefined) await rm(dataDir, { recursive: true, force: true });
	gateway = dataDir = undefined;
});

describe("SQLite key store upgrade", () => {
	it("opens a v1 keys.sqlite, keeps its keys, and adds the outbox tables", async () => {
		dataDir = await mkdtemp(path.join(os.tmpdir(), "outbox-upgrade-"));
		gateway = await startTestGateway({}, { dataDir });
		const { id } = await gateway.createKey(GUILD_A);
		await gateway.stop({ keepData: true });
		// What version 1 left: the same file without any outbox table, and without numbered migrations.
		const file = new Database(path.join(dataDir, GATEWAY_DATABASE_FILE));
		for (const table of [...OUTBOX_TABLES, ...LATER_TABLES, "gateway_migrations"]) file.exec(`DROP TABLE ${table}`);
		file.close();

		gateway = await startTestGateway({}, { dataDir });
		expect((await gateway.admin("GET", `/guilds/${GUILD_A}/keys`)).body.data.keys.map((key: { id: string }) => key.id)).toEqual([id]);
		expect((await gateway.admin("GET", `/guilds/${GUILD_A}/webhooks`)).body.data.webhooks).toEqual([]);
		const reopened = new Database(path.join(dataDir, GATEWAY_DATABASE_FILE), { readonly: true });
		const tables = reopened.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as { name: string }[];
		reopened.close();
		expect(tables.map((table) => table.name)).toEqual(expect.arrayContaining(OUTBOX_TABLES));
		// A key change writes its event into the new tables without error.
		expect((await gateway.admin("POST", `/guilds/${GUILD_A}/keys/${id}/disable`)).status).toBe(200);
	});
});
