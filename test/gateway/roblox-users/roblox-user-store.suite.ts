// test/gateway/roblox-users/roblox-user-store.suite.ts
// The behaviour every RobloxUserStore must show (SQLite and PostgreSQL): one suite, each backend's file runs it.

import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { RobloxUserStore } from "../../../gateway/roblox-users/roblox-user-store";
import type { StoreHarness } from "../platform/db/test-databases";

const T0 = 1_750_000_000_000;
const BUILDERMAN = { id: 156, name: "builderman", displayName: "Builderman", avatarUrl: "https://tr.rbxcdn.com/a/150/150/AvatarHeadshot/Png/noFilter", learntAt: T0 };

export function describeRobloxUserStore(name: string, createHarness: () => Promise<StoreHarness<RobloxUserStore>>): void {
	describe(`RobloxUserStore contract: ${name}`, () => {
		let harness: StoreHarness<RobloxUserStore>;
		let store: RobloxUserStore;
		beforeEach(async () => {
			harness = await createHarness();
			store = harness.store;
		});
		afterEach(() => harness.destroy());

		it("keeps users and the usernames asked for, with when each was learnt, for every instance", async () => {
			const gone = { id: 2, name: null, displayName: null, avatarUrl: null, learntAt: T0 };
			await store.learn([BUILDERMAN, gone], [
				{ username: "builderman", userId: 156, learntAt: T0 },
				{ username: "nobody_here", userId: null, learntAt: T0 },
			]);
			const other = await harness.openAnother();
			expect((await other.usersById([156, 2, 3])).sort((a, b) => a.id - b.id)).toEqual([gone, BUILDERMAN]);
			expect((await other.usernames(["builderman", "nobody_here", "unasked"])).sort((a, b) => a.username.localeCompare(b.username))).toEqual([
				{ username: "builderman", userId: 156, learntAt: T0 },
				{ username: "nobody_here", userId: null, learntAt: T0 },
			]);
			expect(await store.usersById([])).toEqual([]);
			expect(await store.usernames([])).toEqual([]);
		});

		it("finds users by the start of their name, in any case, shortest first, with _ and % taken literally", async () => {
			const named = (id: number, name: string | null) => ({ ...BUILDERMAN, id, name, displayName: name });
			await store.learn([BUILDERMAN, named(2, "Build"), named(3, "builder_one"), named(4, "builderXone"), named(5, null), named(6, "rebuild")], []);
			const other = await harness.openAnother();
			expect((await other.usersNamedLike("BUILD", 10)).map((user) => user.name)).toEqual(["Build", "builderman", "builderXone", "builder_one"]);
			expect((await other.usersNamedLike("builder_", 10)).map((user) => user.name)).toEqual(["builder_one"]);
			expect(await other.usersNamedLike("%", 10)).toEqual([]);
			expect((await other.usersNamedLike("b", 2)).map((user) => user.name)).toEqual(["Build", "builderman"]);
		});

		it("replaces what was known when learnt again, and forgets what is older than asked", async () => {
			await store.learn([BUILDERMAN], [{ username: "builderman", userId: 156, learntAt: T0 }]);
			const renamed = { ...BUILDERMAN, name: "builderman2", displayName: "Builder", learntAt: T0 + 1_000 };
			await store.learn([renamed, { ...BUILDERMAN, id: 7, learntAt: T0 + 5_000 }], [{ username: "builderman", userId: 7, learntAt: T0 + 5_000 }]);
			expect(await store.usersById([156])).toEqual([renamed]);
			expect(await store.usernames(["builderman"])).toEqual([{ username: "builderman", userId: 7, learntAt: T0 + 5_000 }]);
			expect(await store.forgetBefore(T0 + 2_000)).toBe(1);
			expect(await store.usersById([156, 7])).toEqual([{ ...BUILDERMAN, id: 7, learntAt: T0 + 5_000 }]);
		});
	});
}
