// test/gateway/platform/logging/logging.test.ts
// The log an operator reads: one JSON line per request and admin action, failures with their cause, no secrets.

import { Writable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLogger } from "../../../../gateway/platform/logging/logger";
import { ADMIN_TOKEN, GUILD_A, banBody, startTestGateway, type TestGateway } from "../../harness";

/** A log destination that keeps every line it is given. */
function collectLines() {
	const lines: string[] = [];
	const stream = new Writable({
		write(chunk: Buffer, _encoding, done) {
			lines.push(...chunk.toString().split("\n").filter((line) => line !== ""));
			done();
		},
	});
	return Object.assign(stream, { lines, parsed: () => lines.map((line) => JSON.parse(line) as Record<string, any>) });
}

describe("request and admin logs", () => {
	const sink = collectLines();
	let gateway: TestGateway;
	let key: string;

	beforeAll(async () => {
		gateway = await startTestGateway({}, { logger: createLogger({ level: "info", format: "json" }, sink) });
		key = (await gateway.createKey()).key;
	});
	afterAll(() => gateway.stop());

	it("writes each request as one line with its id, route, status, duration, key prefix and guild", async () => {
		const answer = await gateway.api(`/moderation/${GUILD_A}/ban-status/261`, { headers: { "x-api-key": key, "x-request-id": "bot-42" } });
		expect(answer.headers.get("x-request-id")).toBe("bot-42");
		const line = sink.parsed().find((entry) => entry.request_id === "bot-42");
		expect(line).toMatchObject({
			level: 30,
			req: { method: "GET", path: `/api/v1/moderation/${GUILD_A}/ban-status/261` },
			route: "/api/v1/moderation/:guildId/ban-status/:identifier",
			res: { status: 200 },
			duration_ms: expect.any(Number),
			key_prefix: key.slice(0, 36),
			guild: GUILD_A,
		});
		expect(typeof line?.time).toBe("string");
	});

	it("names a dashboard moderation route by its pattern, without the guild's id", async () => {
		const answer = await gateway.admin("GET", `/guilds/${GUILD_A}/moderation/status/261`);
		expect(answer.status).toBe(200);
		const id = answer.headers.get("x-request-id");
		expect(sink.parsed().find((entry) => entry.request_id === id)).toMatchObject({
			req: { method: "GET", path: `/admin/v1/guilds/${GUILD_A}/moderation/status/261` },
			route: "/admin/v1/guilds/:guildId/moderation/status/:identifier",
			msg: "GET /admin/v1/guilds/:guildId/moderation/status/:identifier 200",
		});
	});

	it("gives every answer a request id, made up when the caller's is missing or unfit for a log", async () => {
		const made = await gateway.api(`/moderation/${GUILD_A}/ban-status/1`, { headers: { "x-api-key": key, "x-request-id": "bad id\twith spaces" } });
		const id = made.headers.get("x-request-id");
		expect(id).toMatch(/^[0-9a-f-]{36}$/);
		expect(sink.parsed().some((entry) => entry.request_id === id && entry.res?.status === 200)).toBe(true);
	});

	it("writes each admin change with its actor, and never a key, token or secret", async () => {
		const created = await gateway.admin("POST", `/guilds/${GUILD_A}/keys`, { name: "logged" });
		const id = created.body.data.api_key.id as string;
		await gateway.admin("POST", `/guilds/${GUILD_A}/keys/${id}/revoke`);
		await gateway.api(`/moderation/${GUILD_A}/roblox/ban`, { method: "POST", headers: { authorization: `Bearer ${key}` }, body: banBody(7) });
		await gateway.api(`/moderation/${GUILD_A}/ban-status/1`, { headers: { "x-api-key": `${key}x` } });
		const actions = sink.parsed().filter((entry) => entry.msg === "admin action");
		expect(actions).toEqual(
			expect.arrayContaining([
				expect.objectContaining({ actor: { type: "admin_token" }, action: "POST /admin/v1/guilds/:guildId/keys", guild: GUILD_A }),
				expect.objectContaining({ action: "POST /admin/v1/guilds/:guildId/keys/:keyId/revoke", key_id: id, status: 200 }),
			]),
		);
		const everything = sink.lines.join("\n");
		for (const secret of [key, created.body.data.key as string, ADMIN_TOKEN]) expect(everything).not.toContain(secret);
	});

	it("redacts a key or the admin token typed into a path or query, escaped or not, and keeps the line", async () => {
		const secretOf = (full: string) => full.slice(full.lastIndexOf("_") + 1);
		const escapeEvery = (text: string) => [...text].map((char) => `%${char.charCodeAt(0).toString(16).padStart(2, "0")}`).join("");
		const mistakes = [
			`/api/v1/moderation/${GUILD_A}/ban-status/${key}`,
			`/api/v1/${key}`,
			`/api/v1/moderation/${GUILD_A}/ban-status/1?key=${key}`,
			`/api/v1/moderation/${GUILD_A}/ban-status/${escapeEvery(key)}`,
			`/api/v1/${key.replaceAll("_", "%5F")}`,
			`/api/v1/${escapeEvery(escapeEvery(key))}`,
			`/admin/v1/${ADMIN_TOKEN}/keys`,
			`/admin/v1/guilds/${escapeEvery(ADMIN_TOKEN)}/keys`,
			`/dashboard/${key}`,
			`/healthz?token=${ADMIN_TOKEN}`,
		];
		const ids: string[] = [];
		for (const [index, path] of mistakes.entries()) {
			const id = `mistake-${index}`;
			ids.push(id);
			await fetch(`${gateway.url}${path}`, { headers: { "x-api-key": key, "x-request-id": id } });
		}
		// Refused before routing (OPTIONS): that line names the path too.
		await fetch(`${gateway.url}/api/v1/${key}`, { method: "OPTIONS" });
		await new Promise((resolve) => setTimeout(resolve, 50));
		const lines = sink.parsed();
		for (const id of ids) {
			const line = lines.find((entry) => entry.request_id === id);
			expect(line?.req.path, id).toEqual(expect.any(String));
		}
		expect(lines.find((entry) => entry.request_id === "mistake-0")?.req.path).toBe(`/api/v1/moderation/${GUILD_A}/ban-status/[redacted]`);
		expect(lines.some((entry) => /^refused before routing/.test(entry.msg) && entry.req.path === "/api/v1/[redacted]")).toBe(true);
		const everything = sink.lines.join("\n");
		const unescaped = decodeURIComponent(decodeURIComponent(everything));
		for (const secret of [secretOf(key), ADMIN_TOKEN]) {
			expect(everything).not.toContain(secret);
			expect(unescaped).not.toContain(secret);
		}
	});
});

describe("failure logs", () => {
	it("names a data store failure's cause under the id the caller was given", async () => {
		const sink = collectLines();
		const gateway = await startTestGateway(
			{ DATA_STORE_URL: "http://127.0.0.1:1", DATA_STORE_TOKEN: "t".repeat(32) },
			{ logger: createLogger({ level: "info", format: "json" }, sink) },
		);
		try {
			const { key } = await gateway.createKey();
			const answer = await gateway.api(`/moderation/${GUILD_A}/ban-status/1`, { headers: { "x-api-key": key } });
			expect(answer.status).toBe(502);
			const id = answer.headers.get("x-request-id");
			const failure = sink.parsed().find((entry) => entry.msg === "data store request failed");
			expect(failure).toMatchObject({ level: 50, request_id: id, cause: "ECONNREFUSED", error: "upstream_unavailable" });
		} finally {
			await gateway.stop();
		}
	});

	it("LOG_FORMAT=pretty writes lines a person reads, not JSON", () => {
		const sink = collectLines();
		const logger = createLogger({ level: "info", format: "pretty" }, sink);
		logger.info({ route: "/healthz" }, "hello operator");
		expect(sink.lines.join("")).toContain("hello operator");
		expect(() => JSON.parse(sink.lines[0])).toThrow();
	});
});
