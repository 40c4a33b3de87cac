// test/gateway/data-store/data-store-http.test.ts
// The data store's HTTP surface as the gateway sees it: real SQLite files, a real listener, fetch.

import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeEach, describe, expect, test } from "vitest";
import { createDataStoreApp } from "../../../gateway/data-store/app";
import { GUILD_HEADER, INTERNAL_TOKEN_HEADER } from "../../../gateway/data-store/internal-headers";
import { startDataStore } from "../../../gateway/data-store/server";
import { SqliteModerationStore } from "../../../gateway/data-store/sqlite-moderation-store";

const TOKEN = "internal-token-for-tests";
const GUILD = "123456789012345678";
const OTHER_GUILD = "876543210987654321";
const PLACE = 4483381587;
const START = Date.UTC(2026, 0, 1, 12);
const START_SECONDS = START / 1000;

const root = await mkdtemp(join(tmpdir(), "technified-data-store-http-"));
let dirs = 0;
const freshDir = () => join(root, String(dirs++));

afterAll(async () => {
	await rm(root, { recursive: true, force: true });
});

interface CallOptions {
	body?: unknown;
	/** Sent as is, for bodies that are not JSON. */
	rawBody?: string;
	guild?: string | null;
	token?: string | null;
	headers?: Record<string, string>;
}

interface Answer {
	status: number;
	headers: Headers;
	body: Record<string, unknown> & { data?: Record<string, unknown> };
}

let baseUrl: string;
let now: number;
let store: SqliteModerationStore;
let server: Server;

async function call(method: string, path: string, options: CallOptions = {}): Promise<Answer> {
	const headers: Record<string, string> = { ...options.headers };
	const token = options.token === undefined ? TOKEN : options.token;
	const guild = options.guild === undefined ? GUILD : options.guild;
	if (token !== null) headers[INTERNAL_TOKEN_HEADER] = token;
	if (guild !== null) headers[GUILD_HEADER] = guild;
	let body = options.rawBody;
	if (options.body !== undefined) {
		body = JSON.stringify(options.body);
		headers["content-type"] = "application/json";
	}
	const response = await fetch(`${baseUrl}${path}`, { method, headers, body });
	return { status: response.status, headers: response.headers, body: (await response.json()) as Answer["body"] };
}

const moderation = (path: string, guild = GUILD) => `/api/v1/moderation/${guild}${path}`;

function ban(body: Record<string, unknown>, guild = GUILD) {
	return call("POST", moderation("/roblox/ban", guild), {
		body: { reason: "Exploiting", moderator_roblox_id: 261, ...body },
		guild,
	});
}

const banStatus = (id: string | number, query = "", guild = GUILD) =>
	call("GET", moderation(`/ban-status/${id}${query}`, guild), { guild });

function expectError(answer: Answer, status: number, error: string, message?: string | RegExp) {
	expect(answer.status).toBe(status);
	expect(answer.body).toMatchObject({ status: "error", code: status, error });
	if (typeof message === "string") expect(answer.body.message).toBe(message);
	else if (message !== undefined) expect(answer.body.message).toMatch(message);
}

beforeEach(async () => {
	now = START;
	store = SqliteModerationStore.open({ dataDir: freshDir(), clock: () => now });
	server = createServer(createDataStoreApp({ store, internalToken: TOKEN, log: () => {} }));
	await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
	baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterEach(async () => {
	await new Promise((resolve) => {
		server.close(resolve);
		server.closeAllConnections();
	});
	await store.close();
});

describe("internal authentication", () => {
	test("health probes answer without the internal token", async () => {
		expect(await call("GET", "/healthz", { token: null, guild: null })).toMatchObject({
			status: 200,
			body: { status: "success", code: 200, data: { status: "ok" } },
		});
		expect(await call("GET", "/readyz", { token: null, guild: null })).toMatchObject({
			status: 200,
			body: { status: "success", data: { status: "ready" } },
		});
	});

	test("readyz answers 503 naming the store when the database is closed", async () => {
		await store.close();
		expectError(await call("GET", "/readyz", { token: null, guild: null }), 503, "service_unavailable", /store/i);
	});

	test("a request without the internal token is refused with 401", async () => {
		expectError(await call("GET", moderation("/ban-status/5"), { token: null }), 401, "unauthorized");
	});

	test("a wrong internal token is refused with 401, even a prefix of the real one", async () => {
		expectError(await call("GET", moderation("/ban-status/5"), { token: "wrong" }), 401, "unauthorized");
		expectError(await call("GET", moderation("/ban-status/5"), { token: TOKEN.slice(0, -1) }), 401, "unauthorized");
		expectError(await call("GET", moderation("/ban-status/5"), { token: `${TOKEN}x` }), 401, "unauthorized");
	});

	test("without the token even unknown routes and writes answer 401 and change nothing", async () => {
		expectError(await call("GET", "/nowhere", { token: null }), 401, "unauthorized");
		expectError(await call("POST", moderation("/roblox/ban"), { token: null, body: { roblox_id: 5, reason: "x", moderator_roblox_id: 1 } }), 401, "unauthorized");
		expect((await banStatus(5)).body.data).toEqual({ banned: false });
	});

	test("a path guild other than the verified guild header is refused with 403 guild_mismatch", async () => {
		await ban({ roblox_id: 5 }, OTHER_GUILD);
		const answer = await call("GET", moderation("/ban-status/5", OTHER_GUILD), { guild: GUILD });
		expectError(answer, 403, "guild_mismatch", "API key does not match target guild");
		expectError(await call("GET", moderation("/roblox/bans/active", OTHER_GUILD)), 403, "guild_mismatch");
	});

	test("a request without the guild header matches no guild: 403", async () => {
		expectError(await call("GET", moderation("/ban-status/5"), { guild: null }), 403, "guild_mismatch");
	});
});

describe("bans", () => {
	test("a user with no ban is not banned", async () => {
		const answer = await banStatus(5);
		expect(answer.status).toBe(200);
		expect(answer.body).toEqual({ status: "success", code: 200, message: "User is not banned", data: { banned: false } });
	});

	test("a ban answers 201 with the ban, and ban-status then reports it", async () => {
		const created = await ban({ roblox_id: "5", moderator_roblox_id: "261", duration: "7d", job_id: "0f3c-job" });
		const banInfo = {
			reason: "Exploiting",
			banned_by: "261",
			created_at: START_SECONDS,
			expires_at: START_SECONDS + 7 * 86_400,
			is_permanent: false,
			place_id: null,
		};
		expect(created.status).toBe(201);
		expect(created.body).toEqual({ status: "success", code: 201, message: "User banned", data: { ban: { roblox_id: "5", ...banInfo } } });
		expect((await banStatus(5)).body).toEqual({
			status: "success",
			code: 200,
			message: "User is banned",
			data: { banned: true, ban_info: banInfo },
		});
	});

	test("a ban without duration, or with permanent, never expires", async () => {
		const absent = await ban({ roblox_id: 5 });
		const permanent = await ban({ roblox_id: 6, duration: "permanent" });
		for (const answer of [absent, permanent]) {
			expect(answer.body.data?.ban).toMatchObject({ expires_at: null, is_permanent: true });
		}
		now += 100 * 365 * 86_400_000;
		expect((await banStatus(5)).body.data).toMatchObject({ banned: true });
	});

	test("durations in seconds, minutes and hours set expires_at accordingly", async () => {
		for (const [duration, seconds] of [["30s", 30], ["5m", 300], ["1h", 3600]] as const) {
			const answer = await ban({ roblox_id: 5, duration });
			expect(answer.body.data?.ban).toMatchObject({ expires_at: START_SECONDS + seconds, is_permanent: false });
		}
	});

	test("a ban past expires_at is not a ban", async () => {
		await ban({ roblox_id: 5, duration: "30s" });
		now += 29_999;
		expect((await banStatus(5)).body.data).toMatchObject({ banned: true });
		now += 1;
		expect((await banStatus(5)).body).toMatchObject({ message: "User is not banned", data: { banned: false } });
		expectError(await call("POST", moderation("/roblox/unban"), { body: { roblox_id: 5, moderator_roblox_id: 1 } }), 404, "not_found");
	});

	test("a place ban counts only when ban-status names that place", async () => {
		await ban({ roblox_id: 5, place_id: String(PLACE) });
		expect((await banStatus(5)).body.data).toEqual({ banned: false });
		expect((await banStatus(5, "?place_id=1")).body.data).toEqual({ banned: false });
		expect((await banStatus(5, `?place_id=${PLACE}`)).body.data).toMatchObject({
			banned: true,
			ban_info: { place_id: PLACE },
		});
	});

	test("a global ban counts with or without place_id", async () => {
		await ban({ roblox_id: 5 });
		expect((await banStatus(5, `?place_id=${PLACE}&no_cache=true`)).body.data).toMatchObject({ banned: true });
		expect((await banStatus(5, "?no_cache=false")).body.data).toMatchObject({ banned: true });
	});

	test("banning a banned user replaces the ban", async () => {
		await ban({ roblox_id: 5, reason: "Spam", duration: "1h" });
		await ban({ roblox_id: 5, reason: "Exploiting", moderator_roblox_id: 99 });
		expect((await banStatus(5)).body.data).toMatchObject({
			ban_info: { reason: "Exploiting", banned_by: "99", is_permanent: true },
		});
		const list = await call("GET", moderation("/roblox/bans/active"));
		expect(list.body.data?.bans).toHaveLength(1);
	});

	test("unban lifts every active ban of the user, global and place, and reports them", async () => {
		await ban({ roblox_id: 5 });
		await ban({ roblox_id: 5, place_id: PLACE });
		now += 60_000;
		const answer = await call("POST", moderation("/roblox/unban"), {
			body: { roblox_id: 5, moderator_roblox_id: 300, reason: "Appeal accepted" },
		});
		expect(answer.status).toBe(200);
		expect(answer.body).toMatchObject({ status: "success", code: 200, message: "User unbanned" });
		const lifted = { lifted_at: START_SECONDS + 60, lifted_by: "300", lift_reason: "Appeal accepted" };
		expect(answer.body.data).toEqual({
			roblox_id: "5",
			lifted: [
				{ roblox_id: "5", reason: "Exploiting", banned_by: "261", created_at: START_SECONDS, expires_at: null, is_permanent: true, place_id: null, ...lifted },
				{ roblox_id: "5", reason: "Exploiting", banned_by: "261", created_at: START_SECONDS, expires_at: null, is_permanent: true, place_id: PLACE, ...lifted },
			],
		});
		expect((await banStatus(5, `?place_id=${PLACE}`)).body.data).toEqual({ banned: false });
		expect(await store.history(GUILD, "ban", 5)).toHaveLength(2);
	});

	test("unbanning a user with no active ban answers 404", async () => {
		const answer = await call("POST", moderation("/roblox/unban"), { body: { roblox_id: 5, moderator_roblox_id: 1 } });
		expectError(answer, 404, "not_found", "No active ban for this user");
	});

	test("one guild's bans are invisible to another guild", async () => {
		await ban({ roblox_id: 5 });
		expect((await banStatus(5, "", OTHER_GUILD)).body.data).toEqual({ banned: false });
		const list = await call("GET", moderation("/roblox/bans/active", OTHER_GUILD), { guild: OTHER_GUILD });
		expect(list.body.data).toEqual({ bans: [], next_cursor: null });
		const unban = await call("POST", moderation("/roblox/unban", OTHER_GUILD), {
			guild: OTHER_GUILD,
			body: { roblox_id: 5, moderator_roblox_id: 1 },
		});
		expectError(unban, 404, "not_found");
		expect((await banStatus(5)).body.data).toMatchObject({ banned: true });
	});
});

describe("mutes", () => {
	const mute = (body: Record<string, unknown>) =>
		call("POST", moderation("/roblox/mute"), { body: { reason: "Chat abuse", moderator_roblox_id: 261, ...body } });
	const muteStatus = (id: number, query = "") => call("GET", moderation(`/mute-status/${id}${query}`));

	test("mute, mute-status, unmute and 404 mirror the ban endpoints with their own words", async () => {
		expect((await muteStatus(5)).body).toEqual({ status: "success", code: 200, message: "User is not muted", data: { muted: false } });
		const created = await mute({ roblox_id: 5, duration: "5m", place_id: PLACE });
		const muteInfo = {
			reason: "Chat abuse",
			muted_by: "261",
			created_at: START_SECONDS,
			expires_at: START_SECONDS + 300,
			is_permanent: false,
			place_id: PLACE,
		};
		expect(created.status).toBe(201);
		expect(created.body).toEqual({ status: "success", code: 201, message: "User muted", data: { mute: { roblox_id: "5", ...muteInfo } } });
		expect((await muteStatus(5, `?place_id=${PLACE}`)).body).toEqual({
			status: "success",
			code: 200,
			message: "User is muted",
			data: { muted: true, mute_info: muteInfo },
		});
		expect((await banStatus(5, `?place_id=${PLACE}`)).body.data).toEqual({ banned: false });
		const unmuted = await call("POST", moderation("/roblox/unmute"), { body: { roblox_id: 5, moderator_roblox_id: 2 } });
		expect(unmuted.body).toMatchObject({ status: "success", message: "User unmuted", data: { roblox_id: "5" } });
		expect((await muteStatus(5, `?place_id=${PLACE}`)).body.data).toEqual({ muted: false });
		const again = await call("POST", moderation("/roblox/unmute"), { body: { roblox_id: 5, moderator_roblox_id: 2 } });
		expectError(again, 404, "not_found", "No active mute for this user");
	});

	test("a mute expires like a ban, and unban does not lift it", async () => {
		await mute({ roblox_id: 5, duration: "30s" });
		await ban({ roblox_id: 5 });
		await call("POST", moderation("/roblox/unban"), { body: { roblox_id: 5, moderator_roblox_id: 1 } });
		expect((await muteStatus(5)).body.data).toMatchObject({ muted: true });
		now += 30_000;
		expect((await muteStatus(5)).body.data).toEqual({ muted: false });
	});

	test("the active mutes list pages like the bans list", async () => {
		for (const id of [1, 2, 3]) await mute({ roblox_id: id });
		const first = await call("GET", moderation("/roblox/mutes/active?limit=2"));
		expect(first.body).toMatchObject({ status: "success", message: "Active mutes" });
		const second = await call("GET", moderation(`/roblox/mutes/active?limit=2&cursor=${first.body.data?.next_cursor}`));
		const ids = [...(first.body.data?.mutes as { roblox_id: string }[]), ...(second.body.data?.mutes as { roblox_id: string }[])];
		expect(ids.map((mute) => mute.roblox_id)).toEqual(["1", "2", "3"]);
		expect(second.body.data?.next_cursor).toBeNull();
	});
});

describe("batch ban-status", () => {
	const batch = (identifiers: unknown, query = "") =>
		call("POST", moderation(`/ban-status/batch${query}`), { body: { identifiers } });

	test("answers each id once, keyed by its decimal string", async () => {
		await ban({ roblox_id: 5 });
		await ban({ roblox_id: 7, place_id: PLACE });
		const answer = await batch([5, "5", "6", 7, 5]);
		expect(answer.status).toBe(200);
		expect(answer.body).toMatchObject({ status: "success", code: 200 });
		const results = answer.body.data?.results as Record<string, unknown>;
		expect(Object.keys(results).sort()).toEqual(["5", "6", "7"]);
		expect(results["5"]).toMatchObject({ banned: true, ban_info: { reason: "Exploiting", place_id: null } });
		expect(results["6"]).toEqual({ banned: false });
		expect(results["7"]).toEqual({ banned: false });
	});

	test("place_id in the query lets place bans count, as in ban-status", async () => {
		await ban({ roblox_id: 7, place_id: PLACE });
		const answer = await batch([7], `?place_id=${PLACE}&no_cache=true`);
		expect((answer.body.data?.results as Record<string, unknown>)["7"]).toMatchObject({ banned: true });
	});

	test("place_id in the body lets place bans count; body and query naming two places is refused", async () => {
		await ban({ roblox_id: 7, place_id: PLACE });
		const inBody = await call("POST", moderation("/ban-status/batch"), { body: { identifiers: [7], place_id: PLACE } });
		expect((inBody.body.data?.results as Record<string, unknown>)["7"]).toMatchObject({ banned: true });
		const contradicting = await call("POST", moderation(`/ban-status/batch?place_id=${PLACE + 1}`), {
			body: { identifiers: [7], place_id: PLACE },
		});
		expectError(contradicting, 400, "bad_request", /place_id/);
	});

	test("include_mutes adds muted (and mute_info when muted) to every result, place mutes with place_id", async () => {
		const mute = (body: Record<string, unknown>) =>
			call("POST", moderation("/roblox/mute"), { body: { reason: "Spam", moderator_roblox_id: 261, ...body } });
		await ban({ roblox_id: 5 });
		await mute({ roblox_id: 5, duration: "1h" });
		await mute({ roblox_id: 6, place_id: PLACE });
		const withMutes = (extra: Record<string, unknown>) =>
			call("POST", moderation("/ban-status/batch"), { body: { identifiers: [5, 6, 7], include_mutes: true, ...extra } });

		const global = (await withMutes({})).body.data?.results as Record<string, Record<string, unknown>>;
		expect(global["5"]).toMatchObject({
			banned: true,
			muted: true,
			mute_info: { reason: "Spam", muted_by: "261", is_permanent: false, expires_at: START_SECONDS + 3600, place_id: null },
		});
		expect(global["6"]).toEqual({ banned: false, muted: false });
		expect(global["7"]).toEqual({ banned: false, muted: false });

		const inPlace = (await withMutes({ place_id: PLACE })).body.data?.results as Record<string, Record<string, unknown>>;
		expect(inPlace["6"]).toMatchObject({ banned: false, muted: true, mute_info: { place_id: PLACE } });

		const without = (await batch([5])).body.data?.results as Record<string, Record<string, unknown>>;
		expect(without["5"]).not.toHaveProperty("muted");
		expectError(await withMutes({ include_mutes: "yes" }), 400, "bad_request", /include_mutes/);
	});

	test("accepts 100 ids; 101 entries are refused even when one repeats", async () => {
		const hundred = Array.from({ length: 100 }, (_, index) => index + 1);
		const ok = await batch(hundred);
		expect(Object.keys(ok.body.data?.results as object)).toHaveLength(100);
		expectError(await batch([...hundred, 1]), 400, "bad_request", /identifiers.*1 to 100.*101/);
	});

	test.each([
		["an empty list", [], /identifiers must hold 1 to 100/],
		["a missing list", undefined, /identifiers must be an array/],
		["a string instead of a list", "5", /identifiers must be an array/],
		["a bad element, named by index", [1, 2, "x"], /identifiers\[2\] must be a Roblox user id/],
		["a zero element", [0], /identifiers\[0\]/],
		["an id of 2^53", [2 ** 53], /identifiers\[0\].*below 2\^53/],
	])("refuses %s with 400", async (_name, identifiers, message) => {
		expectError(await batch(identifiers), 400, "bad_request", message);
	});
});

describe("active lists", () => {
	const page = (query: string) => call("GET", moderation(`/roblox/bans/active${query}`));
	const ids = (answer: Answer) => (answer.body.data?.bans as { roblox_id: string }[]).map((entry) => entry.roblox_id);

	test("items carry roblox_id and the ban_info fields; next_cursor is null at the end", async () => {
		await ban({ roblox_id: 5, duration: "1h", place_id: PLACE });
		const answer = await page("");
		expect(answer.body).toEqual({
			status: "success",
			code: 200,
			message: "Active bans",
			data: {
				bans: [{
					roblox_id: "5",
					reason: "Exploiting",
					banned_by: "261",
					created_at: START_SECONDS,
					expires_at: START_SECONDS + 3600,
					is_permanent: false,
					place_id: PLACE,
				}],
				next_cursor: null,
			},
		});
	});

	test("pages hold every active ban once even while bans are added between pages", async () => {
		for (let id = 1; id <= 7; id++) await ban({ roblox_id: id });
		const first = await page("?limit=3");
		await ban({ roblox_id: 8 });
		await call("POST", moderation("/roblox/unban"), { body: { roblox_id: 2, moderator_roblox_id: 1 } });
		const second = await page(`?limit=3&cursor=${first.body.data?.next_cursor}`);
		await ban({ roblox_id: 9 });
		const third = await page(`?limit=3&cursor=${second.body.data?.next_cursor}`);
		expect([...ids(first), ...ids(second), ...ids(third)]).toEqual(["1", "2", "3", "4", "5", "6", "7", "8", "9"]);
		expect(third.body.data?.next_cursor).toBeNull();
	});

	test("limit defaults to 100 and goes up to 500", async () => {
		for (let id = 1; id <= 101; id++) await ban({ roblox_id: id });
		const byDefault = await page("");
		expect(ids(byDefault)).toHaveLength(100);
		expect(typeof byDefault.body.data?.next_cursor).toBe("string");
		expect(ids(await page("?limit=500"))).toHaveLength(101);
	});

	test.each([
		["limit=0", /limit must be an integer from 1 to 500/],
		["limit=501", /limit must be an integer from 1 to 500/],
		["limit=ten", /limit/],
		["limit=1&limit=2", /limit must be given once/],
		["cursor=garbage", /cursor/],
		[`cursor=${Buffer.from("ban:0").toString("base64url")}`, /cursor/],
	])("refuses %s with 400", async (query, message) => {
		expectError(await page(`?${query}`), 400, "bad_request", message);
	});

	test("the internal count answers how many bans the active list holds", async () => {
		for (let id = 1; id <= 4; id++) await ban({ roblox_id: id });
		await call("POST", moderation("/roblox/unban"), { body: { roblox_id: 2, moderator_roblox_id: 1 } });
		await call("POST", moderation("/roblox/mute"), { body: { roblox_id: 5, reason: "x", moderator_roblox_id: 1 } });
		expect((await call("GET", moderation("/roblox/bans/count"))).body).toEqual({ status: "success", code: 200, message: "Active ban count", data: { count: 3 } });
		expectError(await call("GET", moderation("/roblox/bans/count", OTHER_GUILD)), 403, "guild_mismatch");
		expectError(await call("GET", moderation("/roblox/bans/count"), { token: null }), 401, "unauthorized");
	});

	test("a cursor from the mutes list is refused by the bans list", async () => {
		for (const id of [1, 2]) {
			await call("POST", moderation("/roblox/mute"), { body: { roblox_id: id, reason: "x", moderator_roblox_id: 1 } });
		}
		const mutes = await call("GET", moderation("/roblox/mutes/active?limit=1"));
		expectError(await page(`?cursor=${mutes.body.data?.next_cursor}`), 400, "bad_request", /cursor/);
	});
});

describe("validation", () => {
	test.each([
		["identifier 0", "/ban-status/0", /identifier must be a Roblox user id/],
		["identifier with letters", "/ban-status/abc", /identifier/],
		["identifier with leading zeros", "/ban-status/007", /identifier.*leading zeros/],
		["identifier of 2^53", "/ban-status/9007199254740992", /identifier.*below 2\^53/],
		["negative identifier", "/mute-status/-5", /identifier/],
		["fractional identifier", "/ban-status/1.5", /identifier/],
		["place_id 0", "/ban-status/5?place_id=0", /place_id must be a Roblox place id/],
		["place_id with letters", "/mute-status/5?place_id=x", /place_id/],
		["place_id given twice", "/ban-status/5?place_id=1&place_id=2", /place_id must be given once/],
		["no_cache other than true/false", "/ban-status/5?no_cache=yes", /no_cache must be true or false/],
	])("GET with %s answers 400 naming it", async (_name, path, message) => {
		expectError(await call("GET", moderation(path)), 400, "bad_request", message);
	});

	test("a guild id that is not 17-20 digits answers 400", async () => {
		const answer = await call("GET", "/api/v1/moderation/12345/ban-status/5", { guild: "12345" });
		expectError(answer, 400, "bad_request", /guildId must be a Discord guild id/);
	});

	const valid = { roblox_id: 5, reason: "Exploiting", moderator_roblox_id: 261 };
	test.each([
		["missing roblox_id", { roblox_id: undefined }, /roblox_id is required/],
		["roblox_id 0", { roblox_id: 0 }, /roblox_id must be a Roblox user id/],
		["negative roblox_id", { roblox_id: -1 }, /roblox_id/],
		["fractional roblox_id", { roblox_id: 1.5 }, /roblox_id/],
		["roblox_id of 2^53", { roblox_id: 2 ** 53 }, /roblox_id.*below 2\^53/],
		["roblox_id with letters", { roblox_id: "12a" }, /roblox_id/],
		["roblox_id as a boolean", { roblox_id: true }, /roblox_id must be a Roblox user id given as a number or a string/],
		["missing reason", { reason: undefined }, /reason is required/],
		["empty reason", { reason: "" }, /reason must not be empty/],
		["blank reason", { reason: "   " }, /reason must not be empty/],
		["reason over 500 characters", { reason: "x".repeat(501) }, /reason must be at most 500 characters/],
		["reason as a number", { reason: 5 }, /reason must be a string/],
		["missing moderator_roblox_id", { moderator_roblox_id: undefined }, /moderator_roblox_id is required/],
		["moderator_roblox_id with letters", { moderator_roblox_id: "mod" }, /moderator_roblox_id/],
		["duration without unit", { duration: "10" }, /duration must be a number followed by s, m, h or d/],
		["duration in weeks", { duration: "2w" }, /duration/],
		["zero duration", { duration: "0s" }, /duration/],
		["duration as a number", { duration: 60 }, /duration/],
		["duration over 100 years", { duration: "40000d" }, /duration must be at most 100 years/],
		["place_id 0", { place_id: 0 }, /place_id must be a Roblox place id/],
		["place_id with letters", { place_id: "home" }, /place_id/],
		["job_id as a number", { job_id: 5 }, /job_id must be a string/],
		["job_id over 100 characters", { job_id: "j".repeat(101) }, /job_id must be at most 100 characters/],
	])("ban and mute with %s answer 400 naming it, and keep nothing", async (_name, change, message) => {
		for (const path of ["/roblox/ban", "/roblox/mute"]) {
			expectError(await call("POST", moderation(path), { body: { ...valid, ...change } }), 400, "bad_request", message);
		}
		expect((await call("GET", moderation("/roblox/bans/active"))).body.data?.bans).toEqual([]);
		expect((await call("GET", moderation("/roblox/mutes/active"))).body.data?.mutes).toEqual([]);
	});

	test.each([
		["missing roblox_id", { moderator_roblox_id: 1 }, /roblox_id is required/],
		["moderator_roblox_id with letters", { roblox_id: 5, moderator_roblox_id: "mod" }, /moderator_roblox_id/],
		["reason as a number", { roblox_id: 5, moderator_roblox_id: 1, reason: 7 }, /reason must be a string/],
	])("unban and unmute with %s answer 400 naming it", async (_name, body, message) => {
		for (const path of ["/roblox/unban", "/roblox/unmute"]) {
			expectError(await call("POST", moderation(path), { body }), 400, "bad_request", message);
		}
	});

	test("unban and unmute without moderator_roblox_id lift the record, as the hosted API allows", async () => {
		for (const [impose, lift, status, flag] of [
			["/roblox/ban", "/roblox/unban", "/ban-status/5", "banned"],
			["/roblox/mute", "/roblox/unmute", "/mute-status/5", "muted"],
		]) {
			expect((await call("POST", moderation(impose), { body: valid })).status).toBe(201);
			const lifted = await call("POST", moderation(lift), { body: { roblox_id: "5" } });
			expect(lifted.status).toBe(200);
			expect((lifted.body.data?.lifted as { lifted_by: unknown }[])[0].lifted_by).toBeNull();
			expect((await call("GET", moderation(status))).body.data?.[flag]).toBe(false);
		}
	});

	test("a reason of 500 characters counts emoji as one character each", async () => {
		const answer = await ban({ roblox_id: 5, reason: "🚫".repeat(500) });
		expect(answer.status).toBe(201);
	});

	test("bodies that are not a JSON object answer 400", async () => {
		const path = moderation("/roblox/ban");
		expectError(await call("POST", path, { body: [valid] }), 400, "bad_request", /JSON object/);
		expectError(await call("POST", path, { rawBody: "{not json", headers: { "content-type": "application/json" } }), 400, "bad_request", /not valid JSON/);
		expectError(await call("POST", path, { rawBody: JSON.stringify(valid), headers: { "content-type": "text/plain" } }), 400, "bad_request", /JSON object/);
		expectError(await call("POST", path), 400, "bad_request", /JSON object/);
	});

	test("a body over 16 kB answers 413 payload_too_large", async () => {
		const answer = await call("POST", moderation("/ban-status/batch"), { body: { identifiers: [1], padding: "x".repeat(17_000) } });
		expectError(answer, 413, "payload_too_large");
	});

	test("unknown routes and methods answer 404 not_found", async () => {
		expectError(await call("GET", "/api/v1/nothing"), 404, "not_found");
		expectError(await call("GET", moderation("/roblox/ban")), 404, "not_found");
		expectError(await call("POST", moderation("/ban-status/5"), { body: {} }), 404, "not_found");
	});
});

describe("startDataStore", () => {
	test("listens on loopback and keeps bans across a restart on the same data directory", async () => {
		const dataDir = freshDir();
		const headers = { [INTERNAL_TOKEN_HEADER]: TOKEN, [GUILD_HEADER]: GUILD, "content-type": "application/json" };
		const first = await startDataStore({ dataDir, internalToken: TOKEN });
		expect(first.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
		const created = await fetch(`${first.url}${moderation("/roblox/ban")}`, {
			method: "POST",
			headers,
			body: JSON.stringify({ roblox_id: 5, reason: "Exploiting", moderator_roblox_id: 261 }),
		});
		expect(created.status).toBe(201);
		await first.close();

		const second = await startDataStore({ dataDir, internalToken: TOKEN });
		const status = await fetch(`${second.url}${moderation("/ban-status/5")}`, { headers });
		expect(await status.json()).toMatchObject({ data: { banned: true, ban_info: { reason: "Exploiting" } } });
		await second.close();
	});

	test("a port already in use makes start-up fail with the listen error", async () => {
		const dataDir = freshDir();
		const first = await startDataStore({ dataDir, internalToken: TOKEN });
		const port = Number(new URL(first.url).port);
		await expect(startDataStore({ dataDir: freshDir(), internalToken: TOKEN, port })).rejects.toThrow(/EADDRINUSE/);
		await first.close();
	});

	test("an empty internal token stops start-up instead of admitting everyone", async () => {
		await expect(startDataStore({ dataDir: freshDir(), internalToken: "" })).rejects.toThrow(/internal token/);
	});
});
