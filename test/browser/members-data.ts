// test/browser/members-data.ts
// The gateway and the real-length members of the Chromium suites that check every page: the fakes of Roblox and Discord, an owner and members with Discord's longest names and ids, every permission granted.

import { expect } from "vitest";
import { PERMISSIONS } from "../../shared/records";
import type { FakeDiscord, FakeGuild } from "../fakes/discord";
import type { FakeRoblox } from "../fakes/roblox-users";
import { startTestGateway, type TestGateway } from "../gateway/harness";
import { signIn } from "../gateway/operators/operator-client";

/** Discord user ids are snowflakes of 17 to 20 digits; these are 20. */
/** A gateway whose names come from the fake Roblox and whose sign-in is the fake Discord, as the every-page suites need. */
export function startGatewayWithFakes(roblox: FakeRoblox, discord: FakeDiscord): Promise<TestGateway> {
	return startTestGateway({
		ROBLOX_USERS_URL: roblox.url,
		ROBLOX_THUMBNAILS_URL: roblox.url,
		OUTBOUND_ALLOW_LOOPBACK: "true",
		DISCORD_CLIENT_ID: discord.clientId,
		DISCORD_CLIENT_SECRET: discord.clientSecret,
		DISCORD_API_URL: discord.apiUrl,
	});
}

export const OWNER_ID = "18446744073709551601";
/** Discord allows 32 characters in a username and in a display name (global_name). */
const MEMBERS = [
	{ id: "18446744073709551602", username: "w".repeat(32), global_name: "W".repeat(32) },
	{ id: "18446744073709551603", username: "moderator_of_the_main_game_lobby", global_name: "Moderator of the main game lobby" },
	{ id: "18446744073709551604", username: "abcdefghijklmnopqrstuvwxyz_01234", global_name: null },
] as const;
/** Added but never signed in: the gateway knows their id alone. */
const NEVER_SIGNED_IN = "18446744073709551605";

/**
 * The owner (a 32-character display name) adds the members with every permission, then they sign in once
 * so the gateway learns their names. Returns the ids listed on the Members page.
 */
export async function addRealLengthMembers(gateway: TestGateway, discord: FakeDiscord, guild: FakeGuild): Promise<string[]> {
	discord.addUser({ id: OWNER_ID, username: "o".repeat(32), global_name: "Owner of the Golden Ratio Server", guilds: [{ ...guild, owner: true }] });
	for (const member of MEMBERS) discord.addUser({ ...member, guilds: [{ ...guild, owner: false }] });
	const owner = await signIn(gateway, discord, OWNER_ID);
	const ids = [...MEMBERS.map((member) => member.id), NEVER_SIGNED_IN];
	for (const id of ids) {
		expect((await owner.call("POST", `/guilds/${guild.id}/members`, { discord_user_id: id, permissions: PERMISSIONS })).status).toBe(201);
	}
	for (const member of MEMBERS) await signIn(gateway, discord, member.id);
	return ids;
}

/** A JobId as long as the gateway takes (64 letters, digits or hyphens), and a GUID as Roblox's are. */
export const LIVE_JOB_IDS = [`${"0123456789abcdef".repeat(3)}-${"f".repeat(15)}`, "5d2a8c4e-1b7f-4e0a-9c3d-2f6b8a1e7c90"] as const;

/**
 * Two live servers for the Servers page, with the largest place id and player count: one long-polling (Technified's
 * heartbeat), one pushed through Roblox (the keyed heartbeat). Heartbeats are written before they answer; each lasts 90 s.
 */
export async function makeServersLive(gateway: TestGateway, guildId: string, key: string): Promise<void> {
	const [longest, guid] = LIVE_JOB_IDS;
	const polling = await gateway.api("/roblox/servers/heartbeat", {
		method: "POST",
		headers: { "x-api-key": key },
		body: { guildId, serverId: longest, placeId: "9007199254740991", universeId: 9_007_199_254_740_991, playerCount: 1_000 },
	});
	expect(polling.status).toBe(200);
	const pushed = await gateway.api(`/moderation/${guildId}/servers/heartbeat`, {
		method: "POST",
		headers: { "x-api-key": key },
		body: { job_id: guid, place_id: 9_007_199_254_740_990, universe_id: 1818, players: 700 },
	});
	expect(pushed.status).toBe(200);
}
