// test/gateway/roblox-users/roblox-users-routes.test.ts
// GET /admin/v1/roblox/users against the fake Roblox: names and faces by username (former ones too) or id, kept 24 h, ids alone when Roblox fails, bad input refused before Roblox is asked.

import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { RobloxUsersClient } from "../../../gateway/roblox-users/roblox-users-client";
import { OutboundHttp } from "../../../gateway/platform/http/outbound-http";
import { headshotUrl, startFakeRoblox, type FakeRoblox } from "../../fakes/roblox-users";
import { operatorAccess } from "../../../gateway/operators/access";
import { ROBLOX_USERS_ROUTES } from "../../../gateway/roblox-users/roblox-users-routes";
import { GUILD_A, startTestGateway, type TestGateway } from "../harness";

const BUILDERMAN = { id: 156, name: "builderman", displayName: "Builderman", previousNames: ["builderdude"] };
const ROBLOX = { id: 1, name: "Roblox", displayName: "Roblox" };

describe("GET /admin/v1/roblox/users", () => {
	let roblox: FakeRoblox;
	let gateway: TestGateway;
	beforeAll(async () => {
		roblox = await startFakeRoblox();
		roblox.add(BUILDERMAN, ROBLOX, { id: 7, name: "PendingFace", displayName: "Pending", headshot: "Pending" });
	});
	afterAll(() => roblox.close());
	beforeEach(async () => {
		roblox.setMode("up");
		roblox.requests.length = 0;
		gateway = await startTestGateway({ ROBLOX_USERS_URL: roblox.url, ROBLOX_THUMBNAILS_URL: roblox.url, OUTBOUND_ALLOW_LOOPBACK: "true" });
	});
	afterEach(() => gateway.stop());

	it("finds users by username, a former one too, says who matches nobody, and answers again from its database", async () => {
		const response = await gateway.admin("GET", "/roblox/users?usernames=BuilderDude,roblox,nobody_here");
		expect(response.status).toBe(200);
		const { users, not_found, complete } = response.body.data;
		expect(complete).toBe(true);
		expect(not_found).toEqual(["nobody_here"]);
		expect(users).toEqual([
			{ id: 156, name: "builderman", display_name: "Builderman", avatar_url: headshotUrl(156), learnt_at: expect.any(Number), requested_username: "BuilderDude" },
			{ id: 1, name: "Roblox", display_name: "Roblox", avatar_url: headshotUrl(1), learnt_at: expect.any(Number), requested_username: "roblox" },
		]);
		expect(Math.abs(users[0].learnt_at - Date.now() / 1000)).toBeLessThan(60);
		const asked = roblox.requests.length;
		expect(roblox.requests.map((request) => request.route)).toEqual(["POST /v1/usernames/users", "POST /v1/users", "GET /v1/users/avatar-headshot"]);

		const again = await gateway.admin("GET", "/roblox/users?usernames=builderdude,NOBODY_HERE");
		expect(again.body.data.users[0]).toMatchObject({ id: 156, name: "builderman", requested_username: "builderdude" });
		expect(again.body.data.not_found).toEqual(["NOBODY_HERE"]);
		expect(roblox.requests).toHaveLength(asked);
	});

	it("answers ids in the order asked, an unknown id and a pending headshot as nulls", async () => {
		const response = await gateway.admin("GET", "/roblox/users?ids=7,156,999999");
		expect(response.status).toBe(200);
		expect(response.body.data.users.map((user: { id: number; name: string | null; avatar_url: string | null }) => [user.id, user.name, user.avatar_url])).toEqual([
			[7, "PendingFace", null],
			[156, "builderman", headshotUrl(156)],
			[999999, null, null],
		]);
	});

	it("refuses bad input with 400 before asking Roblox", async () => {
		const tooMany = Array.from({ length: 101 }, (_, index) => index + 1).join(",");
		for (const query of [
			"usernames=ab",
			"usernames=_builder",
			"usernames=builder_",
			"usernames=a_b_c",
			"usernames=twenty_one_characters",
			"usernames=bad%20name",
			`ids=${tooMany}`,
			`usernames=${Array.from({ length: 101 }, (_, index) => `user${index}`).join(",")}`,
			"ids=0",
			"ids=abc",
			"",
			"ids=1&usernames=roblox",
		]) {
			const response = await gateway.admin("GET", `/roblox/users?${query}`);
			expect(response.status, query).toBe(400);
			expect(response.body.error, query).toBe("bad_request");
		}
		expect(roblox.requests).toEqual([]);
	});

	for (const mode of ["down", "garbage", "slow", "rate_limited"] as const) {
		it(`answers ids alone, never a 5xx, when Roblox is ${mode}`, async () => {
			roblox.setMode(mode);
			const byId = await gateway.admin("GET", "/roblox/users?ids=156,1");
			expect(byId.status).toBe(200);
			expect(byId.body.data).toEqual({
				users: [
					{ id: 156, name: null, display_name: null, avatar_url: null, learnt_at: null },
					{ id: 1, name: null, display_name: null, avatar_url: null, learnt_at: null },
				],
				not_found: [],
				complete: false,
			});
			const byName = await gateway.admin("GET", "/roblox/users?usernames=builderman");
			expect(byName.status).toBe(200);
			expect(byName.body.data).toEqual({ users: [], not_found: [], complete: false });
		}, 20_000);
	}

	it("leaves Roblox alone for as long as its 429 says", async () => {
		roblox.setMode("rate_limited");
		await gateway.admin("GET", "/roblox/users?ids=156");
		const asked = roblox.requests.length;
		roblox.setMode("up");
		const response = await gateway.admin("GET", "/roblox/users?ids=156");
		expect(response.body.data.complete).toBe(false);
		expect(roblox.requests).toHaveLength(asked);
	});
});

describe("who may ask for names", () => {
	it("an operator with any permission in some guild; one with none is refused by the route's guard", () => {
		const rights = (owner: boolean) => new Map([[GUILD_A, { owner, permissions: "0" }]]);
		const caller = { id: "111111111111111111", name: "ada" };
		expect(operatorAccess(caller, rights(true), new Map()).inSomeGuild()).toBe(true);
		expect(operatorAccess(caller, new Map(), new Map([[GUILD_A, ["view"] as const]])).inSomeGuild()).toBe(true);
		expect(operatorAccess(caller, rights(false), new Map()).inSomeGuild()).toBe(false);
		expect(operatorAccess(caller, new Map(), new Map()).inSomeGuild()).toBe(false);
		expect(ROBLOX_USERS_ROUTES[0].guard).toEqual({ caller: "admin", need: { someGuild: true } });
	});
});

describe("the Roblox users client", () => {
	it("asks at most 100 at once", async () => {
		const roblox = await startFakeRoblox();
		const http = new OutboundHttp({ allowLoopback: true });
		try {
			const ids = Array.from({ length: 250 }, (_, index) => index + 1);
			roblox.add(...ids.map((id) => ({ id, name: `user${id}`, displayName: `User ${id}` })));
			const client = new RobloxUsersClient(http, { usersUrl: roblox.url, thumbnailsUrl: roblox.url }, Date.now);
			expect(await client.byIds(ids)).toHaveLength(250);
			expect((await client.headshots(ids)).size).toBe(250);
			expect(await client.byUsernames(ids.map((id) => `user${id}`))).toHaveLength(250);
			expect(roblox.requests.map((request) => request.count)).toEqual([100, 100, 50, 100, 100, 50, 100, 100, 50]);
		} finally {
			await http.close();
			await roblox.close();
		}
	});
});
