// test/luau/fleet-end-to-end.test.ts
// Fleets end to end (docs/fleets.md; issue 20): two real gateway processes sharing PostgreSQL and Redis,
// an experience linked with a fake Open Cloud key that may publish, and the compiled module in the Luau
// VM. What Open Cloud accepts is handed to the emulated MessagingService (harness/messaging-hub.ts), as
// Roblox hands it to the universe's servers. Three pushed servers learn the push from their first poll
// (a fourth from its event stream's `event: push`), subscribe and stop polling; a ban made through the other instance kicks in all three, one catching up
// with one poll after Roblox dropped its copy; commands reach their servers through the push and are
// acknowledged once; a server of a universe not linked gets the same through its long poll.

import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, expect, test } from "vitest";
import type { PushMessage } from "../../shared/records";
import { startGatewayProcess, type GatewayProcess } from "../gateway/gateway-process";
import { FakeOpenCloud } from "../gateway/outbound/fake-open-cloud";
import { createTestSchema, type TestSchema } from "../gateway/platform/db/test-schema";
import { deletePrefix, redisUrl, requireRedis, uniquePrefix } from "../gateway/platform/redis/redis-fixtures";
import { luauHost, type World } from "./harness/luau-host";
import { MessagingHub, type Delivery } from "./harness/messaging-hub";
import { followRealTime, overHttp } from "./harness/over-http";

const GUILD_ID = "423456789012345678";
const ADMIN_TOKEN = "fleet-e2e-admin-token-0123456789ab";
const OPEN_CLOUD_KEY = "fleet-e2e-open-cloud-key-0123456789";
/** The emulated servers' game.GameId unless told otherwise: the linked universe. */
const UNIVERSE_ID = 5203828273;
const UNLINKED_UNIVERSE_ID = 777000111;
const PLACE_ID = 1818;
const TOPIC = "Technified";
const PUSHED_JOBS = ["job-push-1", "job-push-2", "job-push-3"];
const POLLING_JOB = "job-poll-1";
/** A server where CreateWebStreamClient works: its stream says `event: push` as it opens. */
const STREAMING_JOB = "job-stream-1";

let schema: TestSchema;
let prefix: string;
let openCloud: FakeOpenCloud;
const dataDirs: string[] = [];
/** The pushed servers follow instance A; everything an operator does goes through instance B. */
let a: GatewayProcess;
let b: GatewayProcess;

beforeAll(async () => {
	await requireRedis();
	schema = await createTestSchema("fleet_e2e");
	prefix = uniquePrefix("fleet-e2e");
	openCloud = new FakeOpenCloud();
	openCloud.known.add(OPEN_CLOUD_KEY);
	openCloud.publishers.add(OPEN_CLOUD_KEY);
	const env = {
		DATABASE_URL: schema.url,
		REDIS_URL: redisUrl(prefix),
		ADMIN_TOKEN,
		SECRETS_KEY: "fleet-e2e-shared-secrets-key-of-32-chars",
		OPEN_CLOUD_URL: await openCloud.listen(),
		OUTBOUND_ALLOW_LOOPBACK: "true",
	};
	for (let index = 0; index < 2; index++) dataDirs.push(await mkdtemp(path.join(os.tmpdir(), "technified-fleet-e2e-")));
	// Together, as a deployment starts them (the migrations take turns on an advisory lock).
	[a, b] = await Promise.all(dataDirs.map((dir) => startGatewayProcess({ ...env, DATA_DIR: dir })));
}, 60_000);

afterAll(async () => {
	await Promise.all([a?.stop(), b?.stop()]);
	await openCloud?.close();
	await schema?.drop();
	if (prefix !== undefined) await deletePrefix(prefix);
	for (const dir of dataDirs) await rm(dir, { recursive: true, force: true });
});

async function admin(gateway: GatewayProcess, method: string, pathname: string, body?: unknown) {
	const response = await fetch(`${gateway.url}/admin/v1/guilds/${GUILD_ID}${pathname}`, {
		method,
		headers: { Authorization: `Bearer ${ADMIN_TOKEN}`, "Content-Type": "application/json" },
		body: body === undefined ? undefined : JSON.stringify(body),
	});
	return { status: response.status, body: (await response.json()) as any };
}

async function ban(key: string, robloxId: number, reason: string) {
	const response = await fetch(`${b.url}/api/v1/moderation/${GUILD_ID}/roblox/ban`, {
		method: "POST",
		headers: { "X-API-Key": key, "Content-Type": "application/json" },
		body: JSON.stringify({ roblox_id: robloxId, reason, moderator_roblox_id: "1" }),
	});
	expect(response.status).toBe(201);
}

test("a ban and commands reach four pushed servers through Open Cloud Messaging, one catching up after a drop, and a polling one through its long poll", async () => {
	const created = await admin(a, "POST", "/keys", { name: "fleet" });
	expect(created.status).toBe(201);
	const key = created.body.data.key as string;
	// Linked through A: A tells its servers as soon as the proving publish answers, B within 5 s.
	expect((await admin(a, "POST", "/experiences", { universe_id: String(UNIVERSE_ID), api_key: OPEN_CLOUD_KEY })).status).toBe(201);
	await expect.poll(async () => (await admin(a, "GET", "/experiences")).body.data.experiences[0].push_status, { timeout: 5_000 }).toBe("ok");

	const transport = overHttp();
	const host = await luauHost();
	const hub = new MessagingHub({ minDelay: 0.1, maxDelay: 0.5 });
	const pushed: World[] = [];
	for (const jobId of PUSHED_JOBS) {
		const world = hub.add(await host.newWorld(transport, { placeId: PLACE_ID, jobId }));
		expect(await world.start({ apiKey: key, baseUrl: `${a.url}/api/v1` })).toEqual({ ok: true });
		await world.join(9501, 9502, 9503);
		pushed.push(world);
	}
	const streaming = hub.add(await host.newWorld(transport, { placeId: PLACE_ID, jobId: STREAMING_JOB, webStreams: true }));
	expect(await streaming.start({ apiKey: key, baseUrl: `${a.url}/api/v1` })).toEqual({ ok: true });
	await streaming.join(9501);
	const polling = await host.newWorld(transport, { placeId: PLACE_ID, jobId: POLLING_JOB, universeId: UNLINKED_UNIVERSE_ID });
	expect(await polling.start({ apiKey: key, baseUrl: `${b.url}/api/v1` })).toEqual({ ok: true });
	await polling.join(9501, 9504);
	const everyone = [...pushed, streaming, polling];

	// What Open Cloud accepted goes to the universe's servers, each copy dropped as `deliveryOf` says.
	let deliveryOf: (message: PushMessage) => Delivery = () => ({});
	let relayed = 0;
	const relay = async () => {
		while (relayed < openCloud.published.length) {
			const { universeId, topic, message } = openCloud.published[relayed++];
			expect(universeId).toBe(String(UNIVERSE_ID));
			await hub.publish(topic, message, deliveryOf(JSON.parse(message) as PushMessage));
		}
	};
	const follow = (ms: number, done: () => Promise<boolean> = async () => false) =>
		followRealTime(everyone, ms, async () => {
			await relay();
			return done();
		});
	const all = async (worlds: World[], check: (world: World) => Promise<boolean>) => {
		for (const world of worlds) if (!(await check(world))) return false;
		return true;
	};
	const kicked = (userId: number) => async (world: World) => (await world.report()).kicks.some((kick) => kick.userId === userId);
	const polls = (jobId: string, wait: string) =>
		transport.events.filter((exchange) => {
			const query = new URL(exchange.url).searchParams;
			return query.get("job_id") === jobId && query.get("wait") === wait;
		});

	// Each server's first poll is held at the gateway; the first change answers it, saying `data.push`.
	await follow(500);
	await ban(key, 9599, "Exploiting before the servers subscribed");
	await follow(5_000, () => all([...pushed, streaming], async (world) => (await world.subscribers(TOPIC)) === 1));
	for (const world of [...pushed, streaming]) expect(await world.subscribers(TOPIC)).toBe(1);
	expect(await polling.subscribers(TOPIC)).toBe(0);
	// A minute on (pushed servers hold no poll, so their clocks may jump at once): one heartbeat each.
	await hub.advance(61, 61);
	await follow(300);
	for (const jobId of PUSHED_JOBS) expect(polls(jobId, "25")).toHaveLength(1);
	const listed = await admin(b, "GET", "/servers");
	expect(listed.status).toBe(200);
	expect((listed.body.data.servers as { job_id: string; follows: string }[]).map((server) => `${server.job_id}:${server.follows}`).sort()).toEqual(
		[...[...PUSHED_JOBS, STREAMING_JOB].map((jobId) => `${jobId}:push`), `${POLLING_JOB}:poll`].sort(),
	);

	// A ban through B: Roblox drops the third server's copy.
	let droppedSeq = 0;
	deliveryOf = (message) => {
		if (!message.events.some((event) => event.event === "ban" && event.roblox_id === "9501")) return {};
		droppedSeq = message.seq;
		return { drop: [pushed[2]] };
	};
	await ban(key, 9501, "Exploiting across servers");
	await follow(5_000, () => all([pushed[0], pushed[1], streaming, polling], kicked(9501)));
	for (const world of [pushed[0], pushed[1], streaming, polling]) expect(await kicked(9501)(world)).toBe(true);
	expect(await kicked(9501)(pushed[2])).toBe(false);
	expect(hub.copies.filter((copy) => copy.dropped)).toEqual([expect.objectContaining({ server: 2 })]);

	// The next message shows the gap: the third server catches up with exactly one poll.
	deliveryOf = () => ({});
	await ban(key, 9502, "Alt account");
	await follow(5_000, () => all(pushed, async (world) => (await kicked(9501)(world)) && (await kicked(9502)(world))));
	for (const world of pushed) {
		const report = await world.report();
		expect(report.kicks.map((kick) => [kick.userId, kick.message.split("\n")[1]])).toEqual([
			[9501, "Reason: Exploiting across servers"],
			[9502, "Reason: Alt account"],
		]);
		expect(report.players).toEqual([9503]);
	}
	expect(polls(PUSHED_JOBS[0], "0")).toHaveLength(0);
	expect(polls(PUSHED_JOBS[1], "0")).toHaveLength(0);
	const [catchUp, ...more] = polls(PUSHED_JOBS[2], "0");
	expect(more).toEqual([]);
	expect(new URL(catchUp.url).searchParams.get("after")).toBe(String(droppedSeq - 1));

	// A kick in one server, from the admin API of B: only its target runs it, and acknowledges it.
	const kick = await admin(b, "POST", "/servers/commands", { kind: "kick", job_id: PUSHED_JOBS[0], user_id: "9503", reason: "Spamming" });
	expect(kick.status).toBe(202);
	const kickId = kick.body.data.command.id as string;
	// Every target is listed, with a null outcome until it acknowledges.
	const acksOf = async (id: string) => (await admin(b, "GET", `/servers/commands/${id}`)).body.data.command.acks as { job_id: string; outcome: string | null }[];
	const acked = async (id: string) => (await acksOf(id)).filter((ack) => ack.outcome !== null).length;
	await follow(5_000, async () => (await acked(kickId)) === 1);
	expect(await acksOf(kickId)).toEqual([{ job_id: PUSHED_JOBS[0], outcome: "done", result: "Kicked 9503", acked_at: expect.any(Number) }]);
	expect((await pushed[0].report()).kicks.at(-1)).toEqual({ userId: 9503, message: "Spamming", at: expect.any(Number) });
	for (const world of pushed.slice(1)) expect((await world.report()).players).toEqual([9503]);

	// A message to every server: the pushed ones through the push, the polling one through its poll.
	const broadcast = await admin(b, "POST", "/servers/commands", { kind: "message", job_id: null, text: "Server restarting in 5 minutes" });
	expect(broadcast.status).toBe(202);
	const broadcastId = broadcast.body.data.command.id as string;
	const everyJob = [...PUSHED_JOBS, STREAMING_JOB, POLLING_JOB].sort();
	expect([...broadcast.body.data.command.targets].sort()).toEqual(everyJob);
	await follow(5_000, async () => (await acked(broadcastId)) === 5);
	const acks = await acksOf(broadcastId);
	expect(acks.map((ack) => ack.job_id).sort()).toEqual(everyJob);
	expect(acks).toEqual(Array(5).fill({ job_id: expect.any(String), outcome: "done", result: "Shown in 2 text channels", acked_at: expect.any(Number) }));

	// Roblox delivering the last message again: nothing runs twice.
	const published = openCloud.published.length;
	await hub.publish(TOPIC, openCloud.published.at(-1)!.message);
	await follow(1_000);
	for (const world of everyone) {
		const report = await world.report();
		expect(report.systemMessages.map((message) => [message.channel, message.text]).sort()).toEqual([
			["RBXGeneral", "Server restarting in 5 minutes"],
			["RBXSystem", "Server restarting in 5 minutes"],
		]);
		expect(report.output).toEqual([]);
	}
	expect(await acksOf(kickId)).toEqual([expect.objectContaining({ outcome: "done", result: "Kicked 9503" })]);
	expect(await acked(broadcastId)).toBe(5);
	expect(openCloud.published).toHaveLength(published);
	// The polling server followed through its poll alone, and the pushed ones kept to their one poll each.
	expect(polls(POLLING_JOB, "25").length).toBeGreaterThan(1);
	for (const jobId of PUSHED_JOBS) expect(polls(jobId, "25")).toHaveLength(1);
	expect(transport.events.filter((exchange) => exchange.url.includes(`job_id=${STREAMING_JOB}`))).toEqual([
		{ url: expect.stringContaining(`universe_id=${UNIVERSE_ID}`), stream: true },
	]);
	for (const world of everyone) await world.stop();
}, 60_000);
