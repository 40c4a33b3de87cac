// test/gateway/operators/permission-matrix.test.ts
// Each way of holding permissions (admin token, Discord owner, Administrator, Manage Server, each grant alone, none) × each admin route → allowed or 403.

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PERMISSIONS, type Permission } from "../../../gateway/operators/access";
import { startFakeDiscord, type FakeDiscord, type FakeGuild } from "../../fakes/discord";
import { startTestGateway, type TestGateway, type TestResponse } from "../harness";
import { signIn, type OperatorClient } from "./operator-client";

/** Someone signed in who is the target of suspend/unsuspend: only the platform operator may. */
const BYSTANDER = "400000000000000099";
const TARGET_MEMBER = "400000000000000098";

interface Subject {
	name: string;
	/** Discord user id (undefined: the admin token). */
	userId?: string;
	guildId: string;
	/** How Discord reports the subject's guild, if they are in it. */
	discord?: Pick<FakeGuild, "owner" | "permissions">;
	/** What a member with manage_members granted them. */
	granted?: Permission[];
	/** What they may do there. */
	holds: readonly Permission[] | "platform";
}

let guildSeq = 0;
const guild = () => `5000000000000000${String(++guildSeq).padStart(2, "0")}`;
let userSeq = 0;
const user = () => `4000000000000000${String(++userSeq).padStart(2, "0")}`;

const SUBJECTS: Subject[] = [
	{ name: "the admin token", guildId: guild(), holds: "platform" },
	{ name: "the Discord owner", userId: user(), guildId: guild(), discord: { owner: true, permissions: "0" }, holds: PERMISSIONS },
	{ name: "a holder of Administrator (0x8)", userId: user(), guildId: guild(), discord: { owner: false, permissions: "8" }, holds: PERMISSIONS },
	{ name: "a holder of Manage Server (0x20)", userId: user(), guildId: guild(), discord: { owner: false, permissions: "32" }, holds: PERMISSIONS },
	// Send Messages, Kick Members, Ban Members, Manage Channels: not the right bits.
	{ name: "a member with other Discord permissions", userId: user(), guildId: guild(), discord: { owner: false, permissions: String(0x800 | 0x2 | 0x4 | 0x10) }, holds: [] },
	...PERMISSIONS.map((permission): Subject => ({ name: `a member granted only ${permission}`, userId: user(), guildId: guild(), granted: [permission], holds: [permission] })),
	{ name: "a member granted nothing", userId: user(), guildId: guild(), granted: [], holds: [] },
];

interface Context {
	guildId: string;
	keyId: string;
	call(method: string, path: string, body?: unknown): Promise<TestResponse>;
}

/** In an order where each route still has something to act on: reads, changes, then revoke and delete. */
const ROUTES: {
	route: string;
	needs: readonly Permission[] | "platform";
	run(ctx: Context): Promise<TestResponse>;
	/** What the route answers when allowed, if not a 2xx (acting on something that does not exist). */
	allowedStatus?: number;
}[] = [
	{ route: "GET keys", needs: ["view", "administer_keys", "create_keys"], run: (c) => c.call("GET", `/guilds/${c.guildId}/keys`) },
	{ route: "GET key usage", needs: ["view", "administer_keys"], run: (c) => c.call("GET", `/guilds/${c.guildId}/keys/${c.keyId}/usage`) },
	{ route: "GET audit", needs: ["administer_keys"], run: (c) => c.call("GET", `/guilds/${c.guildId}/audit`) },
	{ route: "POST keys", needs: ["create_keys"], run: (c) => c.call("POST", `/guilds/${c.guildId}/keys`, { name: "new" }) },
	{ route: "PATCH key", needs: ["administer_keys"], run: (c) => c.call("PATCH", `/guilds/${c.guildId}/keys/${c.keyId}`, { name: "renamed" }) },
	{ route: "disable key", needs: ["administer_keys"], run: (c) => c.call("POST", `/guilds/${c.guildId}/keys/${c.keyId}/disable`) },
	{ route: "enable key", needs: ["administer_keys"], run: (c) => c.call("POST", `/guilds/${c.guildId}/keys/${c.keyId}/enable`) },
	{ route: "roll key", needs: ["administer_keys"], run: (c) => c.call("POST", `/guilds/${c.guildId}/keys/${c.keyId}/roll`, {}) },
	{ route: "moderate key", needs: "platform", run: (c) => c.call("POST", `/guilds/${c.guildId}/keys/${c.keyId}/moderate`) },
	{ route: "revoke key", needs: ["administer_keys"], run: (c) => c.call("POST", `/guilds/${c.guildId}/keys/${c.keyId}/revoke`) },
	{ route: "DELETE key", needs: ["administer_keys"], run: (c) => c.call("DELETE", `/guilds/${c.guildId}/keys/${c.keyId}`) },
	{ route: "GET members", needs: ["manage_members"], run: (c) => c.call("GET", `/guilds/${c.guildId}/members`) },
	{
		route: "POST members",
		needs: ["manage_members"],
		run: (c) => c.call("POST", `/guilds/${c.guildId}/members`, { discord_user_id: "400000000000000097", permissions: ["view"] }),
	},
	{ route: "PATCH member", needs: ["manage_members"], run: (c) => c.call("PATCH", `/guilds/${c.guildId}/members/${TARGET_MEMBER}`, { permissions: ["moderate"] }) },
	{ route: "DELETE member", needs: ["manage_members"], run: (c) => c.call("DELETE", `/guilds/${c.guildId}/members/${TARGET_MEMBER}`) },
	{ route: "suspend operator", needs: "platform", run: (c) => c.call("POST", `/operators/${BYSTANDER}/suspend`) },
	{ route: "unsuspend operator", needs: "platform", run: (c) => c.call("POST", `/operators/${BYSTANDER}/unsuspend`) },
	{ route: "GET moderation status", needs: ["view", "moderate"], run: (c) => c.call("GET", `/guilds/${c.guildId}/moderation/status/261`) },
	{ route: "GET moderation history", needs: ["view", "moderate"], run: (c) => c.call("GET", `/guilds/${c.guildId}/moderation/history/261`) },
	{ route: "GET moderation bans", needs: ["view", "moderate"], run: (c) => c.call("GET", `/guilds/${c.guildId}/moderation/bans`) },
	{
		route: "POST moderation ban",
		needs: ["moderate"],
		run: (c) => c.call("POST", `/guilds/${c.guildId}/moderation/ban`, { roblox_id: 261, reason: "Exploiting" }),
	},
	{ route: "POST moderation unban", needs: ["moderate"], run: (c) => c.call("POST", `/guilds/${c.guildId}/moderation/unban`, { roblox_id: 261 }) },
	{ route: "GET webhooks", needs: ["administer_keys"], run: (c) => c.call("GET", `/guilds/${c.guildId}/webhooks`) },
	{ route: "DELETE webhook", needs: ["administer_keys"], run: (c) => c.call("DELETE", `/guilds/${c.guildId}/webhooks/no-such-hook`), allowedStatus: 404 },
	{ route: "GET experiences", needs: ["administer_keys"], run: (c) => c.call("GET", `/guilds/${c.guildId}/experiences`) },
	{ route: "DELETE experience", needs: ["administer_keys"], run: (c) => c.call("DELETE", `/guilds/${c.guildId}/experiences/1`), allowedStatus: 404 },
	{ route: "GET servers", needs: ["view", "manage_servers"], run: (c) => c.call("GET", `/guilds/${c.guildId}/servers`) },
	// No server of the subject's guild is live: allowed means past the permission check, to the 404.
	{
		route: "POST servers command",
		needs: ["manage_servers"],
		run: (c) => c.call("POST", `/guilds/${c.guildId}/servers/commands`, { kind: "message", job_id: null, text: "Restarting soon" }),
		allowedStatus: 404,
	},
	{ route: "GET me", needs: [], run: (c) => c.call("GET", "/me") },
	{ route: "GET guilds", needs: [], run: (c) => c.call("GET", "/guilds") },
];

function allowed(subject: Subject, needs: readonly Permission[] | "platform"): boolean {
	if (subject.holds === "platform") return true;
	if (needs === "platform") return false;
	const holds = subject.holds;
	return needs.length === 0 || needs.some((permission) => holds.includes(permission));
}

describe("the permission matrix", { timeout: 60_000 }, () => {
	let discord: FakeDiscord;
	let gateway: TestGateway;
	const clients = new Map<string, OperatorClient>();

	beforeAll(async () => {
		discord = await startFakeDiscord();
		gateway = await startTestGateway({ DISCORD_CLIENT_ID: discord.clientId, DISCORD_CLIENT_SECRET: discord.clientSecret, DISCORD_API_URL: discord.apiUrl });
		discord.addUser({ id: BYSTANDER, username: "bystander", global_name: null, guilds: [] });
		await signIn(gateway, discord, BYSTANDER);
		for (const subject of SUBJECTS) {
			if (subject.userId === undefined) continue;
			const guilds = subject.discord === undefined ? [] : [{ id: subject.guildId, name: subject.name, icon: null, ...subject.discord }];
			discord.addUser({ id: subject.userId, username: subject.name, global_name: null, guilds });
			if (subject.granted !== undefined) {
				const added = await gateway.admin("POST", `/guilds/${subject.guildId}/members`, { discord_user_id: subject.userId, permissions: subject.granted });
				expect(added.status).toBe(201);
			}
			clients.set(subject.userId, await signIn(gateway, discord, subject.userId));
		}
	});
	afterAll(async () => {
		await gateway?.stop();
		await discord?.close();
	});

	it.each(SUBJECTS.map((subject) => [subject.name, subject] as const))("%s", async (_name, subject) => {
		const { id: keyId } = await gateway.createKey(subject.guildId, { name: "admin's key" });
		await gateway.admin("POST", `/guilds/${subject.guildId}/members`, { discord_user_id: TARGET_MEMBER, permissions: ["view"] });
		const client = subject.userId === undefined ? undefined : clients.get(subject.userId)!;
		const ctx: Context = {
			guildId: subject.guildId,
			keyId,
			call: (method, path, body) => (client === undefined ? gateway.admin(method, path, body) : client.call(method, path, body)),
		};
		const outcomes: string[] = [];
		const expected: string[] = [];
		for (const { route, needs, run, allowedStatus } of ROUTES) {
			const answer = await run(ctx);
			const answered = answer.status < 300 || answer.status === allowedStatus;
			const outcome =
				answer.status === 403 && answer.body.error === "permission_denied" ? "403" : answered ? "allowed" : `${answer.status} ${answer.body.error}`;
			outcomes.push(`${route}: ${outcome}`);
			expected.push(`${route}: ${allowed(subject, needs) ? "allowed" : "403"}`);
		}
		expect(outcomes).toEqual(expected);
	});
});
