// test/gateway/discord/interaction-claims.test.ts
// The InteractionClaims stores on SQLite and PostgreSQL: an id is claimed once, also from another connection, and old claims are forgotten.

import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { InteractionClaims } from "../../../gateway/discord/interaction-claims";
import { storeHarness, type StoreHarness } from "../platform/db/test-databases";

describe.each(["sqlite", "postgres"] as const)("InteractionClaims on %s", (dialect) => {
	let harness: StoreHarness<InteractionClaims>;
	beforeEach(async () => {
		harness = await storeHarness(dialect, "discord_claims", (stores) => stores.interactionClaims);
	});
	afterEach(() => harness.destroy());

	it("claims an id once, whichever connection asks second", async () => {
		const other = await harness.openAnother();
		expect(await harness.store.claim("1300000000000000001", 1_000)).toBe(true);
		expect(await other.claim("1300000000000000001", 2_000)).toBe(false);
		expect(await harness.store.claim("1300000000000000001", 3_000)).toBe(false);
		expect(await other.claim("1300000000000000002", 3_000)).toBe(true);
	});

	it("forgets claims made before a time, keeping the later ones", async () => {
		await harness.store.claim("1300000000000000001", 1_000);
		await harness.store.claim("1300000000000000002", 5_000);
		await harness.store.forgetBefore(2_000);
		expect(await harness.store.claim("1300000000000000001", 6_000)).toBe(true);
		expect(await harness.store.claim("1300000000000000002", 6_000)).toBe(false);
	});
});
