// test/gateway/operators/operator-store.suite.ts
// The behaviour every OperatorStore must show (SQLite and PostgreSQL): one suite, each backend's file runs it.

import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { OperatorStore } from "../../../gateway/operators/operator-store";

export interface OperatorStoreHarness {
	store: OperatorStore;
	/** Another handle on the same storage, as a second gateway instance would open it. */
	openAnother(): Promise<OperatorStore>;
	destroy(): Promise<void>;
}

const T0 = 1_750_000_000;
const ADA = "111111111111111111";
const BO = "222222222222222222";
const GUILD_A = "123456789012345678";
const GUILD_B = "876543210987654321";

export function describeOperatorStore(name: string, createHarness: () => Promise<OperatorStoreHarness>): void {
	describe(`OperatorStore contract: ${name}`, () => {
		let harness: OperatorStoreHarness;
		let store: OperatorStore;
		beforeEach(async () => {
			harness = await createHarness();
			store = harness.store;
		});
		afterEach(() => harness.destroy());

		it("keeps an operator's name and tokens across sign-ins, and the suspension apart from them", async () => {
			expect(await store.upsertOperator({ id: ADA, name: "ada", sealedTokens: "sealed-1" })).toEqual({
				id: ADA,
				name: "ada",
				suspendedAt: null,
				guildsReadAt: null,
				sealedTokens: "sealed-1",
			});
			expect(await store.setSuspended(ADA, T0)).toBe(true);
			expect(await store.setSuspended(BO, T0)).toBe(false);
			await store.upsertOperator({ id: ADA, name: "Ada L.", sealedTokens: "sealed-2" });
			expect(await store.getOperator(ADA)).toMatchObject({ name: "Ada L.", suspendedAt: T0, sealedTokens: "sealed-2" });
			await store.setSuspended(ADA, null);
			await store.setTokens(ADA, null);
			expect(await store.getOperator(ADA)).toMatchObject({ suspendedAt: null, sealedTokens: null });
			expect(await store.getOperator(BO)).toBeUndefined();
		});

		it("replaces an operator's guilds with what Discord reported, and names guilds from any operator's view", async () => {
			await store.upsertOperator({ id: ADA, name: "ada", sealedTokens: null });
			await store.replaceGuilds(
				ADA,
				[
					{ guildId: GUILD_A, name: "Alpha", icon: "a1b2", owner: true, permissions: "0" },
					{ guildId: GUILD_B, name: "Beta", icon: null, owner: false, permissions: "32" },
				],
				T0,
			);
			expect(await store.guildsOf(ADA)).toEqual([
				{ guildId: GUILD_A, name: "Alpha", icon: "a1b2", owner: true, permissions: "0" },
				{ guildId: GUILD_B, name: "Beta", icon: null, owner: false, permissions: "32" },
			]);
			await store.replaceGuilds(ADA, [{ guildId: GUILD_B, name: "Beta", icon: null, owner: false, permissions: "0" }], T0 + 60);
			expect((await store.guildsOf(ADA)).map((guild) => [guild.guildId, guild.permissions])).toEqual([[GUILD_B, "0"]]);
			expect((await store.getOperator(ADA))?.guildsReadAt).toBe(T0 + 60);
			expect(await store.guildNames([GUILD_A, GUILD_B])).toEqual(new Map([[GUILD_B, { name: "Beta", icon: null }]]));
		});

		it("finds a session by its token hash from another handle, touches it, and ends one or all of an operator's", async () => {
			await store.upsertOperator({ id: ADA, name: "ada", sealedTokens: null });
			const session = { tokenHash: "h1", operatorId: ADA, csrfToken: "c1", createdAt: T0, lastSeenAt: T0 };
			await store.createSession(session);
			await store.createSession({ ...session, tokenHash: "h2", csrfToken: "c2" });
			const other = await harness.openAnother();
			expect(await other.findSession("h1")).toEqual({ session, operator: expect.objectContaining({ id: ADA, name: "ada" }) });
			await other.touchSession("h1", T0 + 30);
			await other.touchSession("h1", T0 + 10);
			expect((await store.findSession("h1"))?.session.lastSeenAt).toBe(T0 + 30);
			await store.deleteSession("h1");
			expect(await other.findSession("h1")).toBeUndefined();
			expect(await other.findSession("h2")).toBeDefined();
			await store.deleteSessionsOf(ADA);
			expect(await other.findSession("h2")).toBeUndefined();
		});

		it("lists operators whose guilds are stale and who were active, and prunes idle and old sessions", async () => {
			for (const id of [ADA, BO]) await store.upsertOperator({ id, name: id, sealedTokens: null });
			await store.replaceGuilds(BO, [], T0);
			await store.createSession({ tokenHash: "a", operatorId: ADA, csrfToken: "c", createdAt: T0, lastSeenAt: T0 + 100 });
			await store.createSession({ tokenHash: "b", operatorId: BO, csrfToken: "c", createdAt: T0, lastSeenAt: T0 + 5 });
			expect((await store.operatorsToRefresh(T0, T0 + 1)).map((operator) => operator.id)).toEqual([ADA, BO]);
			expect((await store.operatorsToRefresh(T0, T0)).map((operator) => operator.id)).toEqual([ADA]);
			expect((await store.operatorsToRefresh(T0 + 50, T0 + 1)).map((operator) => operator.id)).toEqual([ADA]);
			await store.pruneSessions(T0 + 10, T0 - 1);
			expect(await store.findSession("b")).toBeUndefined();
			expect(await store.findSession("a")).toBeDefined();
			await store.pruneSessions(0, T0 + 1);
			expect(await store.findSession("a")).toBeUndefined();
		});

		it("adds members once, names them once they signed in, changes and removes them", async () => {
			const addedBy = { type: "operator" as const, id: ADA, name: "ada" };
			expect(await store.addMember({ guildId: GUILD_A, discordUserId: BO, permissions: ["create_keys"], addedBy, addedAt: T0 })).toBe(true);
			expect(await store.addMember({ guildId: GUILD_A, discordUserId: BO, permissions: ["view"], addedBy, addedAt: T0 + 1 })).toBe(false);
			await store.addMember({ guildId: GUILD_B, discordUserId: BO, permissions: ["view", "moderate"], addedBy: { type: "admin_token" }, addedAt: T0 + 2 });
			expect(await store.listMembers(GUILD_A)).toEqual([
				{ guildId: GUILD_A, discordUserId: BO, name: null, permissions: ["create_keys"], addedBy, addedAt: T0 },
			]);
			await store.upsertOperator({ id: BO, name: "bo", sealedTokens: null });
			expect((await store.getMember(GUILD_A, BO))?.name).toBe("bo");
			expect(await store.grantsOf(BO)).toEqual(
				new Map([
					[GUILD_A, ["create_keys"]],
					[GUILD_B, ["view", "moderate"]],
				]),
			);
			expect(await store.updateMember(GUILD_A, BO, ["administer_keys"])).toBe(true);
			expect(await store.updateMember(GUILD_A, ADA, ["view"])).toBe(false);
			expect((await store.getMember(GUILD_A, BO))?.permissions).toEqual(["administer_keys"]);
			expect(await store.deleteMember(GUILD_A, BO)).toBe(true);
			expect(await store.deleteMember(GUILD_A, BO)).toBe(false);
			expect(await store.listMembers(GUILD_A)).toEqual([]);
		});
	});
}
