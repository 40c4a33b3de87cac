// test/gateway/platform/db/v2-upgrade.test.ts
// Databases written by the version 2 stores open with this code, on SQLite and PostgreSQL: every row reads back and new writes work.

import { copyFileSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import { gatewayStores, type GatewayStores } from "../../../../gateway/backends";
import type { ModerationStore } from "../../../../gateway/data-store/moderation-store";
import { MODERATION_MIGRATIONS } from "../../../../gateway/data-store/moderation-schema";
import { PostgresModerationStore } from "../../../../gateway/data-store/postgres-moderation-store";
import { SqliteModerationStore } from "../../../../gateway/data-store/sqlite-moderation-store";
import { hashApiKey, parseApiKey } from "../../../../gateway/keys/api-key";
import {
	GATEWAY_DATABASE_FILE,
	GATEWAY_MIGRATIONS,
	openPostgresGatewayDatabase,
	openSqliteGatewayDatabase,
	type GatewayDatabase,
} from "../../../../gateway/platform/db/gateway-database";
import { readMigrations, type Dialect } from "../../../../gateway/platform/db/migrations";
import { storedKey, tempDir } from "../../keys/fixtures";
import { createTestSchema } from "./test-schema";

const FIXTURES = fileURLToPath(new URL("./fixtures/", import.meta.url));
/** The schema name the dump was written with (see fixtures/make-v2-fixtures.ts). */
const DUMPED_SCHEMA = "v2_fixture_schema";

/** What the v2 code drew at random while writing the fixtures. */
interface Manifest {
	guildId: string;
	at: number;
	activeKey: { id: string; secret: string };
	revokedKeyId: string;
	operatorKey: { id: string; secret: string };
	webhookId: string;
	deliveryIds: string[];
}

/** A v2 database opened with this code: the gateway database, the moderation store, and how to read either as SQL. */
interface Upgraded {
	manifest: Manifest;
	database: GatewayDatabase;
	stores: GatewayStores;
	moderation: ModerationStore;
	/** Rows of a query on the gateway database (SQLite and PostgreSQL alike for the queries below). */
	rows(sql: string): Promise<Record<string, unknown>[]>;
	/** Opens both databases again, as the next start would, and says what migrations it applied. */
	reopen(): Promise<string[]>;
	close(): Promise<void>;
}

const manifestOf = (dialect: Dialect): Manifest => JSON.parse(readFileSync(join(FIXTURES, `v2-${dialect}.json`), "utf8")) as Manifest;

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
	for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function upgradeSqlite(): Promise<Upgraded> {
	const manifest = manifestOf("sqlite");
	const clock = () => manifest.at + 1_000;
	const dir = tempDir();
	cleanups.push(async () => dir.remove());
	copyFileSync(join(FIXTURES, "v2-keys.sqlite"), join(dir.path, GATEWAY_DATABASE_FILE));
	copyFileSync(join(FIXTURES, "v2-moderation.sqlite"), join(dir.path, "moderation.sqlite"));
	const database = openSqliteGatewayDatabase(dir.path);
	const moderation = SqliteModerationStore.open({ dataDir: dir.path, clock });
	return {
		manifest,
		database,
		stores: gatewayStores(database, clock),
		moderation,
		rows: async (sql) => database.sqlite.prepare<[], Record<string, unknown>>(sql).all(),
		async reopen() {
			const before = database.sqlite.prepare<[], number>("SELECT count(*) FROM gateway_migrations").pluck().get()!;
			const again = openSqliteGatewayDatabase(dir.path);
			const after = again.sqlite.prepare<[], number>("SELECT count(*) FROM gateway_migrations").pluck().get()!;
			await again.close();
			await SqliteModerationStore.open({ dataDir: dir.path, clock }).close();
			return after === before ? [] : ["gateway database"];
		},
		async close() {
			await moderation.close();
			await database.close();
		},
	};
}

async function upgradePostgres(): Promise<Upgraded> {
	const manifest = manifestOf("postgres");
	const clock = () => manifest.at + 1_000;
	const schema = await createTestSchema("v2_upgrade");
	cleanups.push(() => schema.drop());
	const dump = readFileSync(join(FIXTURES, "v2-postgres.sql"), "utf8").replaceAll(DUMPED_SCHEMA, schema.name);
	await schema.admin.query(dump);
	const applied: string[] = [];
	const log = (message: string) => applied.push(message);
	const database = await openPostgresGatewayDatabase({ connectionString: schema.url, log });
	const moderation = await PostgresModerationStore.open({ connectionString: schema.url, clock, log });
	// Version 2's own migrations (0001–0004) are recognised as applied: only later ones run.
	expect(applied.flatMap((message) => message.match(/\b\d{4}_[\w-]+/g) ?? []).filter((name) => Number(name.slice(0, 4)) <= 4)).toEqual([]);
	const upgradeLog = applied.length;
	return {
		manifest,
		database,
		stores: gatewayStores(database, clock),
		moderation,
		rows: (sql) => (database.dialect === "postgres" ? database.postgres.rows(sql) : Promise.reject(new Error("not PostgreSQL"))),
		async reopen() {
			await (await openPostgresGatewayDatabase({ connectionString: schema.url, log })).close();
			await (await PostgresModerationStore.open({ connectionString: schema.url, clock, log })).close();
			return applied.slice(upgradeLog);
		},
		async close() {
			await moderation.close();
			await database.close();
		},
	};
}

describe.each([
	["SQLite", upgradeSqlite, "sqlite"],
	["PostgreSQL", upgradePostgres, "postgres"],
] as const)("a version 2 database on %s", (_name, upgrade, dialect) => {
	let opened: Upgraded;
	const open = async () => {
		opened = await upgrade();
		cleanups.push(() => opened.close());
		return opened;
	};

	it("keeps its keys: secrets verify with the kept checksum secret, fields and creators read back", async () => {
		const { manifest, stores } = await open();
		const { keys } = stores;
		const secret = await keys.checksumSecret();
		for (const { id, secret: text } of [manifest.activeKey, manifest.operatorKey]) {
			expect(parseApiKey(text, secret)).toBeDefined();
			expect(await keys.findBySecretHash(hashApiKey(text))).toMatchObject({ key: { id, state: "active", hold: null }, secretExpiresAt: null });
		}
		expect(await keys.getKey(manifest.guildId, manifest.activeKey.id)).toMatchObject({
			name: "fixture key",
			description: "made by v2",
			rateLimits: { moderation: 120 },
			allowedCidrs: ["192.0.2.0/24"],
			createdBy: null,
			lastUsedIp: "192.0.2.7",
		});
		expect(await keys.getKey(manifest.guildId, manifest.operatorKey.id)).toMatchObject({
			createdBy: { id: "200000000000000001", name: "fixture-operator" },
		});
		expect(await keys.getKey(manifest.guildId, manifest.revokedKeyId)).toMatchObject({ state: "revoked", scopes: ["moderation:read"] });
		expect(await keys.recentAddresses(manifest.activeKey.id, 5)).toEqual([{ address: "192.0.2.7", count: 2, lastSeenAt: manifest.at / 1000 }]);
		expect(await keys.usage(manifest.activeKey.id, 0, manifest.at)).toEqual([{ minute: manifest.at / 1000 - ((manifest.at / 1000) % 60), count: 2 }]);
	});

	it("keeps its audit trail, newest first, with actors and addresses", async () => {
		const { manifest, stores } = await open();
		const events = await stores.keys.listAudit(manifest.guildId, 50);
		expect(events.map((event) => event.event)).toEqual([
			"created",
			"member_added",
			"revoked",
			"created",
			"updated",
			"created",
			"experience_linked",
			"webhook_created",
		]);
		expect(events[0]).toMatchObject({
			key_id: manifest.operatorKey.id,
			actor: { type: "operator", id: "200000000000000001", name: "fixture-operator" },
			address: "192.0.2.11",
		});
		expect(events[1]).toMatchObject({ key_id: null, details: { discord_user_id: "200000000000000001", permissions: ["view", "create_keys"] } });
	});

	it("keeps its operators, sessions, guilds and members", async () => {
		const { manifest, stores } = await open();
		const { operators } = stores;
		expect(await operators.getOperator("200000000000000001")).toEqual({
			id: "200000000000000001",
			name: "fixture-operator",
			suspendedAt: null,
			guildsReadAt: manifest.at / 1000,
			sealedTokens: "sealed-discord-tokens",
		});
		expect(await operators.findSession("f".repeat(64))).toMatchObject({ session: { csrfToken: "csrf-fixture" }, operator: { id: "200000000000000001" } });
		expect(await operators.guildsOf("200000000000000001")).toMatchObject([{ guildId: manifest.guildId, name: "Fixture Guild", owner: false }]);
		expect(await operators.listMembers(manifest.guildId)).toMatchObject([
			{ discordUserId: "200000000000000001", name: "fixture-operator", permissions: ["view", "create_keys"], addedBy: { type: "admin_token" } },
		]);
	});

	it("keeps its webhooks, experience links, deliveries with attempts, cursors and notices", async () => {
		const { manifest, stores } = await open();
		const { webhooks, experiences, cursors, notices } = stores.outbox;
		expect(await webhooks.listWebhooks(manifest.guildId)).toEqual([
			{
				id: manifest.webhookId,
				guildId: manifest.guildId,
				url: "https://hooks.example.com/technified",
				events: ["key.created", "key.revoked", "member.changed", "ban.created"],
				format: "standard",
				enabled: true,
				sealedSecret: "sealed-webhook-secret",
				createdAt: manifest.at / 1000,
			},
		]);
		expect(await experiences.getExperience(manifest.guildId, "4242")).toMatchObject({ sealedKey: "sealed-open-cloud-key", excludeAltAccounts: true, status: "ok" });
		const deliveries = await webhooks.listDeliveries(manifest.webhookId, 50);
		expect(deliveries.map((delivery) => delivery.id)).toEqual(manifest.deliveryIds);
		expect(deliveries.map((delivery) => delivery.event).sort()).toEqual(["key.created", "key.created", "key.created", "key.revoked", "member.changed"]);
		expect(deliveries.flatMap((delivery) => delivery.attempts)).toEqual([{ at: manifest.at / 1000, statusCode: 500, error: null }]);
		expect(await cursors.followedGuilds()).toEqual([{ guildId: manifest.guildId, after: 2 }]);
		const expiring = { guildId: manifest.guildId, type: "key.expiring" as const, at: manifest.at, data: {} };
		expect(await notices.noticeOnce(manifest.activeKey.id, "key.expiring", 1, expiring)).toBe(false);
	});

	it("keeps its bans, mutes and change log", async () => {
		const { manifest, moderation } = await open();
		expect(await moderation.findActive(manifest.guildId, "ban", 1001, null)).toMatchObject({ reason: "Exploiting", moderatorId: 7, jobId: "job-1" });
		expect(await moderation.findActive(manifest.guildId, "ban", 1002, 555)).toMatchObject({ moderatorActor: "discord:200000000000000001" });
		expect(await moderation.findActive(manifest.guildId, "mute", 1003, null)).toBeNull();
		expect(await moderation.history(manifest.guildId, "mute", 1003)).toMatchObject([{ reason: "Spam", liftReason: "Appealed" }]);
		const { changes } = await moderation.changesAfter(manifest.guildId, 0, 10);
		expect(changes.map((change) => change.event)).toEqual(["ban", "ban", "mute", "unmute"]);
	});

	it("takes new writes: a key with its audit and outbox rows, a webhook, a ban", async () => {
		const { manifest, stores, moderation, rows } = await open();
		const at = manifest.at / 1000 + 10;
		const created = await stores.keys.createKey(
			storedKey(manifest.guildId, at, { id: "after-upgrade", prefix: `technified_${manifest.guildId}_zzzzzz`, name: "v3 key", scopes: ["moderation:read"] }),
			"a".repeat(64),
			25,
			{ event: "created", actor: { type: "admin_token" }, address: null, at, details: {} },
		);
		expect(created.outcome).toBe("created");
		expect((await stores.keys.listAudit(manifest.guildId, 1))[0]).toMatchObject({ key_id: "after-upgrade", event: "created" });
		// The key event entered the outbox with the key, for the webhook v2 made.
		expect(await rows("SELECT count(*) AS n FROM outbox_deliveries WHERE payload LIKE '%after-upgrade%'")).toEqual([{ n: 1 }]);
		const webhook = { id: "wh_after_upgrade", guildId: manifest.guildId, url: "https://hooks.example.com/v3", events: [], format: "discord" as const, enabled: false, sealedSecret: null, createdAt: at };
		await stores.outbox.webhooks.createWebhook(webhook, 0, { event: "webhook_created", actor: { type: "admin_token" }, address: null, at, details: {} });
		expect(await stores.outbox.webhooks.getWebhook(manifest.guildId, webhook.id)).toEqual(webhook);
		const ban = await moderation.impose(manifest.guildId, "ban", { robloxId: 1004, placeId: null, reason: "After", moderatorId: 8, jobId: null, durationMs: null });
		expect(ban.id).toBeGreaterThan(3);
		expect((await moderation.changesAfter(manifest.guildId, 4, 10)).changes).toHaveLength(1);
	});

	it("records every migration as applied, and the next start applies none", async () => {
		const upgraded = await open();
		const names = (await upgraded.rows("SELECT name FROM gateway_migrations ORDER BY id")).map((row) => row.name);
		expect(names).toEqual(readMigrations(GATEWAY_MIGRATIONS, dialect).map((migration) => migration.name));
		expect(readMigrations(MODERATION_MIGRATIONS, dialect)).toHaveLength(6);
		expect(await upgraded.reopen()).toEqual([]);
	});
});
