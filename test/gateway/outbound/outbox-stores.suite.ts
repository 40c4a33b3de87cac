// test/gateway/outbound/outbox-stores.suite.ts
// The behaviour the outbox's stores must show on either backend: webhooks, experience links, the delivery queue, cursors and key notices.

import { randomUUID } from "node:crypto";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { GatewayStores } from "../../../gateway/backends";
import type { AuditDraft, StoredKey } from "../../../gateway/keys/key-store";
import type { StoredExperience } from "../../../gateway/outbound/experiences/experience-store";
import type { OutboxEvent } from "../../../gateway/outbound/queue/outbox-events";
import type { ModerationEvent } from "../../../shared/records";
import type { StoredWebhook } from "../../../gateway/outbound/webhooks/webhook-store";
import { storedKey } from "../keys/fixtures";
import type { StoreHarness } from "../platform/db/test-databases";

/** Every store's clock stands here (ms): deliveries are due from it. */
export const NOW = 1_750_000_000_000;
const T = NOW / 1000;
const GUILD_A = "123456789012345678";
const GUILD_B = "876543210987654321";

const audit = (event: AuditDraft["event"]): AuditDraft => ({ event, actor: { type: "admin_token" }, address: "203.0.113.5", at: T, details: {} });

const webhook = (fields: Partial<StoredWebhook> = {}): StoredWebhook => ({
	id: `wh_${randomUUID().replaceAll("-", "")}`,
	guildId: GUILD_A,
	url: "https://hooks.example.com/a",
	events: ["ban.created", "key.created"],
	format: "standard",
	enabled: true,
	sealedSecret: "sealed",
	createdAt: T,
	...fields,
});

const experience = (fields: Partial<StoredExperience> = {}): StoredExperience => ({
	guildId: GUILD_A,
	universeId: "4242",
	sealedKey: "sealed-key",
	keyPrefix: "oc_abcde",
	excludeAltAccounts: false,
	status: "ok",
	lastError: null,
	lastMirroredAt: null,
	createdAt: T,
	pushStatus: "unknown",
	pushError: null,
	lastPushedAt: null,
	...fields,
});

/** A change as the events route lists it. */
const change = (id: number, reason = "Exploiting"): ModerationEvent => ({
	id,
	event: "ban",
	roblox_id: String(100 + id),
	place_id: null,
	ban_info: { reason, banned_by: "7", created_at: T, expires_at: null, is_permanent: true, place_id: null },
	job_id: null,
	at: T,
});

const event = (type: OutboxEvent["type"], guildId = GUILD_A): OutboxEvent => ({ guildId, type, at: NOW - 5_000, data: { guild_id: guildId } });

const key = (fields: Partial<StoredKey> = {}): StoredKey =>
	storedKey(GUILD_A, T - 86_400, { name: "near expiry", scopes: ["moderation:read"], ...fields });

export function describeOutboxStores(name: string, createHarness: () => Promise<StoreHarness<GatewayStores>>): void {
	describe(`outbox stores: ${name}`, () => {
		let harness: StoreHarness<GatewayStores>;
		let stores: GatewayStores;
		beforeEach(async () => {
			harness = await createHarness();
			stores = harness.store;
		});
		afterEach(() => harness.destroy());

		const auditEvents = async (guildId = GUILD_A) => (await stores.keys.listAudit(guildId, 50)).map((one) => one.event).reverse();
		const pending = async (webhookId: string) => (await stores.outbox.webhooks.listDeliveries(webhookId, 50)).filter((one) => one.status === "pending");

		describe("webhooks", () => {
			it("are created, listed, changed and deleted, each change audited only when it happened", async () => {
				const { webhooks } = stores.outbox;
				const first = webhook({ createdAt: T - 1 });
				const second = webhook({ format: "discord", sealedSecret: null });
				await webhooks.createWebhook(first, 0, audit("webhook_created"));
				await webhooks.createWebhook(second, 0, audit("webhook_created"));
				await webhooks.createWebhook(webhook({ guildId: GUILD_B }), 0, audit("webhook_created"));
				expect(await webhooks.listWebhooks(GUILD_A)).toEqual([first, second]);
				expect(await webhooks.getWebhook(GUILD_B, first.id)).toBeUndefined();

				const changed = { ...first, url: "https://hooks.example.com/b", events: ["mute.created" as const], enabled: false };
				expect(await webhooks.updateWebhook(changed, audit("webhook_updated"))).toBe(true);
				expect(await webhooks.getWebhook(GUILD_A, first.id)).toEqual(changed);
				expect(await webhooks.updateWebhook({ ...changed, guildId: GUILD_B }, audit("webhook_updated"))).toBe(false);
				expect(await webhooks.deleteWebhook(GUILD_A, second.id, audit("webhook_deleted"))).toBe(true);
				expect(await webhooks.deleteWebhook(GUILD_A, second.id, audit("webhook_deleted"))).toBe(false);
				expect(await auditEvents()).toEqual(["webhook_created", "webhook_created", "webhook_updated", "webhook_deleted"]);
			});

			it("test-send to one webhook whatever it asks for; deliveries list newest first and redeliver as a new round", async () => {
				const { webhooks, queue } = stores.outbox;
				const hook = webhook({ events: ["ban.created"] });
				await webhooks.createWebhook(hook, 0, audit("webhook_created"));
				await webhooks.createWebhook(webhook(), 0, audit("webhook_created"));
				await webhooks.enqueueFor(hook.id, { ...event("webhook.test"), at: NOW - 1_000 }, audit("webhook_test_sent"));
				await queue.enqueue(event("ban.created"));
				// The test-send was written as of its event (a second earlier), the ban as of the store's clock.
				const listed = await webhooks.listDeliveries(hook.id, 10);
				expect(listed.map((one) => one.event)).toEqual(["ban.created", "webhook.test"]);
				expect(listed[1]).toMatchObject({ guildId: GUILD_A, target: { kind: "webhook", id: hook.id }, status: "pending", tries: 0, attempts: [] });
				expect(JSON.parse(listed[1].payload)).toEqual({ type: "webhook.test", timestamp: new Date(NOW - 1_000).toISOString(), data: { guild_id: GUILD_A } });

				const [leased] = await queue.lease("worker", NOW, NOW + 15_000, 1);
				await queue.finish(leased.id, "worker", { result: "failed", attempt: { at: T, statusCode: 410, error: "gone" } });
				const again = await webhooks.redeliver(GUILD_A, hook.id, leased.id, NOW + 60_000, audit("webhook_redelivered"));
				expect(again).toMatchObject({ id: leased.id, status: "pending", tries: 0, nextAttemptAt: NOW + 60_000, attempts: [{ at: T, statusCode: 410, error: "gone" }] });
				expect(await webhooks.redeliver(GUILD_B, hook.id, leased.id, NOW, audit("webhook_redelivered"))).toBeUndefined();
				expect(await auditEvents()).toEqual(["webhook_created", "webhook_created", "webhook_test_sent", "webhook_redelivered"]);
			});

			it("a deleted webhook takes its deliveries with it", async () => {
				const { webhooks, queue } = stores.outbox;
				const hook = webhook();
				await webhooks.createWebhook(hook, 0, audit("webhook_created"));
				await queue.enqueue(event("ban.created"));
				await webhooks.deleteWebhook(GUILD_A, hook.id, audit("webhook_deleted"));
				expect(await webhooks.listDeliveries(hook.id, 10)).toEqual([]);
				expect(await queue.lease("worker", NOW, NOW + 15_000, 10)).toEqual([]);
			});
		});

		describe("experience links", () => {
			it("link once per universe, change, record mirrors and unlink", async () => {
				const { experiences } = stores.outbox;
				const link = experience();
				expect(await experiences.createExperience(link, 0, audit("experience_linked"))).toBe(true);
				expect(await experiences.createExperience({ ...link, keyPrefix: "oc_other" }, 0, audit("experience_linked"))).toBe(false);
				expect(await experiences.listExperiences(GUILD_A)).toEqual([link]);
				const changed = { ...link, excludeAltAccounts: true, sealedKey: "sealed-2", keyPrefix: "oc_fghij" };
				expect(await experiences.updateExperience(changed, audit("experience_updated"))).toBe(true);
				await experiences.markMirrored(GUILD_A, "4242", T + 5);
				expect(await experiences.getExperience(GUILD_A, "4242")).toEqual({ ...changed, lastMirroredAt: T + 5 });
				expect(await experiences.deleteExperience(GUILD_A, "4242", audit("experience_unlinked"))).toBe(true);
				expect(await experiences.deleteExperience(GUILD_A, "4242", audit("experience_unlinked"))).toBe(false);
				expect(await auditEvents()).toEqual(["experience_linked", "experience_updated", "experience_unlinked"]);
			});

			it("a failing link fails its pending deliveries and sends link_failing once, in one transaction", async () => {
				const { experiences, webhooks, queue } = stores.outbox;
				const hook = webhook({ events: ["experience.link_failing"] });
				await webhooks.createWebhook(hook, 0, audit("webhook_created"));
				await experiences.createExperience(experience(), 0, audit("experience_linked"));
				await queue.enqueue(event("ban.created"));
				const failing = event("experience.link_failing");
				await experiences.markFailing(GUILD_A, "4242", "key refused", failing, audit("experience_link_failing"));
				await experiences.markFailing(GUILD_A, "4242", "key refused again", failing, audit("experience_link_failing"));
				expect(await experiences.getExperience(GUILD_A, "4242")).toMatchObject({ status: "failing", lastError: "key refused" });
				// Only the webhook's notice and the push's first publish are due: the mirror's delivery failed with the link, and a failing link gets no new ones.
				const due = await queue.lease("worker", NOW, NOW + 15_000, 10);
				expect(due.map((one) => `${one.target.kind}:${one.event}`).sort()).toEqual(["push:probe", "webhook:experience.link_failing"]);
				await queue.enqueue(event("ban.lifted"));
				expect(await queue.lease("worker", NOW, NOW + 15_000, 10)).toEqual([]);
				expect(await auditEvents()).toEqual(["webhook_created", "experience_linked", "experience_link_failing"]);
			});
		});

		describe("push through Roblox", () => {
			it("a link queues its first publish at the cursor; a new key queues another", async () => {
				const { experiences, queue } = stores.outbox;
				await experiences.createExperience(experience(), 41, audit("experience_linked"));
				const [probe] = await queue.lease("worker", NOW, NOW + 15_000, 10);
				expect(probe).toMatchObject({ target: { kind: "push", id: "4242" }, event: "probe", payload: '{"seq":41}', status: "pending" });
				await queue.finish(probe.id, "worker", { result: "delivered", attempt: { at: T, statusCode: 200, error: null } });
				expect(await experiences.updateExperience(experience({ keyPrefix: "oc_new" }), audit("experience_updated"), 44)).toBe(true);
				const [again] = await queue.lease("worker", NOW, NOW + 15_000, 10);
				expect(again).toMatchObject({ target: { kind: "push", id: "4242" }, payload: '{"seq":44}' });
			});

			it("publishes each change of the page to links not refused, records push ok and failing, and lists the pushed", async () => {
				const { experiences, webhooks, queue, cursors } = stores.outbox;
				await webhooks.createWebhook(webhook({ events: ["experience.link_failing"] }), 0, audit("webhook_created"));
				await experiences.createExperience(experience(), 0, audit("experience_linked"));
				await experiences.createExperience(experience({ universeId: "5353" }), 0, audit("experience_linked"));
				const probes = await queue.lease("worker", NOW, NOW + 15_000, 10);
				for (const probe of probes) await queue.finish(probe.id, "worker", { result: "delivered", attempt: { at: T, statusCode: 200, error: null } });

				await experiences.markPushed(GUILD_A, "4242", T + 3);
				expect(await experiences.getExperience(GUILD_A, "4242")).toMatchObject({ pushStatus: "ok", pushError: null, lastPushedAt: T + 3 });
				expect(await experiences.listPushing()).toEqual([{ guildId: GUILD_A, universeId: "4242" }]);
				const failing = event("experience.link_failing");
				await experiences.markPushFailing(GUILD_A, "5353", "may not publish", failing, audit("experience_link_failing"));
				await experiences.markPushFailing(GUILD_A, "5353", "again", failing, audit("experience_link_failing"));
				// The mirror's own status is untouched.
				expect(await experiences.getExperience(GUILD_A, "5353")).toMatchObject({ status: "ok", pushStatus: "failing", pushError: "may not publish" });

				expect(await cursors.advanceCursor({ guildId: GUILD_A, from: 0, to: 2, events: [], pushes: [change(1), change(2)] })).toBe(true);
				const due = await queue.lease("worker", NOW, NOW + 15_000, 10);
				expect(due.map((one) => `${one.target.kind}:${one.target.kind === "webhook" ? "" : one.target.id}:${one.event}`).sort()).toEqual([
					"push:4242:ban",
					"push:4242:ban",
					"webhook::experience.link_failing",
				]);
				const pushed = due.filter((one) => one.target.kind === "push").map((one) => (JSON.parse(one.payload) as ModerationEvent).id);
				expect(pushed.sort()).toEqual([1, 2]);
			});

			it("leases the universe's other waiting pushes, due or not, and a deferred push spends no try", async () => {
				const { experiences, queue, cursors } = stores.outbox;
				await experiences.createExperience(experience(), 0, audit("experience_linked"));
				const [probe] = await queue.lease("worker", NOW, NOW + 15_000, 1);
				await queue.finish(probe.id, "worker", { result: "deferred", nextAttemptAt: NOW + 30_000 });
				await cursors.advanceCursor({ guildId: GUILD_A, from: 0, to: 1, events: [], pushes: [change(1)] });
				const [head] = await queue.lease("worker", NOW, NOW + 15_000, 10);
				expect(JSON.parse(head.payload)).toMatchObject({ id: 1 });
				const more = await queue.leaseTarget("worker", GUILD_A, head.target, NOW, NOW + 15_000, 10);
				expect(more.map((one) => one.id)).toEqual([probe.id]);
				expect(more[0]).toMatchObject({ tries: 0, attempts: [], nextAttemptAt: NOW + 30_000 });
				expect(await queue.leaseTarget("other", GUILD_A, head.target, NOW, NOW + 15_000, 10)).toEqual([]);
			});
		});

		describe("the delivery queue", () => {
			it("writes one delivery per enabled webhook asking for the event, and for linked experiences only bans", async () => {
				const { webhooks, experiences, queue } = stores.outbox;
				const asks = webhook({ events: ["ban.created", "mute.created"] });
				await webhooks.createWebhook(asks, 0, audit("webhook_created"));
				await webhooks.createWebhook(webhook({ events: ["key.created"] }), 0, audit("webhook_created"));
				await webhooks.createWebhook(webhook({ enabled: false }), 0, audit("webhook_created"));
				await webhooks.createWebhook(webhook({ guildId: GUILD_B }), 0, audit("webhook_created"));
				await experiences.createExperience(experience(), 0, audit("experience_linked"));
				await queue.enqueue(event("ban.created"));
				await queue.enqueue(event("mute.created"));
				const due = await queue.lease("worker", NOW, NOW + 15_000, 10);
				expect(due.map((one) => `${one.target.kind}:${one.event}`).sort()).toEqual([
					"experience:ban.created",
					"push:probe",
					"webhook:ban.created",
					"webhook:mute.created",
				]);
				expect(due.every((one) => one.target.kind !== "webhook" || one.target.id === asks.id)).toBe(true);
			});

			it("leases a due delivery to one worker until the lease ends; only the holder records the attempt", async () => {
				const { webhooks, queue } = stores.outbox;
				const hook = webhook();
				await webhooks.createWebhook(hook, 0, audit("webhook_created"));
				await queue.enqueue(event("ban.created"));
				const other = (await harness.openAnother()).outbox.queue;
				const [mine] = await queue.lease("one", NOW, NOW + 15_000, 10);
				expect(await other.lease("two", NOW + 1_000, NOW + 16_000, 10)).toEqual([]);
				await other.finish(mine.id, "two", { result: "delivered", attempt: { at: T, statusCode: 200, error: null } });
				const [stolen] = await other.lease("two", NOW + 15_000, NOW + 30_000, 10);
				expect(stolen.id).toBe(mine.id);
				await queue.finish(mine.id, "one", { result: "delivered", attempt: { at: T, statusCode: 200, error: null } });
				await other.finish(stolen.id, "two", { result: "retry", attempt: { at: T + 15, statusCode: 503, error: "busy" }, nextAttemptAt: NOW + 20_000 });
				const [listed] = await webhooks.listDeliveries(hook.id, 1);
				expect(listed).toMatchObject({ status: "pending", tries: 1, nextAttemptAt: NOW + 20_000, attempts: [{ at: T + 15, statusCode: 503, error: "busy" }] });
				expect(await queue.lease("one", NOW + 19_999, NOW + 30_000, 10)).toEqual([]);
				expect(await queue.lease("one", NOW + 20_000, NOW + 30_000, 10)).toHaveLength(1);
			});

			it("prunes finished deliveries created before the cut, never pending ones", async () => {
				const { webhooks, queue } = stores.outbox;
				const hook = webhook();
				await webhooks.createWebhook(hook, 0, audit("webhook_created"));
				await queue.enqueue(event("ban.created"));
				await queue.enqueue(event("key.created"));
				const [first] = await queue.lease("worker", NOW, NOW + 15_000, 1);
				await queue.finish(first.id, "worker", { result: "delivered", attempt: { at: T, statusCode: 200, error: null } });
				await queue.pruneFinished(NOW + 1);
				expect(await pending(hook.id)).toHaveLength(1);
				expect(await webhooks.listDeliveries(hook.id, 10)).toHaveLength(1);
			});

			it("a key change writes its event in its own transaction", async () => {
				const hook = webhook({ events: ["key.created"] });
				await stores.outbox.webhooks.createWebhook(hook, 0, audit("webhook_created"));
				const created = key();
				await stores.keys.createKey(created, randomUUID(), 3, audit("created"));
				const [delivery] = await pending(hook.id);
				expect(JSON.parse(delivery.payload)).toMatchObject({ type: "key.created", data: { guild_id: GUILD_A, key_id: created.id } });
			});
		});

		describe("change-log cursors", () => {
			it("follow a guild from its first webhook or link, and forget it when the last goes", async () => {
				const { webhooks, experiences, cursors } = stores.outbox;
				const hook = webhook();
				await webhooks.createWebhook(hook, 7, audit("webhook_created"));
				await experiences.createExperience(experience(), 9, audit("experience_linked"));
				expect(await cursors.followedGuilds()).toEqual([{ guildId: GUILD_A, after: 7 }]);
				await webhooks.deleteWebhook(GUILD_A, hook.id, audit("webhook_deleted"));
				expect(await cursors.followedGuilds()).toEqual([{ guildId: GUILD_A, after: 7 }]);
				await experiences.deleteExperience(GUILD_A, "4242", audit("experience_unlinked"));
				expect(await cursors.followedGuilds()).toEqual([]);
				await webhooks.createWebhook(webhook(), 12, audit("webhook_created"));
				expect(await cursors.followedGuilds()).toEqual([{ guildId: GUILD_A, after: 12 }]);
			});

			it("move only from where they stand, writing the page's events with the move", async () => {
				const { webhooks, cursors } = stores.outbox;
				const hook = webhook();
				await webhooks.createWebhook(hook, 0, audit("webhook_created"));
				const other = (await harness.openAnother()).outbox.cursors;
				const page = { guildId: GUILD_A, from: 0, to: 2, events: [event("ban.created"), event("ban.created")], pushes: [] };
				expect(await cursors.advanceCursor(page)).toBe(true);
				expect(await other.advanceCursor(page)).toBe(false);
				expect(await other.followedGuilds()).toEqual([{ guildId: GUILD_A, after: 2 }]);
				expect(await pending(hook.id)).toHaveLength(2);
			});
		});

		describe("key notices", () => {
			it("find active keys near expiry or auto-expiry in guilds with an enabled webhook", async () => {
				const { webhooks, notices } = stores.outbox;
				await webhooks.createWebhook(webhook(), 0, audit("webhook_created"));
				await webhooks.createWebhook(webhook({ guildId: GUILD_B, enabled: false }), 0, audit("webhook_created"));
				const expiring = key({ expiresAt: T + 3_600 });
				const idle = key({ lastUsedAt: T - 100 });
				await stores.keys.createKey(expiring, randomUUID(), 10, audit("created"));
				await stores.keys.createKey(idle, randomUUID(), 10, audit("created"));
				await stores.keys.createKey(key({ expiresAt: T + 3_600, state: "disabled" }), randomUUID(), 10, audit("created"));
				await stores.keys.createKey(key({ guildId: GUILD_B, expiresAt: T + 3_600 }), randomUUID(), 10, audit("created"));
				const found = await notices.keysNearExpiry(T, T + 7_200, 200);
				expect(found.map((one) => one.id).sort()).toEqual([expiring.id, idle.id].sort());
				expect(found.find((one) => one.id === idle.id)).toEqual({ id: idle.id, guildId: GUILD_A, prefix: idle.prefix, name: "near expiry", expiresAt: null, lastActivity: T - 100 });
			});

			it("are written exactly once per key, kind and period, whichever instance sees them", async () => {
				const { webhooks, notices } = stores.outbox;
				const hook = webhook({ events: ["key.expiring"] });
				await webhooks.createWebhook(hook, 0, audit("webhook_created"));
				const other = (await harness.openAnother()).outbox.notices;
				expect(await notices.noticeOnce("k1", "expiring_7d", T, event("key.expiring"))).toBe(true);
				expect(await other.noticeOnce("k1", "expiring_7d", T, event("key.expiring"))).toBe(false);
				expect(await other.noticeOnce("k1", "expiring_1d", T, event("key.expiring"))).toBe(true);
				expect(await pending(hook.id)).toHaveLength(2);
			});
		});
	});
}
