// test/gateway/operators/key-statuses.test.ts
// Keys that follow the people who made them: create_keys sees its own, suspension, lost rights (grants and Discord), moderation, and rolls back to active.

import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { GUILDS_REREAD_SECONDS } from "../../../gateway/operators/operator-service";
import { startFakeDiscord, type FakeDiscord } from "../../fakes/discord";
import { fakeClock } from "../keys/fixtures";
import { banBody, startTestGateway, type TestGateway } from "../harness";
import { signIn, type OperatorClient } from "./operator-client";

const OWNER = "600000000000000001";
const CREATOR = "600000000000000002";
const MANAGER = "600000000000000003";
let guildSeq = 0;
/** A fresh guild per test: each starts with free key slots and no members. */
const nextGuild = () => `70000000000000000${++guildSeq}`;

describe("key statuses that follow operators", { timeout: 60_000 }, () => {
	let discord: FakeDiscord;
	let gateway: TestGateway;
	const clock = fakeClock();
	let guildId: string;
	let owner: OperatorClient;
	let creator: OperatorClient;

	const banStatus = (key: string) => gateway.api(`/moderation/${guildId}/ban-status/261`, { headers: { "x-api-key": key } });
	const statusOf = async (keyId: string) =>
		((await gateway.admin("GET", `/guilds/${guildId}/keys`)).body.data.keys as { id: string; status: string }[]).find((key) => key.id === keyId)?.status;

	beforeAll(async () => {
		discord = await startFakeDiscord();
		for (const [id, name] of [
			[OWNER, "Owner"],
			[CREATOR, "Creator"],
			[MANAGER, "Manager"],
		]) {
			discord.addUser({ id, username: name.toLowerCase(), global_name: name, guilds: [] });
		}
		gateway = await startTestGateway(
			{ DISCORD_CLIENT_ID: discord.clientId, DISCORD_CLIENT_SECRET: discord.clientSecret, DISCORD_API_URL: discord.apiUrl },
			{ clock: clock.now },
		);
	});
	afterAll(async () => {
		await gateway?.stop();
		await discord?.close();
	});

	beforeEach(async () => {
		guildId = nextGuild();
		discord.setGuilds(OWNER, [{ id: guildId, name: "Guild", icon: "0f0f", owner: true, permissions: "0" }]);
		discord.setGuilds(CREATOR, []);
		owner = await signIn(gateway, discord, OWNER);
		const granted = await owner.call("POST", `/guilds/${guildId}/members`, { discord_user_id: CREATOR, permissions: ["create_keys"] });
		expect(granted.status).toBe(201);
		creator = await signIn(gateway, discord, CREATOR);
	});

	it("a create_keys member sees and changes only the keys they generated; the owner sees them with their creator", async () => {
		const adminKey = await gateway.createKey(guildId, { name: "admin's" });
		const made = await creator.call("POST", `/guilds/${guildId}/keys`, { name: "creator's" });
		expect(made.status).toBe(201);
		expect(made.body.data.api_key.created_by).toEqual({ type: "operator", id: CREATOR, name: "Creator" });

		const theirs = await creator.call("GET", `/guilds/${guildId}/keys`);
		expect(theirs.body.data.keys.map((key: { name: string }) => key.name)).toEqual(["creator's"]);
		const ownersView = await owner.call("GET", `/guilds/${guildId}/keys`);
		expect(ownersView.body.data.keys.map((key: { name: string; created_by: unknown }) => [key.name, key.created_by])).toEqual([
			["admin's", { type: "admin_token", id: null, name: null }],
			["creator's", { type: "operator", id: CREATOR, name: "Creator" }],
		]);

		const foreign = await creator.call("POST", `/guilds/${guildId}/keys/${adminKey.id}/disable`);
		expect(foreign.status).toBe(403);
		expect(foreign.body).toMatchObject({ error: "permission_denied", message: "You may change only the keys you generated in this guild" });
		expect((await creator.call("POST", `/guilds/${guildId}/keys/${made.body.data.api_key.id}/disable`)).status).toBe(200);
		expect((await creator.call("GET", `/guilds/${guildId}/keys/${made.body.data.api_key.id}/usage`)).status).toBe(200);

		const audit = await owner.call("GET", `/guilds/${guildId}/audit`);
		expect(audit.body.data.events.slice(0, 3)).toEqual([
			expect.objectContaining({ event: "disabled", actor: { type: "operator", id: CREATOR, name: "Creator" }, address: "127.0.0.1" }),
			expect.objectContaining({ event: "created", key_id: made.body.data.api_key.id, actor: { type: "operator", id: CREATOR, name: "Creator" } }),
			expect.objectContaining({ event: "created", key_id: adminKey.id, actor: { type: "admin_token" } }),
		]);
		expect(audit.body.data.events.at(-1)).toMatchObject({
			event: "member_added",
			key_id: null,
			actor: { type: "operator", id: OWNER, name: "Owner" },
			details: { discord_user_id: CREATOR, permissions: ["create_keys"] },
		});
	});

	it("suspension: sessions end, the keys turn user_moderated at once, and come back as they were when it is lifted", async () => {
		const active = (await creator.call("POST", `/guilds/${guildId}/keys`, { name: "active" })).body.data;
		const disabled = (await creator.call("POST", `/guilds/${guildId}/keys`, { name: "disabled" })).body.data;
		await creator.call("POST", `/guilds/${guildId}/keys/${disabled.api_key.id}/disable`);
		expect((await banStatus(active.key)).status).toBe(200);

		const suspended = await gateway.admin("POST", `/operators/${CREATOR}/suspend`);
		// Every key they generated, in every guild: the earlier tests' too.
		expect(suspended.body.data).toEqual({
			operator: { discord_user_id: CREATOR, name: "Creator", suspended_at: clock.seconds() },
			keys_changed: expect.any(Number),
		});
		expect(suspended.body.data.keys_changed).toBeGreaterThanOrEqual(2);
		const refused = await banStatus(active.key);
		expect(refused.status).toBe(401);
		expect(refused.body).toMatchObject({ message: "Invalid API key for this guild", error: "key_user_moderated" });
		expect(await statusOf(disabled.api_key.id)).toBe("user_moderated");
		expect((await creator.call("GET", "/me")).status).toBe(401);
		// A suspended operator cannot sign in again, nor suspend anyone themselves.
		const again = await signIn(gateway, discord, CREATOR).catch((err: Error) => err.message);
		expect(again).toMatch(/403.*suspended/);
		expect((await owner.call("POST", `/operators/${CREATOR}/unsuspend`)).status).toBe(403);

		const audit = (await owner.call("GET", `/guilds/${guildId}/audit`)).body.data.events;
		expect(audit.slice(0, 3)).toEqual([
			expect.objectContaining({ event: "operator_suspended", key_id: null, actor: { type: "admin_token" }, address: "127.0.0.1", details: { discord_user_id: CREATOR, name: "Creator" } }),
			expect.objectContaining({ event: "user_moderated", key_id: disabled.api_key.id, actor: { type: "admin_token" }, address: "127.0.0.1" }),
			expect.objectContaining({ event: "user_moderated", key_id: active.api_key.id }),
		]);
		expect((await gateway.admin("POST", "/operators/699999999999999999/suspend")).body).toMatchObject({
			code: 404,
			message: "No operator with this Discord user id has signed in",
		});

		const lifted = await gateway.admin("POST", `/operators/${CREATOR}/unsuspend`);
		expect(lifted.body.data).toMatchObject({ operator: { suspended_at: null }, keys_changed: suspended.body.data.keys_changed });
		expect((await banStatus(active.key)).status).toBe(200);
		expect(await statusOf(disabled.api_key.id)).toBe("disabled");
	});

	it("a member whose create_keys is taken away: their keys turn creator_removed; only a roll brings one back, with the roller as creator", async () => {
		const made = (await creator.call("POST", `/guilds/${guildId}/keys`, { name: "theirs" })).body.data;
		const changed = await owner.call("PATCH", `/guilds/${guildId}/members/${CREATOR}`, { permissions: ["view"] });
		expect(changed.body.data.member).toMatchObject({ discord_user_id: CREATOR, name: "Creator", permissions: ["view"] });
		const refused = await banStatus(made.key);
		expect(refused.body).toMatchObject({ status: "error", code: 401, error: "key_creator_removed" });

		const enable = await owner.call("POST", `/guilds/${guildId}/keys/${made.api_key.id}/enable`);
		expect(enable.status).toBe(409);
		expect(enable.body.error).toBe("key_roll_required");
		const rolled = await owner.call("POST", `/guilds/${guildId}/keys/${made.api_key.id}/roll`, {});
		expect(rolled.body.data.api_key).toMatchObject({ status: "active", created_by: { type: "operator", id: OWNER, name: "Owner" } });
		expect((await banStatus(rolled.body.data.key)).status).toBe(200);
		expect((await banStatus(made.key)).status).toBe(401);
	});

	it("refuses a member body that is not an id and permissions, and a member added twice", async () => {
		const badId = await owner.call("POST", `/guilds/${guildId}/members`, { discord_user_id: "42", permissions: [] });
		expect(badId.body).toMatchObject({ code: 400, error: "bad_request", message: "discord_user_id must be a Discord user id (17-20 digits)" });
		const badPermission = await owner.call("POST", `/guilds/${guildId}/members`, { discord_user_id: MANAGER, permissions: ["ban_everyone"] });
		expect(badPermission.body.message).toBe(
			'Unknown permission "ban_everyone": permissions must be administer_keys, create_keys, moderate, view, manage_members, manage_servers',
		);
		const twice = await owner.call("POST", `/guilds/${guildId}/members`, { discord_user_id: CREATOR, permissions: ["view"] });
		expect(twice.body).toMatchObject({ code: 409, error: "member_exists" });
		expect((await owner.call("PATCH", `/guilds/${guildId}/members/${MANAGER}`, { permissions: ["view"] })).status).toBe(404);
		const listed = await owner.call("GET", `/guilds/${guildId}/members`);
		expect(listed.body.data.members).toEqual([
			{ discord_user_id: CREATOR, name: "Creator", permissions: ["create_keys"], added_by: { type: "operator", id: OWNER, name: "Owner" }, added_at: clock.seconds() },
		]);
	});

	it("removing a member does the same", async () => {
		const made = (await creator.call("POST", `/guilds/${guildId}/keys`)).body.data;
		expect((await owner.call("DELETE", `/guilds/${guildId}/members/${CREATOR}`)).status).toBe(204);
		expect((await banStatus(made.key)).body.error).toBe("key_creator_removed");
		expect((await creator.call("GET", `/guilds/${guildId}/keys`)).status).toBe(403);
	});

	it("Discord says the creator lost Manage Server: the hourly re-read turns their keys creator_removed", async () => {
		discord.setGuilds(MANAGER, [{ id: guildId, name: "Guild", icon: null, owner: false, permissions: "32" }]);
		const manager = await signIn(gateway, discord, MANAGER);
		const made = (await manager.call("POST", `/guilds/${guildId}/keys`)).body.data;
		discord.setGuilds(MANAGER, [{ id: guildId, name: "Guild", icon: null, owner: false, permissions: "2048" }]);

		// Within the hour nothing is read again; past it, the background pass reads every signed-in operator's guilds.
		clock.advance(GUILDS_REREAD_SECONDS - 60);
		await gateway.operators.refreshStale();
		expect((await banStatus(made.key)).status).toBe(200);
		clock.advance(120);
		const reads = discord.calls.get("GET /api/users/@me/guilds") ?? 0;
		await gateway.operators.refreshStale();
		expect(discord.calls.get("GET /api/users/@me/guilds")).toBeGreaterThan(reads);
		expect((await banStatus(made.key)).body.error).toBe("key_creator_removed");
		expect((await manager.call("POST", `/guilds/${guildId}/keys`)).status).toBe(403);
	});

	it("…and so does the next sign-in, at once", async () => {
		discord.setGuilds(MANAGER, [{ id: guildId, name: "Guild", icon: null, owner: false, permissions: "8" }]);
		const manager = await signIn(gateway, discord, MANAGER);
		const made = (await manager.call("POST", `/guilds/${guildId}/keys`)).body.data;
		discord.setGuilds(MANAGER, []);
		await signIn(gateway, discord, MANAGER, manager);
		expect((await banStatus(made.key)).body.error).toBe("key_creator_removed");
	});

	it("the platform operator moderates a key; operators may not; a roll makes it active with the roller as its creator", async () => {
		const made = (await creator.call("POST", `/guilds/${guildId}/keys`)).body.data;
		expect((await owner.call("POST", `/guilds/${guildId}/keys/${made.api_key.id}/moderate`)).body).toMatchObject({
			code: 403,
			error: "permission_denied",
			message: "Only the platform operator (ADMIN_TOKEN) may do this",
		});
		const moderated = await gateway.admin("POST", `/guilds/${guildId}/keys/${made.api_key.id}/moderate`);
		expect(moderated.body.data.api_key.status).toBe("moderated");
		expect((await banStatus(made.key)).body.error).toBe("key_moderated");
		// Unsuspending does not lift a moderation.
		await gateway.admin("POST", `/operators/${CREATOR}/suspend`);
		await gateway.admin("POST", `/operators/${CREATOR}/unsuspend`);
		expect(await statusOf(made.api_key.id)).toBe("moderated");

		const rolled = await gateway.admin("POST", `/guilds/${guildId}/keys/${made.api_key.id}/roll`, {});
		expect(rolled.body.data.api_key).toMatchObject({ status: "active", created_by: { type: "admin_token", id: null, name: null } });
		expect((await banStatus(rolled.body.data.key)).status).toBe(200);
	});

	it("lists the caller's guilds with Discord names and icons, their permissions, key and active ban counts", async () => {
		const made = (await creator.call("POST", `/guilds/${guildId}/keys`)).body.data;
		await gateway.api(`/moderation/${guildId}/roblox/ban`, { method: "POST", headers: { "x-api-key": made.key }, body: banBody(261) });
		const ownersGuilds = await owner.call("GET", "/guilds");
		expect(ownersGuilds.body.data.guilds).toEqual([
			{
				id: guildId,
				name: "Guild",
				icon: "0f0f",
				permissions: ["administer_keys", "create_keys", "moderate", "view", "manage_members", "manage_servers"],
				key_count: 1,
				active_ban_count: 1,
			},
		]);
		const creatorsGuilds = await creator.call("GET", "/guilds");
		// Granted here (and in the earlier tests' guilds), named from the owner's Discord read: the creator's own Discord lists none.
		expect(creatorsGuilds.body.data.guilds).toContainEqual(expect.objectContaining({ id: guildId, name: "Guild", permissions: ["create_keys"] }));
		const adminGuilds = await gateway.admin("GET", "/guilds");
		expect(adminGuilds.body.data.guilds).toContainEqual(expect.objectContaining({ id: guildId, name: "Guild", key_count: 1, active_ban_count: 1 }));
	});
});

describe("re-reading with the kept Discord tokens", () => {
	let discord: FakeDiscord;
	let gateway: TestGateway;
	const clock = fakeClock();
	const guildId = "790000000000000001";

	beforeAll(async () => {
		// Access tokens that expire within the hour, so the hourly re-read must refresh first.
		discord = await startFakeDiscord({ accessTokenSeconds: 1_800 });
		discord.addUser({ id: OWNER, username: "owner", global_name: "Owner", guilds: [{ id: guildId, name: "Guild", icon: null, owner: true, permissions: "0" }] });
		gateway = await startTestGateway(
			{ DISCORD_CLIENT_ID: discord.clientId, DISCORD_CLIENT_SECRET: discord.clientSecret, DISCORD_API_URL: discord.apiUrl },
			{ clock: clock.now },
		);
	});
	afterAll(async () => {
		await gateway?.stop();
		await discord?.close();
	});

	it("refreshes an expired access token before reading the guilds again", async () => {
		const owner = await signIn(gateway, discord, OWNER);
		clock.advance(GUILDS_REREAD_SECONDS + 60);
		expect((await owner.call("GET", "/me")).status).toBe(200);
		const refreshes = discord.calls.get("POST /api/oauth2/token") ?? 0;
		discord.setGuilds(OWNER, [{ id: guildId, name: "Guild renamed", icon: null, owner: true, permissions: "0" }]);
		await gateway.operators.refreshStale();
		expect(discord.calls.get("POST /api/oauth2/token")).toBe(refreshes + 1);
		expect((await owner.call("GET", "/me")).body.data.guilds).toEqual([expect.objectContaining({ id: guildId, name: "Guild renamed" })]);
	});

	it("ends the operator's sessions when Discord no longer accepts their tokens (they deauthorized the app)", async () => {
		const owner = await signIn(gateway, discord, OWNER);
		discord.revokeTokens(OWNER);
		clock.advance(GUILDS_REREAD_SECONDS + 60);
		expect((await owner.call("GET", "/me")).status).toBe(200);
		await gateway.operators.refreshStale();
		expect((await owner.call("GET", "/me")).status).toBe(401);
	});
});
