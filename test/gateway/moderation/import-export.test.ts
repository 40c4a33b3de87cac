// test/gateway/moderation/import-export.test.ts
// Moving in and out, on SQLite and PostgreSQL: CSV and JSON-lines imports, the hosted API and Roblox as sources, their bad input, and export → import round trips.

import { readFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestSchema, type TestSchema } from "../platform/db/test-schema";
import { FakeOpenCloud } from "../outbound/fake-open-cloud";
import { ADMIN_TOKEN, GUILD_A, startTestGateway, type TestGateway } from "../harness";

const HOSTED_KEY = "technified_hostedkey0123456789";
const ROBLOX_KEY = "open-cloud-key-for-imports";
const UNIVERSE = "5550001";

/** A fake of the hosted Technified API's active lists: two bans a page, one mute, a 429 first, one key it knows. */
class FakeHostedApi {
	requests: { url: string; key: string | undefined }[] = [];
	throttleNext = 1;
	/** While set, every answer waits for it (an import that stays running). */
	hold: Promise<void> | undefined;
	private readonly server: Server;
	private readonly bans = [
		{ roblox_id: "9001", reason: "Exploiting", banned_by: "77", created_at: 1_767_225_600, expires_at: null, is_permanent: true, place_id: null },
		{ roblox_id: "9002", reason: "Spam", banned_by: "77", created_at: 1_767_225_700, expires_at: 4_102_444_800, is_permanent: false, place_id: 42 },
		{ roblox_id: "9003", reason: "Alt", banned_by: "discord:1234", created_at: 1_767_225_800, expires_at: null, is_permanent: true, place_id: null },
	];

	constructor() {
		this.server = createServer(async (req, res) => {
			const url = new URL(req.url ?? "/", "http://fake");
			const key = req.headers["x-api-key"] as string | undefined;
			this.requests.push({ url: url.pathname + url.search, key });
			await this.hold;
			const send = (status: number, body: unknown, headers: Record<string, string> = {}) => {
				res.writeHead(status, { "content-type": "application/json", ...headers });
				res.end(JSON.stringify(body));
			};
			if (key !== HOSTED_KEY) return send(401, { status: "error", code: 401, message: "Invalid API key for this guild", error: "invalid_api_key" });
			if (this.throttleNext > 0) {
				this.throttleNext--;
				return send(429, { status: "error", code: 429, message: "Rate limit exceeded", error: "rate_limited", retry_after: 1 }, { "retry-after": "0" });
			}
			const start = Number(url.searchParams.get("cursor") ?? 0);
			if (url.pathname.endsWith("/roblox/bans/active")) {
				const next = start + 2 < this.bans.length ? String(start + 2) : null;
				return send(200, { status: "success", code: 200, message: "Active bans", data: { bans: this.bans.slice(start, start + 2), next_cursor: next } });
			}
			const mutes = [{ roblox_id: "9004", reason: "Slurs", muted_by: "78", created_at: 1_767_225_900, expires_at: 4_102_444_800, is_permanent: false, place_id: null }];
			send(200, { status: "success", code: 200, message: "Active mutes", data: { mutes, next_cursor: null } });
		});
	}

	async listen(): Promise<string> {
		await new Promise<void>((resolve) => this.server.listen(0, "127.0.0.1", () => resolve()));
		return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/api/v1`;
	}

	close(): Promise<void> {
		this.server.closeAllConnections();
		return new Promise((resolve) => this.server.close(() => resolve()));
	}
}

const backends = ["sqlite", "postgres"] as const;

describe.each(backends)("imports and exports on %s", (backend) => {
	let gateway: TestGateway;
	let schema: TestSchema | undefined;
	const hosted = new FakeHostedApi();
	const openCloud = new FakeOpenCloud();
	let key: string;
	let env: Record<string, string>;

	/** A fresh guild id for each test, so counts never mix. */
	let guildCounter = 0;
	const freshGuild = () => `3${backend === "sqlite" ? 1 : 2}${String(Date.now()).slice(-9)}${String(++guildCounter).padStart(6, "0")}`;

	const postImport = async (guildId: string, body: string, contentType: string) => {
		const response = await fetch(`${gateway.url}/admin/v1/guilds/${guildId}/moderation/import`, {
			method: "POST",
			headers: { authorization: `Bearer ${ADMIN_TOKEN}`, "content-type": contentType },
			body,
		});
		return { status: response.status, body: (await response.json()) as { data?: { import: { id: string } }; error?: string; message: string } };
	};
	/** Follows the job until it ends; the answer of its last read. */
	const finished = async (guildId: string, importId: string) => {
		for (;;) {
			const answer = await gateway.admin("GET", `/guilds/${guildId}/moderation/imports/${importId}`);
			expect(answer.status).toBe(200);
			if (answer.body.data.import.status !== "running") return answer.body.data.import;
			await new Promise((resolve) => setTimeout(resolve, 20));
		}
	};
	const importText = async (guildId: string, text: string, contentType = "text/csv") => {
		const started = await postImport(guildId, text, contentType);
		expect(started.status, JSON.stringify(started.body)).toBe(202);
		return finished(guildId, started.body.data!.import.id);
	};
	const exported = async (guildId: string, format: "csv" | "jsonl") => {
		const response = await fetch(`${gateway.url}/admin/v1/guilds/${guildId}/moderation/export?format=${format}`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
		expect(response.status).toBe(200);
		return { type: response.headers.get("content-type"), text: await response.text() };
	};
	const status = async (guildId: string, robloxId: string) =>
		(await gateway.admin("GET", `/guilds/${guildId}/moderation/status/${robloxId}`)).body.data as { banned: boolean; muted: boolean; ban_info?: Record<string, unknown> };

	beforeAll(async () => {
		schema = backend === "postgres" ? await createTestSchema("imports") : undefined;
		openCloud.known.add(ROBLOX_KEY);
		openCloud.permitted.add(ROBLOX_KEY);
		env = {
			TECHNIFIED_API_URL: await hosted.listen(),
			OPEN_CLOUD_URL: await openCloud.listen(),
			OUTBOUND_ALLOW_LOOPBACK: "true",
			...(schema === undefined ? {} : { DATABASE_URL: schema.url }),
		};
		gateway = await startTestGateway(env);
		key = (await gateway.createKey(GUILD_A)).key;
	});
	afterAll(async () => {
		await gateway?.stop();
		await hosted.close();
		await openCloud.close();
		await schema?.drop();
	});

	it("imports a CSV at once: bad rows refused by line number, the rest banned now, one reset, one webhook event, twice changes nothing", async () => {
		// A cached "not banned" answer must not outlive the import.
		const before = await gateway.api(`/moderation/${GUILD_A}/ban-status/501`, { headers: { "x-api-key": key } });
		expect(before.body.data.banned).toBe(false);
		const head = (await gateway.api(`/moderation/${GUILD_A}/events?wait=0`, { headers: { "x-api-key": key } })).body.data.next as number;
		const webhook = await gateway.admin("POST", `/guilds/${GUILD_A}/webhooks`, { url: "http://127.0.0.1:9/hook", events: ["moderation.imported", "ban.created"], format: "standard" });
		expect(webhook.status).toBe(201);

		const csv = [
			"roblox_id,kind,reason,by,created_at,expires_at,place_id,notes",
			"501,ban,Exploiting,261,2026-01-01T00:00:00Z,,,kept out",
			"abc,ban,Typo,261,,,,",
			'502,mute,"Spam, links and ""ads""",discord:1234,1767225600,4102444800,,',
			"503,kick,Wrong kind,,,,,",
			"",
			"504,ban,Place only,,1767225600,,920587237,",
			"505,ban,Backwards,,1767225600,1767225500,,",
		].join("\r\n");
		const job = await importText(GUILD_A, csv);
		expect(job).toMatchObject({ status: "done", source: "csv", rows_read: 6, imported: 3, skipped: 0, refused: 3, error: null });
		expect(job.refused_lines).toEqual([
			{ line: 3, reason: "roblox_id must be a positive integer below 2^53" },
			{ line: 5, reason: "kind must be ban or mute" },
			{ line: 8, reason: "expires_at must be after created_at" },
		]);

		const after = await gateway.api(`/moderation/${GUILD_A}/ban-status/501`, { headers: { "x-api-key": key } });
		expect(after.body.data).toMatchObject({ banned: true, ban_info: { reason: "Exploiting", banned_by: "261", created_at: 1_767_225_600 } });
		expect(await status(GUILD_A, "502")).toMatchObject({ muted: true, mute_info: { reason: 'Spam, links and "ads"', muted_by: "discord:1234" } });
		const events = (await gateway.api(`/moderation/${GUILD_A}/events?after=${head}&wait=0`, { headers: { "x-api-key": key } })).body.data.events;
		expect(events.map((event: { event: string }) => event.event)).toEqual(["reset"]);

		const deliveries = async () => (await gateway.admin("GET", `/guilds/${GUILD_A}/webhooks/${webhook.body.data.webhook.id}/deliveries`)).body.data.deliveries as { event: string }[];
		await expect.poll(async () => (await deliveries()).map((delivery) => delivery.event)).toEqual(["moderation.imported"]);

		const again = await importText(GUILD_A, csv);
		expect(again).toMatchObject({ status: "done", imported: 0, skipped: 3, refused: 3 });
		const later = (await gateway.api(`/moderation/${GUILD_A}/events?after=${head + 1}&wait=0`, { headers: { "x-api-key": key } })).body.data.events;
		expect(later).toEqual([]);
		await gateway.admin("DELETE", `/guilds/${GUILD_A}/webhooks/${webhook.body.data.webhook.id}`);
	});

	it("imports JSON lines, refusing a line that is not JSON; a row without created_at is skipped when the user is already banned", async () => {
		const guild = freshGuild();
		const lines = ['{"roblox_id":601,"kind":"ban","reason":"Cheats","by":"5"}', "not json", '{"roblox_id":"602","kind":"mute","reason":"Spam","expires_at":"2100-01-01T00:00:00Z"}'].join("\n");
		const job = await importText(guild, lines, "application/x-ndjson");
		expect(job).toMatchObject({ status: "done", imported: 2, refused: 1, refused_lines: [{ line: 2, reason: "Not valid JSON" }] });
		expect(await importText(guild, lines, "application/x-ndjson")).toMatchObject({ imported: 0, skipped: 2 });
	});

	it("refuses a file over 20 MB (413), another content type (415), a universe not linked (400), a second import while one runs (409)", async () => {
		const guild = freshGuild();
		const big = await postImport(guild, `roblox_id\n${"1\n".repeat(10_500_000)}`, "text/csv");
		expect(big).toMatchObject({ status: 413, body: { error: "payload_too_large" } });
		expect((await postImport(guild, "<xml/>", "application/xml")).status).toBe(415);
		const unlinked = await postImport(guild, JSON.stringify({ source: "roblox", universe_id: "123" }), "application/json");
		expect(unlinked).toMatchObject({ status: 400, body: { error: "bad_request" } });
		expect(unlinked.body.message).toMatch(/not linked/);

		let release = () => {};
		hosted.hold = new Promise<void>((resolve) => (release = resolve));
		const first = await postImport(guild, JSON.stringify({ source: "technified", api_key: HOSTED_KEY }), "application/json");
		expect(first.status).toBe(202);
		const second = await postImport(guild, "roblox_id\n1\n", "text/csv");
		expect(second).toMatchObject({ status: 409, body: { error: "import_running" } });
		hosted.hold = undefined;
		release();
		expect(await finished(guild, first.body.data!.import.id)).toMatchObject({ status: "done" });
	});

	it("pages the hosted API's bans and mutes with its key, waiting out its 429, and never keeps the key", async () => {
		const guild = freshGuild();
		hosted.requests = [];
		hosted.throttleNext = 1;
		const started = await postImport(guild, JSON.stringify({ source: "technified", api_key: HOSTED_KEY }), "application/json");
		expect(started.status).toBe(202);
		const job = await finished(guild, started.body.data!.import.id);
		expect(job).toMatchObject({ status: "done", source: "technified", rows_read: 4, imported: 4, refused: 0 });
		// The 429 was asked again; then two pages of bans and one of mutes.
		expect(hosted.requests.map((request) => request.url.replace(/\?.*/, ""))).toEqual([
			`/api/v1/moderation/${guild}/roblox/bans/active`,
			`/api/v1/moderation/${guild}/roblox/bans/active`,
			`/api/v1/moderation/${guild}/roblox/bans/active`,
			`/api/v1/moderation/${guild}/roblox/mutes/active`,
		]);
		expect(await status(guild, "9002")).toMatchObject({ banned: false });
		expect((await gateway.admin("GET", `/guilds/${guild}/moderation/status/9002?place_id=42`)).body.data).toMatchObject({ banned: true, ban_info: { banned_by: "77" } });
		expect(await status(guild, "9004")).toMatchObject({ muted: true });
		expect(JSON.stringify(job)).not.toContain(HOSTED_KEY);
		if (backend === "sqlite") {
			const files = ["keys.sqlite", "keys.sqlite-wal", "moderation.sqlite", "moderation.sqlite-wal"];
			for (const file of files) {
				const bytes = await readFile(path.join(gateway.dataDir, file)).catch(() => Buffer.alloc(0));
				expect(bytes.includes(HOSTED_KEY), file).toBe(false);
			}
		}

		const refused = await postImport(guild, JSON.stringify({ source: "technified", api_key: "technified_notakeyofthehostedapi" }), "application/json");
		expect(await finished(guild, refused.body.data!.import.id)).toMatchObject({
			status: "failed",
			imported: 0,
			error: "The hosted Technified API refused (401: Invalid API key for this guild)",
		});
	});

	it("imports a linked experience's active Roblox bans from Open Cloud", async () => {
		const guild = freshGuild();
		expect((await gateway.admin("POST", `/guilds/${guild}/experiences`, { universe_id: UNIVERSE, api_key: ROBLOX_KEY })).status).toBe(201);
		const startedMs = Math.floor(Date.now() / 1000) * 1000 - 3_600_000;
		const started = new Date(startedMs).toISOString();
		openCloud.restrictions.set(
			UNIVERSE,
			Array.from({ length: 12 }, (_, at) => ({
				path: `universes/${UNIVERSE}/user-restrictions/${700 + at}`,
				updateTime: started,
				user: `users/${700 + at}`,
				gameJoinRestriction: { active: at !== 3, startTime: started, displayReason: `Reason ${at}`, privateReason: "p", ...(at === 5 ? { duration: "172800s" } : {}) },
			})),
		);
		const job = await importText(guild, JSON.stringify({ source: "roblox", universe_id: UNIVERSE }), "application/json");
		expect(job).toMatchObject({ status: "done", source: "roblox", rows_read: 11, imported: 11, refused: 0 });
		expect(await status(guild, "700")).toMatchObject({ banned: true, ban_info: { reason: "Reason 0", banned_by: `roblox:${UNIVERSE}` } });
		expect(await status(guild, "703")).toMatchObject({ banned: false });
		expect((await status(guild, "705")).ban_info).toMatchObject({ expires_at: startedMs / 1000 + 172_800 });
	});

	it("exports every ban and mute with history, and the export imports into a fresh guild unchanged (CSV and JSON lines)", async () => {
		const source = freshGuild();
		const ban = (roblox_id: string, extra: Record<string, unknown> = {}) => gateway.admin("POST", `/guilds/${source}/moderation/ban`, { roblox_id, reason: "Exploiting", ...extra });
		await ban("801");
		await ban("802", { duration: "7d", moderator_roblox_id: "261" });
		await ban("802", { reason: "Worse, with a \"quote\"" });
		await ban("803", { place_id: 920587237 });
		await gateway.admin("POST", `/guilds/${source}/moderation/unban`, { roblox_id: "801", reason: "Appeal" });
		await gateway.admin("POST", `/guilds/${source}/moderation/mute`, { roblox_id: "804", reason: "Spam", duration: "1d" });

		for (const format of ["csv", "jsonl"] as const) {
			const original = await exported(source, format);
			expect(original.type).toMatch(format === "csv" ? /^text\/csv/ : /^application\/x-ndjson/);
			const target = freshGuild();
			const job = await importText(target, original.text, format === "csv" ? "text/csv" : "application/x-ndjson");
			expect(job).toMatchObject({ status: "done", imported: 5, skipped: 0, refused: 0 });
			expect((await exported(target, format)).text).toBe(original.text);
			for (const robloxId of ["801", "802", "803", "804"]) {
				const history = async (guildId: string) => (await gateway.admin("GET", `/guilds/${guildId}/moderation/history/${robloxId}`)).body.data.entries;
				expect(await history(target)).toEqual(await history(source));
				expect(await status(target, robloxId)).toEqual(await status(source, robloxId));
			}
			expect((await gateway.admin("GET", `/guilds/${target}/moderation/bans`)).body.data.bans).toEqual((await gateway.admin("GET", `/guilds/${source}/moderation/bans`)).body.data.bans);
			expect(await importText(target, original.text, format === "csv" ? "text/csv" : "application/x-ndjson")).toMatchObject({ imported: 0, skipped: 5 });
		}
		expect((await exported(source, "csv")).text.split("\r\n")[0]).toBe("roblox_id,kind,reason,by,created_at,expires_at,place_id,lifted_at,lifted_by,lift_reason");
	});

	it("reports an import a stopped gateway cut short, and running it again finishes it; the data store's import routes are not public", async () => {
		const guild = freshGuild();
		let release = () => {};
		hosted.hold = new Promise<void>((resolve) => (release = resolve));
		hosted.throttleNext = 0;
		const started = await postImport(guild, JSON.stringify({ source: "technified", api_key: HOSTED_KEY }), "application/json");
		expect(started.status).toBe(202);
		await gateway.stop({ keepData: true });
		hosted.hold = undefined;
		release();
		// A minute later by the restarted gateway's clock: the job's heartbeat stopped long enough.
		gateway = await startTestGateway(env, { dataDir: gateway.dataDir, clock: () => Date.now() + 120_000 });
		const cut = (await gateway.admin("GET", `/guilds/${guild}/moderation/imports/${started.body.data!.import.id}`)).body.data.import;
		expect(cut).toMatchObject({ status: "failed", imported: 0 });
		expect(cut.error).toMatch(/^The gateway stopped while this import ran/);
		expect(await importText(guild, JSON.stringify({ source: "technified", api_key: HOSTED_KEY }), "application/json")).toMatchObject({ status: "done", imported: 4 });

		key = (await gateway.createKey(GUILD_A)).key;
		for (const [method, internal] of [["GET", "records?after=0"], ["POST", "records/import"]]) {
			const answer = await gateway.api(`/moderation/${GUILD_A}/${internal}`, { method, headers: { "x-api-key": key }, body: method === "POST" ? { records: [], reset: "always" } : undefined });
			expect(answer.status, internal).toBe(404);
		}
	});

	it("imports 10,000 CSV rows (time printed)", async () => {
		const guild = freshGuild();
		const rows = Array.from({ length: 10_000 }, (_, at) => `${1_000_000 + at},${at % 5 === 0 ? "mute" : "ban"},Imported row ${at},261,${1_767_225_600 + at},,`);
		const csv = ["roblox_id,kind,reason,by,created_at,expires_at,place_id", ...rows].join("\n");
		const started = performance.now();
		const job = await importText(guild, csv);
		const seconds = (performance.now() - started) / 1000;
		console.log(`10,000-row CSV import on ${backend}: ${seconds.toFixed(2)} s`);
		expect(job).toMatchObject({ status: "done", rows_read: 10_000, imported: 10_000, refused: 0 });
		expect(await status(guild, "1009999")).toMatchObject({ banned: true });
	}, 120_000);
});
