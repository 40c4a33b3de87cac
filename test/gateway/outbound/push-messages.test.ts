// test/gateway/outbound/push-messages.test.ts
// The push's messages and rate on their own: what fits 1,024 characters, what is cut, and how many messages a minute go to a universe.

import { describe, expect, it } from "vitest";
import { pushBatches, type PushItem } from "../../../gateway/outbound/experiences/open-cloud-messaging";
import { UniverseRate, publishesPerMinute } from "../../../gateway/outbound/experiences/push-publisher";
import type { ModerationEvent, PushMessage } from "../../../shared/records";

const GUILD = "123456789012345678";

const ban = (id: number, reason: string): PushItem => ({
	seq: id,
	change: {
		id,
		event: "ban",
		roblox_id: String(1_000_000_000 + id),
		place_id: null,
		ban_info: { reason, banned_by: "12345678", created_at: 1_796_620_000, expires_at: null, is_permanent: true, place_id: null },
		job_id: null,
		at: 1_796_620_000,
	},
});

const read = (message: string) => JSON.parse(message) as PushMessage;
const reasonOf = (event: ModerationEvent) => event.ban_info?.reason ?? event.command?.reason ?? "";

describe("push messages", () => {
	it("keeps a change whole when it fits, with the documented shape", () => {
		const [batch] = pushBatches(GUILD, [ban(7, "Exploiting")]);
		expect(batch.count).toBe(1);
		expect(read(batch.message)).toEqual({ v: 1, guild: GUILD, seq: 7, events: [ban(7, "Exploiting").change] });
	});

	it("cuts a 500-character reason of one change just enough to fit, counting bytes of non-ASCII text", () => {
		const reason = "é".repeat(500);
		const [batch] = pushBatches(GUILD, [ban(1, reason)]);
		expect(Buffer.byteLength(batch.message)).toBeLessThanOrEqual(1_024);
		const cut = reasonOf(read(batch.message).events[0]);
		expect(cut.endsWith("…")).toBe(true);
		// As long as fits: one more character would not.
		expect(Buffer.byteLength(batch.message) + 2).toBeGreaterThan(1_024);
		expect(cut.length).toBeGreaterThan(300);
	});

	it("a change that fits no message goes as its sequence alone, so servers poll for it", () => {
		const huge = ban(5, "x");
		huge.change!.job_id = "j".repeat(2_000);
		const batches = pushBatches(GUILD, [ban(4, "Exploiting"), huge, ban(6, "Exploiting")]);
		const messages = batches.map((batch) => read(batch.message));
		expect(messages.map((message) => [message.seq, message.events.map((event) => event.id)])).toEqual([
			[4, [4]],
			[5, []],
			[6, [6]],
		]);
	});

	it("a first publish moves the sequence without an event", () => {
		const batches = pushBatches(GUILD, [{ seq: 9, change: undefined }]);
		expect(batches.map((batch) => read(batch.message))).toEqual([{ v: 1, guild: GUILD, seq: 9, events: [] }]);
	});

	it("keeps every change, in order, across as few contiguous messages as fit", () => {
		const items = Array.from({ length: 20 }, (_, index) => ban(index + 1, `reason number ${index + 1} `.repeat(20)));
		const batches = pushBatches(GUILD, items);
		expect(batches.reduce((sum, batch) => sum + batch.count, 0)).toBe(20);
		const messages = batches.map((batch) => read(batch.message));
		expect(messages.flatMap((message) => message.events.map((event) => event.id))).toEqual(items.map((item) => item.seq));
		for (const [index, batch] of batches.entries()) {
			expect(Buffer.byteLength(batch.message)).toBeLessThanOrEqual(1_024);
			expect(messages[index].seq).toBe(messages[index].events.at(-1)!.id);
			// Reasons are cut to 20 characters at the least before a split.
			for (const event of messages[index].events) expect(reasonOf(event).length).toBeGreaterThanOrEqual(20);
		}
		// Each message but the last could not have taken the next change too.
		let start = 0;
		for (const batch of batches.slice(0, -1)) {
			expect(pushBatches(GUILD, items.slice(start, start + batch.count + 1))).toHaveLength(2);
			start += batch.count;
		}
		expect(batches.length).toBeGreaterThan(1);
	});
});

describe("Roblox's publish rate", () => {
	it("is 50 + 5 × players a minute", () => {
		expect(publishesPerMinute(0)).toBe(50);
		expect(publishesPerMinute(20)).toBe(150);
	});

	it("lets no 60 s window hold more than the rate, and says when the next may go", () => {
		const rate = new UniverseRate();
		for (let i = 0; i < 50; i++) expect(rate.take("1", 50, 1_000 + i * 100)).toBe(0);
		expect(rate.take("1", 50, 10_000)).toBe(51_000);
		// Another universe has its own minute.
		expect(rate.take("2", 50, 10_000)).toBe(0);
		expect(rate.take("1", 50, 61_000)).toBe(0);
	});

	it("holds a universe for Open Cloud's Retry-After", () => {
		const rate = new UniverseRate();
		rate.hold("1", 5_000);
		expect(rate.take("1", 50, 4_000)).toBe(1_000);
		expect(rate.take("1", 50, 5_000)).toBe(0);
	});
});
