// bench/push.ts
// Push bench: how long a ban takes from the moderator's request to its message arriving at Open Cloud (docs/fleets.md, "Push through Roblox").

import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import pino from "pino";
import { readConfig } from "../gateway/config";
import { startGateway } from "../gateway/gateway";
import type { PushMessage } from "../shared/records";
import { FakeOpenCloud } from "../test/gateway/outbound/fake-open-cloud";

const GUILD = "123456789012345678";
const UNIVERSE = "4815162342";
const OPEN_CLOUD_KEY = "bench-open-cloud-key-0123456789abcdef";
const ADMIN_TOKEN = "bench-admin-token-0123456789";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];

export interface PublishLatency {
	/** ms from sending each ban to Open Cloud receiving the message that carries it, sorted. */
	samples: number[];
	p50: number;
	p99: number;
	max: number;
}

/**
 * `bans` bans, one at a time `gapMs` apart (each its own message, as a moderator makes them), through a
 * gateway on loopback (embedded data store, SQLite) whose outbox publishes to a fake Open Cloud. The
 * universe is given 200 players, so Roblox's rate (50 + 5 × players a minute) never holds one back.
 */
export async function measurePublishLatency(bans = 30, gapMs = 200): Promise<PublishLatency> {
	const openCloud = new FakeOpenCloud();
	openCloud.players = 200;
	openCloud.known.add(OPEN_CLOUD_KEY);
	openCloud.permitted.add(OPEN_CLOUD_KEY);
	openCloud.publishers.add(OPEN_CLOUD_KEY);
	const openCloudUrl = await openCloud.listen();
	const dataDir = await mkdtemp(path.join(os.tmpdir(), "bench-push-"));
	const config = readConfig({ PORT: "0", HOST: "127.0.0.1", DATA_DIR: dataDir, ADMIN_TOKEN, OPEN_CLOUD_URL: openCloudUrl, OUTBOUND_ALLOW_LOOPBACK: "true" });
	const gateway = await startGateway(config, { logger: pino({ level: "silent" }) });
	try {
		const { key } = await gateway.keys.admin.create(GUILD, { name: "bench" }, { actor: { type: "admin_token" }, address: null });
		const linked = await fetch(`${gateway.url}/admin/v1/guilds/${GUILD}/experiences`, {
			method: "POST",
			headers: { authorization: `Bearer ${ADMIN_TOKEN}`, "content-type": "application/json" },
			body: JSON.stringify({ universe_id: UNIVERSE, api_key: OPEN_CLOUD_KEY }),
		});
		if (linked.status !== 201) throw new Error(`linking the experience answered ${linked.status}`);
		// The first publish proves the key; then the universe is pushed.
		for (let waited = 0; gateway.pushFor(GUILD, UNIVERSE) === undefined; waited += 50) {
			if (waited > 10_000) throw new Error("push was never proven");
			await sleep(50);
		}

		const sentAt = new Map<string, number>();
		for (let i = 0; i < bans; i++) {
			const robloxId = String(3_000_000 + i);
			sentAt.set(robloxId, Date.now());
			const response = await fetch(`${gateway.url}/api/v1/moderation/${GUILD}/roblox/ban`, {
				method: "POST",
				headers: { "x-api-key": key, "content-type": "application/json" },
				body: JSON.stringify({ roblox_id: robloxId, reason: "bench", moderator_roblox_id: 1 }),
			});
			await response.arrayBuffer();
			if (response.status !== 201) throw new Error(`ban answered ${response.status}`);
			await sleep(gapMs);
		}
		await sleep(1_000);

		const arrivals = new Map<string, number>();
		for (const published of openCloud.published) {
			for (const event of (JSON.parse(published.message) as PushMessage).events) {
				if (event.roblox_id !== undefined && !arrivals.has(event.roblox_id)) arrivals.set(event.roblox_id, published.at);
			}
		}
		const samples = [...sentAt].map(([robloxId, sent]) => (arrivals.get(robloxId) ?? Number.POSITIVE_INFINITY) - sent).sort((a, b) => a - b);
		return { samples, p50: percentile(samples, 50), p99: percentile(samples, 99), max: samples.at(-1) ?? 0 };
	} finally {
		await gateway.close();
		await openCloud.close();
		await rm(dataDir, { recursive: true, force: true });
	}
}

/** The bench table's row. */
export const publishLatencyRow = (latency: PublishLatency) =>
	`  ban -> published to Open Cloud, ${latency.samples.length} bans: p50 ${latency.p50.toFixed(0)} ms   p99 ${latency.p99.toFixed(0)} ms   max ${latency.max.toFixed(0)} ms   (goal <= 1000 ms)`;

// `npx tsx bench/push.ts` runs it alone.
if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
	console.log(publishLatencyRow(await measurePublishLatency()));
}
