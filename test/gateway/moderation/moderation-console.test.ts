// test/gateway/moderation/moderation-console.test.ts
// The history route (key-authenticated) and the dashboard's moderation routes, on the SQLite and PostgreSQL stores.

import type { AddressInfo } from "node:net";
import express from "express";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Access, Permission } from "../../../gateway/operators/access";
import { adminGuards, grantAccess } from "../../../gateway/operators/access";
import { BanStatusCache } from "../../../gateway/moderation/ban-status-cache";
import { startDataStore, type RunningDataStore } from "../../../gateway/data-store/server";
import { errorHandler } from "../../../gateway/platform/http/envelope";
import { jsonBody } from "../../../gateway/platform/http/json-body";
import type { ModerationChangeNotice } from "../../../gateway/changes/change-bus";
import { CONSOLE_ROUTES } from "../../../gateway/moderation/console-routes";
import { registerRoutes } from "../../../gateway/platform/http/route";
import { DataStoreClient } from "../../../gateway/moderation/data-store-client";
import { createForwarder, type Forwarder } from "../../../gateway/moderation/forward";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { GUILD_A, GUILD_B, banBody, startTestGateway, type TestGateway } from "../harness";
import { createTestSchema, type TestSchema } from "../platform/db/test-schema";

const backends = ["sqlite", "postgres"] as const;

describe.each(backends)("history and the dashboard's moderation on %s", (backend) => {
	let gateway: TestGateway;
	let schema: TestSchema | undefined;
	let key: string;

	beforeAll(async () => {
		schema = backend === "postgres" ? await createTestSchema("console") : undefined;
		gateway = await startTestGateway(schema === undefined ? {} : { DATABASE_URL: schema.url });
		key = (await gateway.createKey()).key;
	});
	afterAll(async () => {
		await gateway.stop();
		await schema?.drop();
	});

	const keyed = (path: string, body?: unknown) =>
		gateway.api(`/moderation/${GUILD_A}${path}`, { method: body === undefined ? "GET" : "POST", headers: { "x-api-key": key }, body });
	const consoleCall = (method: string, path: string, body?: unknown) => gateway.admin(method, `/guilds/${GUILD_A}/moderation${path}`, body);

	it("history lists bans and mutes newest first with their state, a page at a time, on the lists quota", async () => {
		const user = 7001;
		expect((await keyed("/roblox/ban", banBody(user, { reason: "Spam", duration: "30s" }))).status).toBe(201);
		expect((await keyed("/roblox/ban", banBody(user, { reason: "Exploiting", moderator_roblox_id: "42" }))).status).toBe(201);
		expect((await keyed("/roblox/mute", banBody(user, { reason: "Slurs", place_id: 99 }))).status).toBe(201);
		expect((await keyed("/roblox/unmute", { roblox_id: String(user), reason: "Appeal", moderator_roblox_id: "43" })).status).toBe(200);

		const first = await keyed(`/roblox/history/${user}?limit=2`);
		expect(first.status).toBe(200);
		expect(first.headers.get("ratelimit-policy")).toBe('"lists";q=100;w=60');
		expect(first.body.data.entries).toEqual([
			expect.objectContaining({ kind: "mute", state: "lifted", reason: "Slurs", by: "1", place_id: 99, lifted_by: "43", lift_reason: "Appeal" }),
			expect.objectContaining({ kind: "ban", state: "active", reason: "Exploiting", by: "42", is_permanent: true, lifted_at: null }),
		]);
		const second = await keyed(`/roblox/history/${user}?limit=2&cursor=${first.body.data.next_cursor}`);
		expect(second.body.data).toEqual({
			entries: [expect.objectContaining({ kind: "ban", state: "replaced", reason: "Spam", is_permanent: false, lifted_by: "42" })],
			next_cursor: null,
		});
		expect((await keyed("/roblox/history/7002")).body.data).toEqual({ entries: [], next_cursor: null });
	});

	it("history refuses a bad id or cursor, another guild, and a key without moderation:read", async () => {
		expect((await keyed("/roblox/history/007")).status).toBe(400);
		const badCursor = await keyed("/roblox/history/1?cursor=bm9wZQ");
		expect(badCursor).toMatchObject({ status: 400, body: { error: "bad_request" } });
		const otherGuild = await gateway.api(`/moderation/${GUILD_B}/roblox/history/1`, { headers: { "x-api-key": key } });
		expect(otherGuild.body.error).toBe("guild_mismatch");
		const writer = (await gateway.createKey(GUILD_A, { scopes: ["moderation:write"] })).key;
		const refused = await gateway.api(`/moderation/${GUILD_A}/roblox/history/1`, { headers: { "x-api-key": writer } });
		expect(refused).toMatchObject({ status: 403, body: { error: "insufficient_scope" } });
	});

	it("a dashboard ban is seen by the API's cached ban-status at once, recorded against the admin token, and lifted the same way", async () => {
		const user = 7101;
		// Warm the gateway's cache with "not banned": the dashboard ban must drop it.
		expect((await keyed(`/ban-status/${user}`)).body.data).toEqual({ banned: false });
		const banned = await consoleCall("POST", "/ban", { roblox_id: String(user), reason: "Botting", duration: "1h" });
		expect(banned.status).toBe(201);
		expect(banned.body.data.ban).toMatchObject({ roblox_id: String(user), banned_by: "admin_token", is_permanent: false });
		expect((await keyed(`/ban-status/${user}`)).body.data).toMatchObject({ banned: true, ban_info: { banned_by: "admin_token", reason: "Botting" } });

		const status = await consoleCall("GET", `/status/${user}`);
		expect(status.body.data).toMatchObject({ roblox_id: String(user), place_id: null, banned: true, muted: false });

		const unbanned = await consoleCall("POST", "/unban", { roblox_id: String(user), reason: "Mistake" });
		expect(unbanned.body.data.lifted).toEqual([expect.objectContaining({ lifted_by: "admin_token", lift_reason: "Mistake" })]);
		expect((await keyed(`/ban-status/${user}`)).body.data).toEqual({ banned: false });
		expect((await consoleCall("POST", "/unban", { roblox_id: String(user) })).status).toBe(404);

		const history = await consoleCall("GET", `/history/${user}`);
		expect(history.body.data.entries).toEqual([
			expect.objectContaining({ kind: "ban", state: "lifted", by: "admin_token", lifted_by: "admin_token", reason: "Botting" }),
		]);
	});

	it("dashboard changes reach the change log: the events long poll sees ban and unban", async () => {
		const before = (await keyed("/events?wait=0")).body.data.next as number;
		await consoleCall("POST", "/mute", { roblox_id: "7201", reason: "Caps", place_id: 12 });
		await consoleCall("POST", "/unmute", { roblox_id: "7201" });
		const events = await keyed(`/events?after=${before}&wait=0`);
		expect(events.body.data.events.map((event: { event: string }) => event.event)).toEqual(["mute", "unmute"]);
		expect(events.body.data.events[0].mute_info).toMatchObject({ muted_by: "admin_token", place_id: 12 });
	});

	it("a Roblox moderator id given in the dashboard is recorded instead of the operator", async () => {
		const banned = await consoleCall("POST", "/ban", { roblox_id: "7301", reason: "Exploiting", moderator_roblox_id: "55" });
		expect(banned.body.data.ban.banned_by).toBe("55");
		await consoleCall("POST", "/unban", { roblox_id: "7301" });
	});

	it("the dashboard lists page through active bans with cursors and refuse bad input", async () => {
		for (const user of [7401, 7402, 7403]) await consoleCall("POST", "/ban", { roblox_id: String(user), reason: "Wave" });
		const seen: string[] = [];
		let cursor: string | null = null;
		do {
			const page: { body: { data: { bans: { roblox_id: string }[]; next_cursor: string | null } } } = await consoleCall(
				"GET",
				`/bans?limit=2${cursor === null ? "" : `&cursor=${cursor}`}`,
			);
			seen.push(...page.body.data.bans.map((entry) => entry.roblox_id));
			cursor = page.body.data.next_cursor;
		} while (cursor !== null);
		expect(seen).toEqual(expect.arrayContaining(["7401", "7402", "7403"]));
		expect(new Set(seen).size).toBe(seen.length);
		expect((await consoleCall("GET", "/mutes?limit=0")).status).toBe(400);
		expect((await consoleCall("GET", "/status/abc")).status).toBe(400);
		expect((await consoleCall("POST", "/ban", { roblox_id: "1" })).body).toMatchObject({ status: "error", code: 400, error: "bad_request" });
	});
});

describe("the dashboard's moderation routes for an operator with only view", () => {
	let dataStore: RunningDataStore;
	let client: DataStoreClient;
	let forwarder: Forwarder;
	let dataDir: string;
	let url: string;
	let close: () => Promise<void>;
	const announced: ModerationChangeNotice[] = [];

	beforeAll(async () => {
		dataDir = await mkdtemp(join(tmpdir(), "console-access-"));
		dataStore = await startDataStore({ dataDir, internalToken: "internal-secret-for-test" });
		client = new DataStoreClient({ target: dataStore.url, internalToken: "internal-secret-for-test" });
		forwarder = createForwarder(client);
		const viewer = new Set<Permission>(["view"]);
		const viewOnly: Access = { actor: { type: "operator", id: "80351110224678912", name: "Viewer" }, permissionsIn: () => viewer, inSomeGuild: () => true };
		const app = express();
		app.use((_req, res, next) => {
			grantAccess(res, viewOnly);
			next();
		});
		app.use(jsonBody());
		registerRoutes(
			{ express: app, under: "/admin/v1" },
			CONSOLE_ROUTES,
			{ forwarder, banCache: new BanStatusCache({ ttlSeconds: 30 }), announceChange: (change) => announced.push(change) },
			adminGuards(async () => null),
		);
		app.use(errorHandler(() => undefined));
		const server = app.listen(0, "127.0.0.1");
		await new Promise((resolve) => server.once("listening", resolve));
		url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
		close = () => new Promise((resolve) => server.close(() => resolve()));
	});
	afterAll(async () => {
		await close();
		await client.close();
		await dataStore.close();
		await rm(dataDir, { recursive: true, force: true });
	});

	it("reads statuses and history but is refused a ban with 403 permission_denied, and nothing changes", async () => {
		const ban = await fetch(`${url}/guilds/${GUILD_A}/moderation/ban`, {
			method: "POST",
			headers: { "content-type": "application/json" },
			body: JSON.stringify({ roblox_id: "9", reason: "Nope" }),
		});
		expect(ban.status).toBe(403);
		expect(await ban.json()).toMatchObject({ error: "permission_denied", message: "You lack the moderate permission in this guild" });
		expect(announced).toEqual([]);
		const status = (await (await fetch(`${url}/guilds/${GUILD_A}/moderation/status/9`)).json()) as { data: unknown };
		expect(status.data).toMatchObject({ banned: false, muted: false });
		const history = (await (await fetch(`${url}/guilds/${GUILD_A}/moderation/history/9`)).json()) as { data: unknown };
		expect(history.data).toEqual({ entries: [], next_cursor: null });
	});
});
