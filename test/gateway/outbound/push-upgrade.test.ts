// test/gateway/outbound/push-upgrade.test.ts
// Migration 0008 on a database linked before push: deliveries and attempts kept, each link proven by a first publish at start.

import { cp, mkdtemp, readdir, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import Database from "better-sqlite3";
import pg from "pg";
import { afterEach, describe, expect, it } from "vitest";
import { GATEWAY_DATABASE_FILE, GATEWAY_MIGRATIONS } from "../../../gateway/platform/db/gateway-database";
import { migratePostgres, migrateSqlite, type MigrationSet } from "../../../gateway/platform/db/migrations";
import type { PushMessage } from "../../../shared/records";
import { GUILD_A, startTestGateway, type TestGateway } from "../harness";
import { createTestSchema, type TestSchema } from "../platform/db/test-schema";
import { FakeOpenCloud } from "./fake-open-cloud";
import { eventually } from "./webhook-receiver";

const UNIVERSE = "4815162342";
const KEY = "opencloud-publish-key-0123456789ab";

let dirs: string[] = [];
let gateway: TestGateway | undefined;
let openCloud: FakeOpenCloud | undefined;
let schema: TestSchema | undefined;
let pool: pg.Pool | undefined;

afterEach(async () => {
	await gateway?.stop();
	await openCloud?.close();
	await pool?.end();
	await schema?.drop();
	for (const dir of dirs) await rm(dir, { recursive: true, force: true });
	dirs = [];
	gateway = openCloud = schema = pool = undefined;
});

/** The gateway's migrations as they stood before push: 0001 to 0007. */
async function migrationsBeforePush(): Promise<MigrationSet> {
	const dir = await mkdtemp(path.join(os.tmpdir(), "migrations-before-push-"));
	dirs.push(dir);
	for (const dialect of ["sqlite", "postgres"]) {
		await cp(path.join(GATEWAY_MIGRATIONS.dir, dialect), path.join(dir, dialect), { recursive: true });
		for (const file of await readdir(path.join(dir, dialect))) if (Number(file.slice(0, 4)) >= 8) await rm(path.join(dir, dialect, file));
	}
	return { ...GATEWAY_MIGRATIONS, dir };
}

const LINK = `INSERT INTO experience_links (guild_id, universe_id, sealed_key, key_prefix, exclude_alt_accounts, status, last_error, last_mirrored_at, created_at)`;
const DELIVERY = `INSERT INTO outbox_deliveries (id, guild_id, target_kind, target_id, event, payload, status, tries, next_attempt_at, created_at)`;

describe("migration 0008 (push)", () => {
	it("keeps a SQLite file's deliveries and attempts, and a link made before push is proven when the gateway starts", async () => {
		const dataDir = await mkdtemp(path.join(os.tmpdir(), "push-upgrade-"));
		dirs.push(dataDir);
		// A gateway makes the sealed key and the keys table; then the file is taken back to schema 7.
		openCloud = new FakeOpenCloud();
		openCloud.known.add(KEY);
		openCloud.permitted.add(KEY);
		openCloud.publishers.add(KEY);
		const env = { OPEN_CLOUD_URL: await openCloud.listen(), OUTBOUND_ALLOW_LOOPBACK: "true" };
		gateway = await startTestGateway(env, { dataDir });
		await gateway.admin("POST", `/guilds/${GUILD_A}/experiences`, { universe_id: UNIVERSE, api_key: KEY });
		await eventually(() => openCloud!.published.length === 1, 5_000, "the first publish");
		await gateway.stop({ keepData: true });
		gateway = undefined;
		openCloud.published.length = 0;

		const file = new Database(path.join(dataDir, GATEWAY_DATABASE_FILE));
		const sealedKey = file.prepare("SELECT sealed_key FROM experience_links").pluck().get() as string;
		for (const table of ["experience_links", "outbox_deliveries", "outbox_attempts", "outbox_change_cursors", "webhooks", "key_notices"]) file.exec(`DROP TABLE ${table}`);
		// 0009 (live servers) came after push: its tables are created IF NOT EXISTS, so only its record goes.
		file.exec("DELETE FROM gateway_migrations WHERE id IN (4, 8, 9)");
		file.pragma("foreign_keys = ON");
		migrateSqlite(file, await migrationsBeforePush());
		file.prepare(`${LINK} VALUES (?, ?, ?, 'opencloud', 0, 'ok', NULL, NULL, 1)`).run(GUILD_A, UNIVERSE, sealedKey);
		file.prepare("INSERT INTO outbox_change_cursors (guild_id, after_seq) VALUES (?, 0)").run(GUILD_A);
		// Recent: older finished deliveries are pruned at start.
		file.prepare(`${DELIVERY} VALUES ('msg_old', ?, 'experience', ?, 'ban.created', '{}', 'failed', 1, NULL, ?)`).run(GUILD_A, UNIVERSE, Date.now());
		file.prepare("INSERT INTO outbox_attempts (delivery_id, at, status_code, error) VALUES ('msg_old', 1, 403, 'refused')").run();
		file.close();

		gateway = await startTestGateway(env, { dataDir });
		await eventually(() => openCloud!.published.length === 1, 5_000, "the link proven at start");
		expect(JSON.parse(openCloud.published[0].message) as PushMessage).toEqual({ v: 1, guild: GUILD_A, seq: 0, events: [] });
		await eventually(
			async () => (await gateway!.admin("GET", `/guilds/${GUILD_A}/experiences`)).body.data.experiences[0].push_status === "ok",
			5_000,
			"push ok",
		);
		const reopened = new Database(path.join(dataDir, GATEWAY_DATABASE_FILE), { readonly: true });
		expect(reopened.prepare("SELECT status, tries FROM outbox_deliveries WHERE id = 'msg_old'").get()).toEqual({ status: "failed", tries: 1 });
		expect(reopened.prepare("SELECT status_code, error FROM outbox_attempts WHERE delivery_id = 'msg_old'").all()).toEqual([{ status_code: 403, error: "refused" }]);
		reopened.close();
	});

	it("on PostgreSQL adds the push columns, accepts push deliveries, and queues a first publish per link at its guild's cursor", async () => {
		schema = await createTestSchema("push_upgrade");
		pool = new pg.Pool({ connectionString: schema.url, max: 1 });
		await migratePostgres(pool, schema.name, await migrationsBeforePush());
		await pool.query(`${LINK} VALUES ($1, $2, 'sealed', 'opencloud', false, 'ok', NULL, NULL, 1)`, [GUILD_A, UNIVERSE]);
		await pool.query("INSERT INTO outbox_change_cursors (guild_id, after_seq) VALUES ($1, 12)", [GUILD_A]);
		await pool.query(`${DELIVERY} VALUES ('msg_old', $1, 'experience', $2, 'ban.created', '{}', 'failed', 1, NULL, 1)`, [GUILD_A, UNIVERSE]);

		expect(await migratePostgres(pool, schema.name, GATEWAY_MIGRATIONS)).toEqual(["0008_push", "0009_live-servers"]);
		const link = (await pool.query("SELECT push_status, push_error, last_pushed_at FROM experience_links")).rows[0];
		expect(link).toEqual({ push_status: "unknown", push_error: null, last_pushed_at: null });
		const probes = (await pool.query("SELECT target_kind, target_id, event, payload, status FROM outbox_deliveries WHERE id <> 'msg_old'")).rows;
		expect(probes).toEqual([{ target_kind: "push", target_id: UNIVERSE, event: "probe", payload: '{"seq":12}', status: "pending" }]);
		expect((await pool.query("SELECT count(*)::int AS n FROM outbox_deliveries WHERE id = 'msg_old'")).rows[0].n).toBe(1);
	});
});
