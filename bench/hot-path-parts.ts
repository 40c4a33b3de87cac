// bench/hot-path-parts.ts
// `npx tsx bench/hot-path-parts.ts <base worktree>`: the hot path's cut parts, old code against new in one process, CPU µs per operation.

import http from "node:http";
import { Writable } from "node:stream";
import { hash } from "node:crypto";
import type { AddressInfo } from "node:net";
import path from "node:path";
import express from "express";

/** The tree measured against (a detached worktree of the base commit), and this one. */
const B = path.resolve(process.argv[2] ?? "");
const N = path.resolve(".");
if (process.argv[2] === undefined) throw new Error("give the base worktree's directory");

interface Timing {
	label: string;
	min: number;
	median: number;
}

const cpu = () => {
	const used = process.cpuUsage();
	return used.user + used.system;
};

/** CPU µs per call of `fn`, over 7 rounds of `runs` calls: CPU time, so waiting for a core is not in it. */
async function timeit(label: string, runs: number, fn: () => unknown): Promise<Timing> {
	const samples: number[] = [];
	for (let round = 0; round < 7; round++) {
		const before = cpu();
		for (let i = 0; i < runs; i++) {
			const result = fn();
			if (result instanceof Promise) await result;
		}
		samples.push((cpu() - before) / runs);
	}
	samples.sort((a, b) => a - b);
	return { label, min: samples[0], median: samples[3] };
}

const out: string[] = [];
const show = (t: Timing) => out.push(`${t.label.padEnd(50)} min ${t.min.toFixed(2)} µs  median ${t.median.toFixed(2)} µs`);
/** Old, new, old, new: a slow moment of the machine does not land on one side only. */
const SIDES = [["base", B], ["branch", N], ["base", B], ["branch", N]] as const;

// 1. the key text's SHA-256 a cached verify no longer makes
const text = "technified_123456789012345678_" + "A".repeat(40);
show(await timeit("sha256 of a presented key (cut from a hit)", 200000, () => hash("sha256", text, "hex")));

// 2. the request log line
for (const [side, dir] of SIDES) {
	const { createLogger, redactingSecrets } = await import(`${dir}/gateway/platform/logging/logger.ts`);
	const sink = new Writable({ write(_c, _e, cb) { cb(); } });
	const logger = redactingSecrets(createLogger({ level: "info", format: "json" }, sink), ["bench-admin-token-0123456789"]);
	const line = () => ({ request_id: "9b2c1e0e-1a2b-4c3d-8e9f-0123456789ab", req: { method: "GET", path: "/api/v1/moderation/123456789012345678/ban-status/261" }, route: "/api/v1/moderation/:guildId/ban-status/:identifier", res: { status: 200 }, duration_ms: 0, key_prefix: "technified_123456789012345678_AbCd", guild: "123456789012345678" });
	show(await timeit(`request log line, ${side} logger`, 50000, () => logger.info(line(), "GET /api/v1/moderation/:guildId/ban-status/:identifier 200")));
}

// 3. the data store client: one uncached call's CPU on the gateway's side
const body = Buffer.from(JSON.stringify({ status: "success", code: 200, message: "User is not banned", data: { banned: false } }));
const server = http.createServer((_q, s) => s.writeHead(200, { "content-type": "application/json; charset=utf-8", "cache-control": "private, max-age=30", "content-length": body.length }).end(body));
await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
const target = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
out.push("(data store client: the server shares the process, so these include its work; the difference is the client's)");
for (const [side, dir] of SIDES) {
	const { DataStoreClient } = await import(`${dir}/gateway/moderation/data-store-client.ts`);
	const client = new DataStoreClient({ target, internalToken: "t".repeat(32) });
	const call = { method: "GET", path: "/api/v1/moderation/123456789012345678/ban-status/261?no_cache=true", guildId: "123456789012345678" };
	const batch = async () => { await Promise.all(Array.from({ length: 32 }, () => client.send(call, "req-id"))); };
	for (let i = 0; i < 50; i++) await batch();
	const r = await timeit(`data store call (x32 concurrent), ${side} client`, 40, batch);
	show({ ...r, min: r.min / 32, median: r.median / 32 });
	await client.close();
}
server.close();

// 4. a cached ban-status answer through the ban cache's middleware in an Express app, driven over loopback
out.push("(cached answer: the client shares the process, so these include its work; the difference is the answer's)");
const cachedPath = "/api/v1/moderation/123456789012345678/ban-status/261";
for (const [side, dir] of SIDES) {
	const { BanStatusCache } = await import(`${dir}/gateway/moderation/ban-status-cache.ts`);
	const { serveCachedBanStatus } = await import(`${dir}/gateway/moderation/ban-cache-middleware.ts`);
	const cache = new BanStatusCache({ ttlSeconds: 3600 });
	// As each side's miss stores it: the body as the data store sent it (a string before, the Buffer now).
	cache.store(cache.beginRead(), "123456789012345678", "261", "", side === "base" ? body.toString("utf8") : body);
	const app = express();
	app.get("/api/v1/moderation/:guildId/ban-status/:identifier", serveCachedBanStatus(cache, 3600));
	const answering = http.createServer(app);
	await new Promise<void>((r) => answering.listen(0, "127.0.0.1", r));
	const agent = new http.Agent({ keepAlive: true, maxSockets: 32 });
	const port = (answering.address() as AddressInfo).port;
	const get = () =>
		new Promise<void>((resolve, reject) => {
			http.get({ host: "127.0.0.1", port, path: cachedPath, agent }, (answer) => answer.resume().on("end", resolve)).on("error", reject);
		});
	const batch = async () => {
		await Promise.all(Array.from({ length: 32 }, get));
	};
	for (let i = 0; i < 50; i++) await batch();
	const r = await timeit(`cached answer (x32 concurrent), ${side} middleware`, 40, batch);
	show({ ...r, min: r.min / 32, median: r.median / 32 });
	agent.destroy();
	answering.close();
}
console.log(out.join("\n"));
// The clients' pools are closed; the loggers' sinks hold nothing open, but tsx's loader thread may.
process.exit(0);
