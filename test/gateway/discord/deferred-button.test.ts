// test/gateway/discord/deferred-button.test.ts
// A history button pressed while the data store stops answering: the press is deferred, and the failure reaches the presser alone as an ephemeral follow-up.

import http from "node:http";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { InteractionResponseType, MessageFlags, PermissionFlagsBits } from "discord-api-types/v10";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startDataStore, type RunningDataStore } from "../../../gateway/data-store/server";
import { startFakeDiscord, type FakeDiscord, type InteractingMember } from "../../fakes/discord";
import { startFakeRoblox, type FakeRoblox } from "../../fakes/roblox-users";
import { GUILD_A, startTestGateway, type TestGateway } from "../harness";

const STAFF: InteractingMember = { guildId: GUILD_A, user: { id: "300000000000000001", username: "alice", global_name: "Alice" }, permissions: String(PermissionFlagsBits.Administrator) };
const INTERNAL_TOKEN = "internal-token-for-tests-0123456789";

describe("a history button whose page cannot be read in time", () => {
	let discord: FakeDiscord;
	let roblox: FakeRoblox;
	let dataDir: string;
	let store: RunningDataStore | undefined;
	let silentStore: http.Server | undefined;
	let gateway: TestGateway;

	beforeAll(async () => {
		discord = await startFakeDiscord();
		roblox = await startFakeRoblox();
		roblox.add({ id: 156, name: "builderman", displayName: "Builderman" });
		dataDir = await mkdtemp(path.join(os.tmpdir(), "discord-button-"));
		store = await startDataStore({ dataDir, internalToken: INTERNAL_TOKEN });
		gateway = await startTestGateway(
			{
				DATA_STORE_URL: store.url,
				DATA_STORE_TOKEN: INTERNAL_TOKEN,
				...discord.gatewayEnv,
				ROBLOX_USERS_URL: roblox.url,
				ROBLOX_THUMBNAILS_URL: roblox.url,
				OUTBOUND_ALLOW_LOOPBACK: "true",
			},
			// Longer than the gateway waits before deferring (1.5 s), so the press is deferred first.
			{ upstreamTimeoutMs: 2_500 },
		);
	});
	afterAll(async () => {
		await gateway.stop();
		silentStore?.closeAllConnections();
		await new Promise((resolve) => (silentStore === undefined ? resolve(undefined) : silentStore.close(resolve)));
		await store?.close();
		await rm(dataDir, { recursive: true, force: true });
		await roblox.close();
		await discord.close();
	});

	it("leaves the shared page as it was and tells the presser alone, in an ephemeral follow-up", async () => {
		const endpoint = `${gateway.url}/discord/interactions`;
		// Six records: the first page has an enabled "Older" button.
		for (let at = 0; at < 6; at += 1) await discord.interact(endpoint, discord.slashCommand(STAFF, "ban", { user: "builderman", reason: `Ban ${at}`, duration: "1h" }));
		const page = await discord.interact(endpoint, discord.slashCommand(STAFF, "history", { user: "builderman" }));
		const older = page.body.data.components[0].components[1];
		expect(older).toMatchObject({ label: "Older", disabled: false });

		// The data store's port now takes connections and never answers.
		const port = Number(new URL(store!.url).port);
		await store!.close();
		store = undefined;
		silentStore = http.createServer(() => {});
		await new Promise<void>((resolve) => silentStore!.listen(port, "127.0.0.1", resolve));

		const press = discord.buttonPress(STAFF, older.custom_id, page.body.data);
		const first = await discord.interact(endpoint, press);
		expect(first.body).toEqual({ type: InteractionResponseType.DeferredMessageUpdate });
		await expect.poll(() => discord.followUps.filter((followUp) => followUp.token === press.token), { timeout: 10_000, interval: 100 }).toHaveLength(1);
		const [followUp] = discord.followUps.filter((sent) => sent.token === press.token);
		expect(followUp.body.flags).toBe(MessageFlags.Ephemeral);
		expect(followUp.body.content).toMatch(/The ban store did not answer in time/);
		expect(discord.edits.filter((edit) => edit.token === press.token)).toEqual([]);
	}, 30_000);
});
