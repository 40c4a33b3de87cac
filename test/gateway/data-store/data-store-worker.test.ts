// test/gateway/data-store/data-store-worker.test.ts
// The embedded data store on its own worker thread: a death is answered 502, then it is back on its own.

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GUILD_A, banBody, startTestGateway, type TestGateway, type TestResponse } from "../harness";

describe("embedded data store on a worker thread", () => {
	let gateway: TestGateway;
	let key: string;
	beforeAll(async () => {
		gateway = await startTestGateway();
		key = (await gateway.createKey()).key;
	});
	afterAll(() => gateway.stop());

	const status = (id: number) =>
		gateway.api(`/moderation/${GUILD_A}/ban-status/${id}?no_cache=true`, { headers: { "x-api-key": key } });

	async function untilAnswered(ask: () => Promise<TestResponse>): Promise<TestResponse> {
		const deadline = Date.now() + 10_000;
		for (;;) {
			const response = await ask();
			if (response.status !== 502 || Date.now() > deadline) return response;
			await new Promise((resolve) => setTimeout(resolve, 50));
		}
	}

	it("answers the contract's 502 while the worker is dead, then serves the same bans again after its restart", async () => {
		const worker = gateway.dataStoreWorker;
		if (worker === undefined) throw new Error("the embedded data store did not start on a worker thread");
		const ban = await gateway.api(`/moderation/${GUILD_A}/roblox/ban`, { method: "POST", headers: { "x-api-key": key }, body: banBody(777) });
		expect(ban.status).toBe(201);

		await worker.kill();
		const outage = await status(777);
		expect(outage.status).toBe(502);
		expect(outage.body).toEqual({ status: "error", code: 502, message: "Data store unavailable", error: "upstream_unavailable" });

		const recovered = await untilAnswered(() => status(777));
		expect(recovered.status).toBe(200);
		expect(recovered.body.data).toMatchObject({ banned: true, ban_info: { reason: "Exploiting" } });
		expect(worker.restarts).toBe(1);
	});

	it("keeps the event feed after a restart: a ban made then reaches a long poll", async () => {
		await gateway.dataStoreWorker?.kill();
		await untilAnswered(() => status(1));
		const events = (query: string) => gateway.api(`/moderation/${GUILD_A}/events${query}`, { headers: { "x-api-key": key } });
		const position = (await events("?wait=0")).body.data.next as number;
		const poll = events(`?after=${position}&wait=5`);
		await gateway.api(`/moderation/${GUILD_A}/roblox/ban`, { method: "POST", headers: { "x-api-key": key }, body: banBody(888) });
		const answer = await poll;
		expect(answer.status).toBe(200);
		expect(answer.body.data.events).toMatchObject([{ event: "ban", roblox_id: "888" }]);
	});
});
