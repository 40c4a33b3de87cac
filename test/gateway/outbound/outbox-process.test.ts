// test/gateway/outbound/outbox-process.test.ts
// Nothing is lost across SIGKILL: the gateway as a real child process, a receiver that is down, then back.

import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { exitOf, startGatewayProcess, type GatewayProcess } from "../gateway-process";
import { ADMIN_TOKEN, GUILD_A, banBody } from "../harness";
import { WebhookReceiver, eventually } from "./webhook-receiver";

const BANS = 20;

describe("outbox across a crash", () => {
	const running: GatewayProcess[] = [];
	let dataDir: string | undefined;
	afterAll(async () => {
		for (const gateway of running) await gateway.stop();
		if (dataDir !== undefined) await rm(dataDir, { recursive: true, force: true });
	});

	it("delivers all 20 bans made while the receiver was down, after SIGKILL and a restart", { timeout: 90_000 }, async () => {
		dataDir = await mkdtemp(path.join(os.tmpdir(), "outbox-process-"));
		const env = { DATA_DIR: dataDir, ADMIN_TOKEN, OUTBOUND_ALLOW_LOOPBACK: "true" };
		const receiver = new WebhookReceiver();
		await receiver.listen();
		await receiver.stop();

		const first = await startGatewayProcess(env);
		running.push(first);
		const admin = { authorization: `Bearer ${ADMIN_TOKEN}`, "content-type": "application/json" };
		const post = (url: string, body: unknown, headers: Record<string, string> = admin) =>
			fetch(url, { method: "POST", headers, body: JSON.stringify(body) }).then(async (response) => ({
				status: response.status,
				body: (await response.json()) as { data: { secret: string; key: string } },
			}));
		const hook = await post(`${first.url}/admin/v1/guilds/${GUILD_A}/webhooks`, { url: receiver.url, events: ["ban.created"] });
		expect(hook.status).toBe(201);
		receiver.secret = hook.body.data.secret;
		const created = await post(`${first.url}/admin/v1/guilds/${GUILD_A}/keys`, {});
		const keyed = { "x-api-key": created.body.data.key, "content-type": "application/json" };
		for (let id = 1; id <= BANS; id++) {
			expect((await post(`${first.url}/api/v1/moderation/${GUILD_A}/roblox/ban`, banBody(id), keyed)).status).toBe(201);
		}

		const killed = exitOf(first.child);
		first.child.kill("SIGKILL");
		expect(await killed).toBeNull();
		running.pop();
		const second = await startGatewayProcess(env);
		running.push(second);
		await receiver.listen();

		const arrivedIds = () => new Set(receiver.delivered().map((one) => String(one.event.data.roblox_id)));
		await eventually(() => arrivedIds().size === BANS, 75_000, "all 20 bans");
		expect([...arrivedIds()].sort((a, b) => Number(a) - Number(b))).toEqual(Array.from({ length: BANS }, (_, i) => String(i + 1)));
		expect(receiver.received.every((one) => one.verified)).toBe(true);
		// A ban that arrived twice came under one webhook-id, so the receiver can drop the repeat.
		const idsPerBan = new Map<string, Set<string>>();
		for (const one of receiver.received) {
			const ban = String(one.event.data.roblox_id);
			idsPerBan.set(ban, (idsPerBan.get(ban) ?? new Set()).add(one.id));
		}
		expect([...idsPerBan.values()].every((ids) => ids.size === 1)).toBe(true);
		await receiver.stop();
	});
});
