// test/gateway/platform/http/edge.test.ts
// Each framing the red-team run used to steer around the gateway's checks, answered by the contract.

import http from "node:http";
import type { AddressInfo } from "node:net";
import net from "node:net";
import { deflateSync, gzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AuthThrottle } from "../../../../gateway/auth/auth-throttle";
import { ConfigError, readConfig } from "../../../../gateway/config";
import { ApiError } from "../../../../gateway/platform/http/envelope";
import { ADMIN_TOKEN, GUILD_A, GUILD_B, banBody, startTestGateway, type TestGateway } from "../../harness";
import { rawExchange, rawRequest, type RawAnswer } from "./raw-http";
import { FORWARDED_HEADERS, startRecordingDataStore, type RecordingDataStore } from "./recording-data-store";

function expectEnvelope(answer: RawAnswer, status: number, error: string): void {
	expect(answer.status).toBe(status);
	expect(answer.headers["content-type"]).toMatch(/^application\/json/);
	expect(JSON.parse(answer.body)).toMatchObject({ status: "error", code: status, error });
}

const request = (lines: string[], body = "") => `${lines.join("\r\n")}\r\n\r\n${body}`;

describe("forwarding builds the upstream request", () => {
	let store: RecordingDataStore;
	let gateway: TestGateway;
	let key: string;

	beforeAll(async () => {
		store = await startRecordingDataStore();
		gateway = await startTestGateway({ DATA_STORE_URL: store.url, DATA_STORE_TOKEN: store.token });
		key = (await gateway.createKey()).key;
	});
	afterAll(async () => {
		await gateway.stop();
		await store.close();
	});

	const banPath = `/api/v1/moderation/${GUILD_A}/roblox/ban`;

	/** Every request the data store saw carried only allowed headers, the real token and the key's guild. */
	function expectOnlyGatewayHeaders(): void {
		expect(store.requests.length).toBeGreaterThan(0);
		for (const seen of store.requests) {
			for (const [name] of seen.headers) expect(FORWARDED_HEADERS).toContain(name);
			expect(seen.headers).toContainEqual(["x-technified-internal-token", store.token]);
			expect(seen.headers).toContainEqual(["x-technified-guild", GUILD_A]);
		}
	}

	it("Expect: 100-continue still sends the internal token and the verified guild, never the caller's credentials", async () => {
		const body = JSON.stringify(banBody(4001));
		const answer = await rawRequest(
			gateway.port,
			request(
				[
					`POST ${banPath} HTTP/1.1`,
					"Host: gateway.test",
					`X-API-Key: ${key}`,
					"Authorization: Basic c29tZTpvbmU=",
					"Cookie: session=stolen",
					`X-Technified-Guild: ${GUILD_B}`,
					"X-Technified-Internal-Token: guessed",
					"Expect: 100-continue",
					"Content-Type: application/json",
					`Content-Length: ${Buffer.byteLength(body)}`,
					"Connection: close",
				],
				body,
			),
		);
		expect(answer.status).toBe(201);
		const status = await gateway.api(`/moderation/${GUILD_A}/ban-status/4001?no_cache=true`, { headers: { "x-api-key": key } });
		expect(status.body.data.banned).toBe(true);
		expectOnlyGatewayHeaders();
		expect(JSON.stringify(store.requests)).not.toContain(key);
	});

	it("a chunked body is forwarded with its own length and costs one quota point", async () => {
		const { key: fresh } = await gateway.createKey(GUILD_A, { name: "chunked" });
		const body = JSON.stringify(banBody(4002));
		const chunked = `${body.length.toString(16)}\r\n${body}\r\n0\r\n\r\n`;
		const answer = await rawRequest(
			gateway.port,
			request([`POST ${banPath} HTTP/1.1`, "Host: x", `X-API-Key: ${fresh}`, "Content-Type: application/json", "Transfer-Encoding: chunked", "Connection: close"], chunked),
		);
		expect(answer.status).toBe(201);
		expect(answer.headers.ratelimit).toMatch(/^"writes";r=49;t=\d+$/);
		expectOnlyGatewayHeaders();
	});

	it("an upper-case JSON content type is parsed and re-sent as application/json", async () => {
		const answer = await fetch(`${gateway.url}${banPath}`, {
			method: "POST",
			headers: { "x-api-key": key, "content-type": "APPLICATION/JSON" },
			body: JSON.stringify(banBody(4003)),
			signal: AbortSignal.timeout(5_000),
		});
		expect(answer.status).toBe(201);
	});

	it("gzip and deflate bodies are inflated, then forwarded as plain JSON", async () => {
		for (const [encoding, compress, robloxId] of [["gzip", gzipSync, 4004], ["deflate", deflateSync, 4005]] as const) {
			const answer = await fetch(`${gateway.url}${banPath}`, {
				method: "POST",
				headers: { "x-api-key": key, "content-type": "application/json", "content-encoding": encoding },
				body: compress(Buffer.from(JSON.stringify(banBody(robloxId)))),
			});
			expect(answer.status).toBe(201);
			expect(((await answer.json()) as { data: { ban: { roblox_id: string } } }).data.ban.roblox_id).toBe(String(robloxId));
		}
	});

	it("an unsupported charset or content encoding is a JSON 415", async () => {
		const latin1 = await gateway.api(`/moderation/${GUILD_A}/roblox/ban`, {
			method: "POST",
			headers: { "x-api-key": key, "content-type": "application/json; charset=latin1" },
			body: JSON.stringify(banBody(4006)),
		});
		expect(latin1.status).toBe(415);
		expect(latin1.body).toMatchObject({ status: "error", code: 415, error: "unsupported_media_type" });
		const compressed = await gateway.api(`/moderation/${GUILD_A}/roblox/ban`, {
			method: "POST",
			headers: { "x-api-key": key, "content-encoding": "compress" },
			body: JSON.stringify(banBody(4006)),
		});
		expect(compressed.status).toBe(415);
		expect(compressed.body.error).toBe("unsupported_media_type");
	});

	it("JSON nested 5,000 deep is a 400 naming the depth, not a data store failure", async () => {
		const deep = `{"roblox_id":${"[".repeat(5_000)}${"]".repeat(5_000)},"reason":"x","moderator_roblox_id":1}`;
		const answer = await gateway.api(`/moderation/${GUILD_A}/roblox/ban`, { method: "POST", headers: { "x-api-key": key }, body: deep });
		expect(answer.status).toBe(400);
		expect(answer.body).toMatchObject({ error: "bad_request", message: expect.stringMatching(/nested deeper than 32 levels/) });
	});

	it("unban without moderator_roblox_id lifts the ban, as in the hosted API", async () => {
		await gateway.api(`/moderation/${GUILD_A}/roblox/ban`, { method: "POST", headers: { "x-api-key": key }, body: banBody(4007) });
		const unban = await gateway.api(`/moderation/${GUILD_A}/roblox/unban`, {
			method: "POST",
			headers: { "x-api-key": key },
			body: { roblox_id: "4007" },
		});
		expect(unban.status).toBe(200);
		const status = await gateway.api(`/moderation/${GUILD_A}/ban-status/4007`, { headers: { "x-api-key": key } });
		expect(status.body.data).toEqual({ banned: false });
	});

	it("a data store that answers something other than JSON is a 502, never its bytes", async () => {
		const html = http.createServer((_req, res) => res.writeHead(200, { "content-type": "text/html" }).end("<h1>proxy</h1>"));
		await new Promise<void>((resolve) => html.listen(0, "127.0.0.1", resolve));
		const fronted = await startTestGateway({
			DATA_STORE_URL: `http://127.0.0.1:${(html.address() as AddressInfo).port}`,
			DATA_STORE_TOKEN: store.token,
		});
		try {
			const { key: frontedKey } = await fronted.createKey();
			const answer = await fronted.api(`/moderation/${GUILD_A}/ban-status/1`, { headers: { "x-api-key": frontedKey } });
			expect(answer.status).toBe(502);
			expect(answer.body.error).toBe("upstream_unavailable");
		} finally {
			await fronted.stop();
			html.close();
		}
	});
});

describe("on one gateway", () => {
	let gateway: TestGateway;
	let key: string;

	beforeAll(async () => {
		gateway = await startTestGateway();
		key = (await gateway.createKey()).key;
	});
	afterAll(() => gateway.stop());

	describe("one request normaliser before routing", () => {
		it("a malformed percent-escape in the path is a 400 before authentication", async () => {
			const answer = await rawRequest(gateway.port, request([`GET /api/v1/moderation/%/ban-status/1 HTTP/1.1`, "Host: x", "Connection: close"]));
			expectEnvelope(answer, 400, "bad_request");
			expect(JSON.parse(answer.body).message).toMatch(/percent-escape/);
		});

		it("an absolute-form target is routed by its path", async () => {
			const answer = await rawRequest(
				gateway.port,
				request([`GET http://elsewhere.test/api/v1/moderation/${GUILD_A}/ban-status/1 HTTP/1.1`, "Host: x", `X-API-Key: ${key}`, "Connection: close"]),
			);
			expect(answer.status).toBe(200);
			expect(JSON.parse(answer.body).data).toEqual({ banned: false });
		});

		it("cached and uncached ban-status answers validate the query alike", async () => {
			const headers = { "x-api-key": key };
			const path = `/moderation/${GUILD_A}/ban-status/5`;
			for (const round of ["before caching", "after caching"]) {
				expect((await gateway.api(`${path}?no_cache=garbage`, { headers })).status, round).toBe(400);
				const twice = await gateway.api(`${path}?place_id=3&place_id=4`, { headers });
				expect(twice.status, round).toBe(400);
				expect(twice.body.message).toMatch(/place_id must be given once/);
				expect((await gateway.api(`${path}?place_id=03`, { headers })).status, round).toBe(400);
				// The array syntax of PHP and qs, raw or escaped: a list, refused as a repeated parameter is.
				for (const list of ["place_id[]=3", "place_id%5B%5D=3", "place_id[0]=3", "no_cache[]=true"]) {
					const answer = await gateway.api(`${path}?${list}`, { headers });
					expect(answer.status, `${round}: ${list}`).toBe(400);
					expect(answer.body.message, list).toMatch(/^(place_id|no_cache) must be given once, as a plain value$/);
				}
				expect((await gateway.api(path, { headers })).status).toBe(200);
			}
		});

		it("Authorization: Bearer <key> with anything after it is an invalid key, not a missing one", async () => {
			const answer = await gateway.api(`/moderation/${GUILD_A}/ban-status/1`, { headers: { authorization: `Bearer ${key} extra` } });
			expect(answer.status).toBe(401);
			expect(answer.body.error).toBe("invalid_api_key");
			const basic = await gateway.api(`/moderation/${GUILD_A}/ban-status/1`, { headers: { authorization: "Basic dXNlcjpwYXNz" } });
			expect(basic.body.error).toBe("missing_api_key");
		});

		it("Authorization: Bearer (or ApiKey) with nothing after it is a missing key, not an invalid one", async () => {
			for (const scheme of ["Bearer ", "Bearer", "ApiKey ", "bearer   "]) {
				const answer = await rawRequest(
					gateway.port,
					request([`GET /api/v1/moderation/${GUILD_A}/ban-status/1 HTTP/1.1`, "Host: x", `Authorization: ${scheme}`, "Connection: close"]),
				);
				expectEnvelope(answer, 401, "missing_api_key");
				expect(JSON.parse(answer.body).message, scheme).toBe("Missing API key");
			}
		});
	});

	describe("every answer is the contract's JSON envelope", () => {
		it("OPTIONS on any path answers JSON, not Express's plain-text Allow list", async () => {
			for (const path of ["/healthz", "/readyz", "/metrics", `/api/v1/moderation/${GUILD_A}/ban-status/1`, "/admin/v1/guilds"]) {
				const answer = await fetch(`${gateway.url}${path}`, { method: "OPTIONS" });
				expect(answer.status, path).toBe(404);
				expect(answer.headers.get("content-type"), path).toMatch(/^application\/json/);
				expect(await answer.json()).toMatchObject({ status: "error", error: "not_found" });
			}
		});

		it("If-None-Match: * still gets the whole ban-status answer, cached or not", async () => {
			for (let round = 0; round < 2; round++) {
				const answer = await gateway.api(`/moderation/${GUILD_A}/ban-status/9`, { headers: { "x-api-key": key, "if-none-match": "*" } });
				expect(answer.status).toBe(200);
				expect(answer.body.data).toEqual({ banned: false });
			}
		});

		it("malformed HTTP, oversized headers and a bad Expect get JSON 400, 431 and 417", async () => {
			expectEnvelope(await rawRequest(gateway.port, request(["GET /healthz HTTP/1.1", "Host: x", "Bad Header Line"])), 400, "bad_request");
			expectEnvelope(
				await rawRequest(gateway.port, request(["GET /healthz HTTP/1.1", "Host: x", `X-Big: ${"a".repeat(20_000)}`])),
				431,
				"headers_too_large",
			);
			expectEnvelope(
				await rawRequest(gateway.port, request(["GET /healthz HTTP/1.1", "Host: x", "Expect: something-else", "Connection: close"])),
				417,
				"expectation_failed",
			);
		});

		it("more request headers than MAX_HEADER_COUNT is a 431; a valid key under it is still answered", async () => {
			const filler = (count: number) => Array.from({ length: count }, (_, i) => `X-Filler-${i}: ${i}`);
			const base = [`GET /api/v1/moderation/${GUILD_A}/ban-status/1 HTTP/1.1`, "Host: x", `X-API-Key: ${key}`, "Connection: close"];
			expectEnvelope(await rawRequest(gateway.port, request([...base, ...filler(1_000)])), 431, "headers_too_large");
			const under = await rawRequest(gateway.port, request([...base, ...filler(90)]));
			expect(under.status).toBe(200);
			expect(JSON.parse(under.body).data).toEqual({ banned: false });
		});
	});

});

describe("resource limits", () => {
	let gateway: TestGateway;

	beforeAll(async () => {
		gateway = await startTestGateway({ HEADERS_TIMEOUT_SECONDS: "1", REQUEST_TIMEOUT_SECONDS: "2", MAX_CONNECTIONS: "5", AUTH_FAILURES_PER_MINUTE: "1" });
	});
	afterAll(() => gateway.stop());

	it("a client trickling its headers is answered 408 in JSON and cut off", async () => {
		const trickle = "GET /healthz HTTP/1.1\r\nHost: x\r\n".split("").concat(Array(40).fill("X"));
		const answer = await rawRequest(gateway.port, trickle, { gapMs: 100, timeoutMs: 6_000 });
		expectEnvelope(answer, 408, "request_timeout");
		expect(answer.elapsedMs).toBeLessThan(3_500);
	});

	it("a request refused while its body is still coming gets that one answer, and its connection is closed", async () => {
		const { key } = await gateway.createKey(GUILD_A);
		const unfinished = (headers: string[]) =>
			request([`POST /api/v1/moderation/${GUILD_A}/roblox/ban HTTP/1.1`, "Host: x", "Content-Type: application/json", "Content-Length: 500", ...headers], '{"roblox_id":');
		// No key (401, the address's one allowed failure), another guild's key (403), then a wrong key
		// from the now throttled address (429): all refused before the body is read.
		const refusals = [
			[[], "401"],
			[[`X-API-Key: ${(await gateway.createKey(GUILD_B)).key}`], "403"],
			[[`X-API-Key: ${key}x`], "429"],
		] as const;
		for (const [headers, status] of refusals) {
			const exchange = await rawExchange(gateway.port, unfinished([...headers]), 3_000);
			expect(exchange.statusLines, exchange.text).toEqual([expect.stringMatching(new RegExp(`^HTTP/1.1 ${status} `))]);
			expect(exchange.text).toMatch(/\r\nConnection: close\r\n/i);
			expect(exchange.closedAfterMs, exchange.text).toBeLessThan(1_000);
		}
		// A body sent whole keeps the connection: the next request on it is answered too.
		const body = JSON.stringify(banBody(4100));
		const whole = request([`POST /api/v1/moderation/${GUILD_B}/roblox/ban HTTP/1.1`, "Host: x", `X-API-Key: ${key}`, "Content-Type: application/json", `Content-Length: ${body.length}`], body);
		const kept = await rawExchange(gateway.port, whole + request(["GET /healthz HTTP/1.1", "Host: x"]), 500);
		expect(kept.statusLines, kept.text).toEqual([expect.stringMatching(/^HTTP\/1.1 403 /), expect.stringMatching(/^HTTP\/1.1 200 /)]);
		expect(kept.closedAfterMs).toBeUndefined();
	});

	it("an answer given while the request's body is still coming is the only one: the connection ends after it", async () => {
		const { key } = await gateway.createKey(GUILD_A);
		const banStatus = request([`GET /api/v1/moderation/${GUILD_A}/ban-status/4200 HTTP/1.1`, "Host: x", `X-API-Key: ${key}`, "Content-Length: 500"], "{");
		const exchange = await rawExchange(gateway.port, banStatus, 3_000);
		expect(exchange.statusLines, exchange.text).toEqual([expect.stringMatching(/^HTTP\/1.1 200 /)]);
		expect(exchange.closedAfterMs, exchange.text).toBeLessThan(1_000);
	});

	it("connections beyond MAX_CONNECTIONS are closed on arrival, and served again once others close", async () => {
		const held = await Promise.all(
			Array.from({ length: 5 }, () => new Promise<net.Socket>((resolve) => {
				const socket = net.connect(gateway.port, "127.0.0.1", () => resolve(socket));
			})),
		);
		await new Promise((resolve) => setTimeout(resolve, 100));
		const refused = await new Promise<string>((resolve) => {
			const socket = net.connect(gateway.port, "127.0.0.1");
			let received = "";
			socket.on("data", (chunk) => (received += chunk.toString()));
			socket.on("close", () => resolve(received));
			socket.on("error", () => undefined);
			setTimeout(() => socket.write("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"), 50);
		});
		expect(refused).toBe("");
		for (const socket of held) socket.destroy();
		await new Promise((resolve) => setTimeout(resolve, 100));
		expect((await fetch(`${gateway.url}/healthz`)).status).toBe(200);
	});

	it("a data store that sends its headers and stalls is a 504 within the upstream deadline", async () => {
		const stalling = http.createServer((_req, res) => {
			res.writeHead(200, { "content-type": "application/json" });
			res.write('{"status":"succ');
		});
		await new Promise<void>((resolve) => stalling.listen(0, "127.0.0.1", resolve));
		const fronted = await startTestGateway(
			{ DATA_STORE_URL: `http://127.0.0.1:${(stalling.address() as AddressInfo).port}`, DATA_STORE_TOKEN: "t".repeat(32) },
			{ upstreamTimeoutMs: 400 },
		);
		try {
			const { key } = await fronted.createKey();
			const started = Date.now();
			const answer = await fronted.api(`/moderation/${GUILD_A}/ban-status/1`, { headers: { "x-api-key": key } });
			expect(answer.status).toBe(504);
			expect(answer.body.error).toBe("upstream_timeout");
			expect(Date.now() - started).toBeLessThan(2_000);
		} finally {
			await fronted.stop();
			stalling.closeAllConnections();
			stalling.close();
		}
	});
});

describe("the smaller findings", () => {
	it("an active-list cursor says nothing of other guilds' volume", async () => {
		const clock = () => 1_800_000_000_000;
		const cursorOfGuildB = async (otherGuildBans: number) => {
			const gateway = await startTestGateway({}, { clock });
			try {
				const keyA = (await gateway.createKey(GUILD_A)).key;
				const keyB = (await gateway.createKey(GUILD_B)).key;
				for (let id = 1; id <= otherGuildBans; id++) {
					await gateway.api(`/moderation/${GUILD_A}/roblox/ban`, { method: "POST", headers: { "x-api-key": keyA }, body: banBody(id) });
				}
				for (const id of [1, 2]) {
					await gateway.api(`/moderation/${GUILD_B}/roblox/ban`, { method: "POST", headers: { "x-api-key": keyB }, body: banBody(id) });
				}
				const page = await gateway.api(`/moderation/${GUILD_B}/roblox/bans/active?limit=1`, { headers: { "x-api-key": keyB } });
				return page.body.data.next_cursor as string;
			} finally {
				await gateway.stop();
			}
		};
		const alone = await cursorOfGuildB(0);
		expect(alone).toEqual(expect.any(String));
		expect(await cursorOfGuildB(20)).toBe(alone);
	});

	it("DATA_STORE_TOKEN shorter than 32 characters stops start-up naming it", () => {
		expect(() => readConfig({ DATA_STORE_URL: "http://127.0.0.1:1", DATA_STORE_TOKEN: "short" })).toThrow(ConfigError);
		expect(() => readConfig({ DATA_STORE_URL: "http://127.0.0.1:1", DATA_STORE_TOKEN: "short" })).toThrow(/DATA_STORE_TOKEN/);
	});

	it("failed authentications from one IPv6 /64 count together, whatever the interface id", async () => {
		const throttle = AuthThrottle.inMemory(3);
		const refusal = new ApiError(401, "invalid_api_key", "Invalid API key for this guild");
		for (const suffix of ["1", "2", "abcd:ef01", "ffff:ffff:ffff:fffe"]) {
			await throttle.refuse(`2001:db8:1:2::${suffix}`, refusal).catch(() => undefined);
		}
		expect((await throttle.state("2001:db8:1:2:9:9:9:9")).throttled).toBe(true);
		expect((await throttle.state("2001:db8:1:3::1")).throttled).toBe(false);
		expect((await throttle.state("192.0.2.1")).throttled).toBe(false);
	});

	it("METRICS_TOKEN closes /metrics to everyone without it", async () => {
		const metricsToken = "metrics-token-0123456789";
		const gateway = await startTestGateway({ METRICS_TOKEN: metricsToken });
		try {
			const open = await fetch(`${gateway.url}/metrics`);
			expect(open.status).toBe(401);
			expect(await open.json()).toMatchObject({ error: "unauthorized", message: "Missing metrics token" });
			const scraped = await fetch(`${gateway.url}/metrics`, { headers: { authorization: `Bearer ${metricsToken}` } });
			expect(scraped.status).toBe(200);
			expect(await scraped.text()).toContain("process_cpu");
		} finally {
			await gateway.stop();
		}
	});

	it("a form-encoded admin body is a 400 and creates no key", async () => {
		const gateway = await startTestGateway();
		try {
			const answer = await fetch(`${gateway.url}/admin/v1/guilds/${GUILD_A}/keys`, {
				method: "POST",
				headers: { authorization: `Bearer ${ADMIN_TOKEN}`, "content-type": "application/x-www-form-urlencoded" },
				body: "name=Main+Game",
			});
			expect(answer.status).toBe(400);
			expect(await answer.json()).toMatchObject({ error: "bad_request", message: expect.stringMatching(/JSON/) });
			expect((await gateway.admin("GET", `/guilds/${GUILD_A}/keys`)).body.data.keys).toEqual([]);
		} finally {
			await gateway.stop();
		}
	});
});
