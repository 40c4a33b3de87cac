// test/gateway/operators/sign-in.test.ts
// Discord sign-in against a fake Discord: the redirects, the cookie, rotation, refusals and their throttle, sessions' ends, CSRF.

import Database from "better-sqlite3";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GATEWAY_DATABASE_FILE } from "../../../gateway/platform/db/gateway-database";
import { SESSION_IDLE_SECONDS, SESSION_LIFETIME_SECONDS } from "../../../gateway/operators/operator-service";
import { startFakeDiscord, type FakeDiscord } from "../../fakes/discord";
import { fakeClock } from "../keys/fixtures";
import { GUILD_A, startTestGateway, type TestGateway } from "../harness";
import { documentedFetch, signIn, signInLegs } from "./operator-client";

const OWNER = "300000000000000001";
const OTHER = "300000000000000002";

function discordEnv(discord: FakeDiscord, extra: Record<string, string> = {}): Record<string, string> {
	return { DISCORD_CLIENT_ID: discord.clientId, DISCORD_CLIENT_SECRET: discord.clientSecret, DISCORD_API_URL: discord.apiUrl, ...extra };
}

describe("Discord sign-in", () => {
	let discord: FakeDiscord;
	let gateway: TestGateway;
	const clock = fakeClock();

	beforeAll(async () => {
		discord = await startFakeDiscord();
		discord.addUser({
			id: OWNER,
			username: "ada",
			global_name: "Ada",
			guilds: [{ id: GUILD_A, name: "Alpha Server", icon: "a1b2c3", owner: true, permissions: "0" }],
		});
		gateway = await startTestGateway(discordEnv(discord), { clock: clock.now });
	});
	afterAll(async () => {
		await gateway?.stop();
		await discord?.close();
	});

	it("redirects to Discord with state, an S256 challenge and the scopes identify guilds, and comes back signed in", async () => {
		const { start, signInCookie, callbackUrl, callback } = await signInLegs(gateway, discord, OWNER);
		expect(start.status).toBe(302);
		const authorize = new URL(start.headers.get("location")!);
		expect(`${authorize.origin}${authorize.pathname}`).toBe(`${discord.apiUrl.replace(/\/api$/, "")}/oauth2/authorize`);
		expect(Object.fromEntries(authorize.searchParams)).toMatchObject({
			response_type: "code",
			client_id: discord.clientId,
			scope: "identify guilds",
			redirect_uri: `${gateway.url}/admin/v1/auth/discord/callback`,
			code_challenge_method: "S256",
		});
		expect(authorize.searchParams.get("state")).toMatch(/.{20,}/);
		expect(authorize.searchParams.get("code_challenge")).toMatch(/^[\w-]{43}$/);
		expect(signInCookie).toMatch(/^technified_sign_in=[^;]+; Max-Age=600; Path=\/admin\/v1\/auth; Expires=[^;]+; HttpOnly; SameSite=Lax$/);
		expect(new URL(callbackUrl).searchParams.get("state")).toBe(authorize.searchParams.get("state"));

		expect(callback.status).toBe(302);
		expect(callback.headers.get("location")).toBe(`${gateway.url}/dashboard/#signed-in`);
		const session = callback.headers.get("set-cookie")!;
		expect(session).toMatch(/technified_session=[\w-]{43}; Max-Age=604800; Path=\/; Expires=[^;]+; HttpOnly; SameSite=Lax/);
		// Plain http: no Secure (a browser would drop the cookie).
		expect(session).not.toMatch(/Secure/);
	});

	it("answers who is signed in, their guilds with Discord's name and icon, and a CSRF token; Discord tokens are stored sealed", async () => {
		const ada = await signIn(gateway, discord, OWNER);
		const me = await ada.call("GET", "/me");
		expect(me.body.data).toEqual({
			actor: { type: "operator", id: OWNER, name: "Ada" },
			guilds: [
				{
					id: GUILD_A,
					name: "Alpha Server",
					icon: "a1b2c3",
					permissions: ["administer_keys", "create_keys", "moderate", "view", "manage_members", "manage_servers"],
				},
			],
			csrf_token: expect.stringMatching(/^[\w-]{43}$/),
			session_expires_at: clock.seconds() + SESSION_IDLE_SECONDS,
		});
		const file = new Database(join(gateway.dataDir, GATEWAY_DATABASE_FILE), { readonly: true });
		const stored = JSON.stringify(file.prepare("SELECT * FROM operators").all()) + JSON.stringify(file.prepare("SELECT * FROM operator_sessions").all());
		file.close();
		for (const token of discord.accessTokensOf(OWNER)) expect(stored).not.toContain(token);
		expect(stored).not.toContain(ada.sessionToken);
	});

	it("rotates the session at sign-in: the cookie the browser had stops working", async () => {
		const first = await signIn(gateway, discord, OWNER);
		const second = await signIn(gateway, discord, OWNER, first);
		expect(second.sessionToken).not.toBe(first.sessionToken);
		expect((await first.call("GET", "/me")).status).toBe(401);
		expect((await second.call("GET", "/me")).status).toBe(200);
	});

});

describe("failed sign-ins", () => {
	let discord: FakeDiscord;
	let gateway: TestGateway;

	beforeAll(async () => {
		discord = await startFakeDiscord();
		discord.addUser({ id: OTHER, username: "bo", global_name: null, guilds: [] });
		gateway = await startTestGateway(discordEnv(discord, { AUTH_FAILURES_PER_MINUTE: "3" }));
	});
	afterAll(async () => {
		await gateway?.stop();
		await discord?.close();
	});

	it("refuses a wrong state, a reused code and a cancelled sign-in with signin_failed, then throttles the address", async () => {
		const { callbackUrl, signInCookie } = await signInLegs(gateway, discord, OTHER);
		const cookie = signInCookie.split(";")[0];
		const reused = await documentedFetch(callbackUrl, { headers: { cookie } });
		expect(reused.status).toBe(400);
		expect(reused.body).toMatchObject({ error: "signin_failed", message: expect.stringContaining("invalid_grant") });

		const wrongState = new URL(callbackUrl);
		wrongState.searchParams.set("state", "not-the-state");
		expect((await documentedFetch(wrongState.toString(), { headers: { cookie } })).body.error).toBe("signin_failed");
		const cancelled = await documentedFetch(`${gateway.url}/admin/v1/auth/discord/callback?error=access_denied`);
		expect(cancelled.body).toMatchObject({ error: "signin_failed", message: expect.stringContaining("access_denied") });

		const throttled = await documentedFetch(`${gateway.url}/admin/v1/auth/discord/callback?code=x&state=y`);
		expect(throttled.status).toBe(429);
		expect(throttled.body.error).toBe("auth_throttled");
	});
});

describe("sessions end", () => {
	let discord: FakeDiscord;
	let gateway: TestGateway;
	const clock = fakeClock();

	beforeAll(async () => {
		discord = await startFakeDiscord();
		discord.addUser({ id: OWNER, username: "ada", global_name: "Ada", guilds: [{ id: GUILD_A, name: "Alpha", icon: null, owner: true, permissions: "0" }] });
		gateway = await startTestGateway(discordEnv(discord), { clock: clock.now });
	});
	afterAll(async () => {
		await gateway?.stop();
		await discord?.close();
	});

	it("after the idle time without a request", async () => {
		const ada = await signIn(gateway, discord, OWNER);
		clock.advance(SESSION_IDLE_SECONDS - 1);
		expect((await ada.call("GET", "/me")).status).toBe(200);
		clock.advance(SESSION_IDLE_SECONDS - 1);
		expect((await ada.call("GET", "/me")).status).toBe(200);
		clock.advance(SESSION_IDLE_SECONDS);
		const ended = await ada.call("GET", "/me");
		expect(ended.status).toBe(401);
		expect(ended.body).toMatchObject({ error: "unauthorized", message: "Your session has ended; sign in again" });
		expect(ended.headers.get("set-cookie")).toMatch(/^technified_session=; Path=\/; Expires=Thu, 01 Jan 1970/);
	});

	it("at the absolute lifetime, however busy", async () => {
		const ada = await signIn(gateway, discord, OWNER);
		const hours = Math.floor(SESSION_LIFETIME_SECONDS / 3_600);
		for (let hour = 1; hour < hours; hour++) {
			clock.advance(3_600);
			if (hour % 10 === 0) expect((await ada.call("GET", "/me")).status).toBe(200);
		}
		clock.advance(3_600);
		expect((await ada.call("GET", "/me")).status).toBe(401);
	});

	it("at logout, which clears the cookie", async () => {
		const ada = await signIn(gateway, discord, OWNER);
		const out = await ada.call("POST", "/auth/logout");
		expect(out.status).toBe(200);
		expect(out.body.data).toEqual({ signed_out: true });
		expect(out.headers.get("set-cookie")).toMatch(/^technified_session=;/);
		expect((await ada.call("GET", "/me")).status).toBe(401);
	});
});

describe("CSRF on cookie-authenticated changes", () => {
	let discord: FakeDiscord;
	let gateway: TestGateway;

	beforeAll(async () => {
		discord = await startFakeDiscord();
		discord.addUser({ id: OWNER, username: "ada", global_name: "Ada", guilds: [{ id: GUILD_A, name: "Alpha", icon: null, owner: true, permissions: "0" }] });
		gateway = await startTestGateway(discordEnv(discord));
	});
	afterAll(async () => {
		await gateway?.stop();
		await discord?.close();
	});

	it.each([
		["no Origin and no Sec-Fetch-Site", { origin: null }],
		["another site's Origin", { origin: "https://evil.example" }],
		["Sec-Fetch-Site: cross-site", { origin: null, "sec-fetch-site": "cross-site" }],
		["no X-CSRF-Token", { "x-csrf-token": null }],
		["a wrong X-CSRF-Token", { "x-csrf-token": "guessed" }],
	])("refuses %s with 403 csrf_rejected, creating nothing", async (_case, headers) => {
		const ada = await signIn(gateway, discord, OWNER);
		const refused = await ada.call("POST", `/guilds/${GUILD_A}/keys`, { name: "forged" }, headers);
		expect(refused.status).toBe(403);
		expect(refused.body.error).toBe("csrf_rejected");
		const listed = await ada.call("GET", `/guilds/${GUILD_A}/keys`);
		expect(listed.body.data.keys).toEqual([]);
	});

	it("accepts the gateway's Origin or Sec-Fetch-Site: same-origin with the token; the admin token needs neither", async () => {
		const ada = await signIn(gateway, discord, OWNER);
		const byOrigin = await ada.call("POST", `/guilds/${GUILD_A}/keys`, { name: "by origin" });
		expect(byOrigin.status).toBe(201);
		const bySite = await ada.call("POST", `/guilds/${GUILD_A}/keys/${byOrigin.body.data.api_key.id}/disable`, undefined, {
			origin: null,
			"sec-fetch-site": "same-origin",
		});
		expect(bySite.status).toBe(200);
		const admin = await gateway.admin("POST", `/guilds/${GUILD_A}/keys/${byOrigin.body.data.api_key.id}/revoke`);
		expect(admin.status).toBe(200);
	});
});

describe("behind HTTPS (PUBLIC_URL)", () => {
	it("sends Discord back to PUBLIC_URL, marks the cookies Secure, and takes only PUBLIC_URL's origin as the gateway's own", async () => {
		const discord = await startFakeDiscord();
		discord.addUser({ id: OWNER, username: "ada", global_name: "Ada", guilds: [] });
		const gateway = await startTestGateway(discordEnv(discord, { PUBLIC_URL: "https://bans.example.com" }));
		try {
			const start = await documentedFetch(`${gateway.url}/admin/v1/auth/discord`);
			expect(new URL(start.headers.get("location")!).searchParams.get("redirect_uri")).toBe("https://bans.example.com/admin/v1/auth/discord/callback");
			expect(start.headers.get("set-cookie")).toMatch(/; Secure; SameSite=Lax$/);
			// The fake sends the browser back to PUBLIC_URL; the test delivers that request to the gateway itself.
			discord.signInAs(OWNER);
			const back = new URL((await fetch(start.headers.get("location")!, { redirect: "manual" })).headers.get("location")!);
			const cookie = start.headers.get("set-cookie")!.split(";")[0];
			const callback = await documentedFetch(`${gateway.url}${back.pathname}${back.search}`, { headers: { cookie } });
			expect(callback.headers.get("location")).toBe("https://bans.example.com/dashboard/#signed-in");
			expect(callback.headers.get("set-cookie")).toMatch(/HttpOnly; Secure; SameSite=Lax/);
			const session = /technified_session=[^;]+/.exec(callback.headers.get("set-cookie")!)![0];
			const me = await documentedFetch(`${gateway.url}/admin/v1/me`, { headers: { cookie: session } });
			const headers = (origin: string) => ({ cookie: session, origin, "x-csrf-token": me.body.data.csrf_token, "content-type": "application/json" });
			const fromListener = await documentedFetch(`${gateway.url}/admin/v1/auth/logout`, { method: "POST", headers: headers(gateway.url) });
			expect(fromListener.body.error).toBe("csrf_rejected");
			const fromPublic = await documentedFetch(`${gateway.url}/admin/v1/auth/logout`, { method: "POST", headers: headers("https://bans.example.com") });
			expect(fromPublic.status).toBe(200);
		} finally {
			await gateway.stop();
			await discord.close();
		}
	});
});

describe("without Discord configured", () => {
	it("answers 404 to the sign-in: only the admin token signs in", async () => {
		const gateway = await startTestGateway();
		try {
			const start = await documentedFetch(`${gateway.url}/admin/v1/auth/discord`);
			expect(start.status).toBe(404);
			expect(start.body.message).toContain("DISCORD_CLIENT_ID");
			const me = await gateway.admin("GET", "/me");
			expect(me.body.data).toEqual({ actor: { type: "admin_token" }, guilds: [], csrf_token: null, session_expires_at: null });
		} finally {
			await gateway.stop();
		}
	});
});
