// test/gateway/moderation/ban-status-cache.test.ts
// The gateway's ban-status cache on a fake clock: lifetimes, ban ends, races with bans, bounds.

import { describe, expect, it } from "vitest";
import { BanStatusCache } from "../../../gateway/moderation/ban-status-cache";

const GUILD = "123456789012345678";

describe("BanStatusCache", () => {
	let now = 1_000_000;
	const cache = () => new BanStatusCache({ ttlSeconds: 30, clock: () => now });

	it("serves an answer for its lifetime, and no longer than the ban it shows", () => {
		const c = cache();
		c.store(c.beginRead(), GUILD, "1", "", "clear");
		c.store(c.beginRead(), GUILD, "2", "", "banned", now / 1000 + 5);
		expect(c.get(GUILD, "1", "")).toEqual({ body: "clear", maxAge: 30 });
		expect(c.get(GUILD, "2", "")).toEqual({ body: "banned", maxAge: 5 });
		now += 6_000;
		expect(c.get(GUILD, "2", "")).toBeUndefined();
		now += 25_000;
		expect(c.get(GUILD, "1", "")).toBeUndefined();
	});

	it("drops a whole guild at once (an import), refusing reads begun before, and keeps other guilds", () => {
		const c = cache();
		const other = "876543210987654321";
		c.store(c.beginRead(), GUILD, "5", "", "clear");
		c.store(c.beginRead(), other, "5", "", "clear");
		const before = c.beginRead();
		c.invalidateGuild(GUILD);
		c.store(before, GUILD, "6", "", "stale clear");
		expect(c.get(GUILD, "5", "")).toBeUndefined();
		expect(c.get(GUILD, "6", "")).toBeUndefined();
		expect(c.get(other, "5", "")).toEqual({ body: "clear", maxAge: 30 });
		c.store(c.beginRead(), GUILD, "6", "", "banned");
		expect(c.get(GUILD, "6", "")).toEqual({ body: "banned", maxAge: 30 });
	});

	it("refuses an answer whose read began before a ban of that user", () => {
		const c = cache();
		const ticket = c.beginRead();
		c.invalidate(GUILD, "3");
		c.store(ticket, GUILD, "3", "", "stale clear");
		expect(c.get(GUILD, "3", "")).toBeUndefined();
	});

	it("keeps at most 32 places per user, dropping the oldest", () => {
		const c = cache();
		for (let place = 1; place <= 40; place++) c.store(c.beginRead(), GUILD, "4", String(place), `place ${place}`);
		expect(c.get(GUILD, "4", "1")).toBeUndefined();
		expect(c.get(GUILD, "4", "8")).toBeUndefined();
		expect(c.get(GUILD, "4", "9")?.body).toBe("place 9");
		expect(c.get(GUILD, "4", "40")?.body).toBe("place 40");
	});
});
