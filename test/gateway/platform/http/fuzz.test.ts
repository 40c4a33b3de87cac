// test/gateway/platform/http/fuzz.test.ts
// Seeded, bounded fuzzing of the gateway's edge over raw loopback sockets: framings, paths, headers and bodies.

import { gzipSync } from "node:zlib";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GUILD_A, GUILD_B, banBody, startTestGateway, type TestGateway } from "../../harness";
import { rawRequest, type RawAnswer } from "./raw-http";
import { FORWARDED_HEADERS, startRecordingDataStore, type RecordingDataStore } from "./recording-data-store";

/** Fixed, so a failure names a run anyone can replay; FUZZ_SEED and FUZZ_RUNS try others. */
const SEED = Number(process.env.FUZZ_SEED ?? 20261202);
const RUNS = Number(process.env.FUZZ_RUNS ?? 2_500);

let store: RecordingDataStore;
let gateway: TestGateway;
/** Every credential the fuzzer sends; none may reach the data store or come back in an answer. */
const credentials: string[] = [];
const keys: Record<"a" | "b" | "aReadOnly" | "revoked", string> = { a: "", b: "", aReadOnly: "", revoked: "" };

beforeAll(async () => {
	store = await startRecordingDataStore();
	gateway = await startTestGateway({
		DATA_STORE_URL: store.url,
		DATA_STORE_TOKEN: store.token,
		// Quotas and the throttle out of the way, so most requests reach the forwarder.
		RATE_LIMITS: "moderation=1000000,lists=1000000,writes=1000000",
		AUTH_FAILURES_PER_MINUTE: "1000000",
	});
	keys.a = (await gateway.createKey(GUILD_A)).key;
	keys.b = (await gateway.createKey(GUILD_B)).key;
	keys.aReadOnly = (await gateway.createKey(GUILD_A, { scopes: ["moderation:read"] })).key;
	const revoked = await gateway.createKey(GUILD_B, { name: "revoked" });
	await gateway.admin("POST", `/guilds/${GUILD_B}/keys/${revoked.id}/revoke`);
	keys.revoked = revoked.key;
	credentials.push(...Object.values(keys), store.token, "session=stolen-cookie");
});
afterAll(async () => {
	await gateway.stop();
	await store.close();
});

/** Mostly well-formed, so requests get past each check in turn; the rest is mutated. */
const mostly = <T>(usual: fc.Arbitrary<T>, odd: fc.Arbitrary<T>) => fc.oneof({ arbitrary: usual, weight: 4 }, { arbitrary: odd, weight: 1 });

const userId = mostly(
	fc.integer({ min: 1, max: 2 ** 53 - 1 }).map(String),
	fc.constantFrom("007", "0", "-1", "9007199254740993", "abc", "%", "%2", "%E0%A4%A", "1.5", "١٢", ""),
);
const guild = mostly(
	fc.constantFrom(GUILD_A, GUILD_B),
	fc.constantFrom("123", "0123456789012345678", "%31%32%33", `${GUILD_A}x`),
);
const queryValue = fc.constantFrom("true", "false", "garbage", "1", "03", "", "%", "a%20b", "-5", "500", "501");
const query = mostly(
	fc.constant(""),
	fc
		.array(fc.tuple(fc.constantFrom("place_id", "no_cache", "limit", "cursor", "after", "x"), queryValue), { minLength: 1, maxLength: 3 })
		.map((pairs) => `?${pairs.map(([k, v]) => `${k}=${v}`).join("&")}`),
);

/** A route with the method and body it expects; the fuzzer sometimes sends another method. */
interface Route {
	method: string;
	path: string;
	body: string;
}

const banLike = (robloxId: string) => JSON.stringify(banBody(robloxId));
const route: fc.Arbitrary<Route> = fc.oneof(
	fc.tuple(guild, userId).map(([g, id]) => ({ method: "GET", path: `/api/v1/moderation/${g}/ban-status/${id}`, body: "" })),
	fc.tuple(guild, userId).map(([g, id]) => ({ method: "GET", path: `/api/v1/moderation/${g}/mute-status/${id}`, body: "" })),
	fc.tuple(guild, fc.array(userId, { minLength: 1, maxLength: 5 })).map(([g, ids]) => ({
		method: "POST",
		path: `/api/v1/moderation/${g}/ban-status/batch`,
		body: JSON.stringify({ identifiers: ids }),
	})),
	fc.tuple(guild, fc.constantFrom("ban", "mute"), userId).map(([g, w, id]) => ({ method: "POST", path: `/api/v1/moderation/${g}/roblox/${w}`, body: banLike(id) })),
	fc.tuple(guild, fc.constantFrom("unban", "unmute"), userId).map(([g, w, id]) => ({
		method: "POST",
		path: `/api/v1/moderation/${g}/roblox/${w}`,
		body: JSON.stringify({ roblox_id: id }),
	})),
	fc.tuple(guild, fc.constantFrom("bans", "mutes")).map(([g, l]) => ({ method: "GET", path: `/api/v1/moderation/${g}/roblox/${l}/active`, body: "" })),
	fc.constantFrom("/healthz", "/readyz", "/metrics", "/admin/v1/guilds", `/admin/v1/guilds/${GUILD_A}/keys`, "/API/V1/x", "/", "//api/v1", "*").map(
		(path) => ({ method: "GET", path, body: "" }),
	),
);

const oddMethod = fc.constantFrom("GET", "POST", "HEAD", "PUT", "DELETE", "PATCH", "OPTIONS", "TRACE", "BREW");
const absolutePrefix = mostly(fc.constant(""), fc.constantFrom("http://gateway.test", "https://x:1", "HTTP://Y"));

const keyHeader = mostly(
	fc.tuple(fc.constantFrom<keyof typeof keys>("a", "a", "b", "aReadOnly", "revoked"), fc.constantFrom("x-api-key", "apikey", "bearer")).map(
		([which, form]) => {
			const key = keys[which];
			if (form === "x-api-key") return [`X-API-Key: ${key}`];
			if (form === "apikey") return [`Authorization: ApiKey ${key}`];
			return [`Authorization: Bearer ${key}`];
		},
	),
	// Mapped at generation time: the keys exist only once the suite has started.
	fc.constantFrom("none", "garbage", "basic", "empty", "bearer-empty", "bearer-extra").map((odd) => {
		if (odd === "garbage") return ["X-API-Key: technified_123456789012345678_garbage"];
		if (odd === "basic") return ["Authorization: Basic dTpw"];
		if (odd === "empty") return ["X-API-Key:"];
		if (odd === "bearer-empty") return ["Authorization: Bearer"];
		if (odd === "bearer-extra") return [`Authorization: Bearer ${keys.a} extra`];
		return [];
	}),
);
const extraHeaders = mostly(fc.constant<string[]>([]), fc.subarray(
	[
		"Cookie: session=stolen-cookie",
		`X-Technified-Guild: ${GUILD_B}`,
		"X-Technified-Internal-Token: guessed",
		"Proxy-Authorization: Basic dTpw",
		"Expect: 100-continue",
		"Expect: fancy",
		"If-None-Match: *",
		"If-Modified-Since: Wed, 21 Oct 2015 07:28:00 GMT",
		"Range: bytes=0-1",
		"X-Forwarded-For: 10.0.0.1",
		"Accept-Encoding: gzip",
		"Connection: keep-alive, Upgrade",
		"Upgrade: websocket",
		"TE: trailers",
	],
	{ minLength: 1, maxLength: 3 },
));
const fillerHeaders = mostly(fc.constant(0), fc.constantFrom(5, 99, 150)).map((n) => Array.from({ length: n }, (_, i) => `X-Filler-${i}: ${i}`));

const oddBody = fc.oneof(
	fc.constant(`{"roblox_id":${"[".repeat(3_000)}${"]".repeat(3_000)}}`),
	fc.constant('{"roblox_id":'),
	fc.constantFrom("[]", "null", '"text"'),
	fc.constant(JSON.stringify({ identifiers: Array.from({ length: 101 }, (_, i) => i + 1) })),
	fc.constant(JSON.stringify(banBody(1, { reason: "x".repeat(20_000) }))),
	fc.json({ maxDepth: 4 }),
	fc.string({ unit: "grapheme", maxLength: 40 }),
);
const contentType = mostly(
	fc.constant<string | undefined>("application/json"),
	fc.constantFrom(
		undefined,
		"APPLICATION/JSON",
		"application/json; charset=utf-8",
		"application/json; charset=latin1",
		"application/json; charset=utf-16",
		"text/plain",
		"application/x-www-form-urlencoded",
		"multipart/form-data; boundary=x",
		"application/merge-patch+json",
	),
);
const framing = mostly(fc.constant("length"), fc.constantFrom("chunked", "short-length", "gzip", "bad-gzip", "encoding-br-plain", "none"));

interface FuzzRequest {
	method: string;
	target: string;
	headers: string[];
	body: string;
	contentType: string | undefined;
	framing: string;
}

const fuzzRequest: fc.Arbitrary<FuzzRequest> = fc
	.record({
		route,
		method: mostly(fc.constant(undefined), oddMethod),
		absolute: absolutePrefix,
		query,
		key: keyHeader,
		extra: extraHeaders,
		filler: fillerHeaders,
		body: mostly(fc.constant(undefined), oddBody),
		contentType,
		framing,
	})
	.map(({ route, method, absolute, query, key, extra, filler, body, contentType, framing }) => ({
		method: method ?? route.method,
		target: route.path === "*" ? "*" : `${absolute}${route.path}${query}`,
		headers: [...key, ...extra, ...filler],
		body: body ?? route.body,
		contentType: (body ?? route.body) === "" && contentType === "application/json" ? undefined : contentType,
		framing: (body ?? route.body) === "" && framing === "length" ? "none" : framing,
	}));

/** The request's bytes exactly as a misbehaving client would send them. */
function encode(request: FuzzRequest): Buffer {
	const head = [`${request.method} ${request.target} HTTP/1.1`, "Host: gateway.test", ...request.headers, "Connection: close"];
	if (request.contentType !== undefined) head.push(`Content-Type: ${request.contentType}`);
	let body: Buffer = Buffer.from(request.body);
	switch (request.framing) {
		case "none":
			return Buffer.from(`${head.join("\r\n")}\r\n\r\n`);
		case "chunked":
			head.push("Transfer-Encoding: chunked");
			body = Buffer.concat([Buffer.from(`${body.length.toString(16)}\r\n`), body, Buffer.from("\r\n0\r\n\r\n")]);
			return Buffer.concat([Buffer.from(`${head.join("\r\n")}\r\n\r\n`), body]);
		case "short-length":
			head.push(`Content-Length: ${Math.floor(body.length / 2)}`);
			break;
		case "gzip":
			body = gzipSync(body);
			head.push("Content-Encoding: gzip", `Content-Length: ${body.length}`);
			break;
		case "bad-gzip":
			head.push("Content-Encoding: gzip", `Content-Length: ${body.length}`);
			break;
		case "encoding-br-plain":
			head.push("Content-Encoding: br", `Content-Length: ${body.length}`);
			break;
		default:
			head.push(`Content-Length: ${body.length}`);
	}
	return Buffer.concat([Buffer.from(`${head.join("\r\n")}\r\n\r\n`), body]);
}

/** What every answer must be, whatever was sent. */
function expectContractAnswer(request: FuzzRequest, answer: RawAnswer, dataStoreDown = false): void {
	const context = `${request.method} ${request.target} (${request.framing}) → ${answer.status} ${answer.body.slice(0, 120)}`;
	// With the data store down: 502/504 for forwarded requests, 503 from /readyz naming it; never a 500.
	const allowed = dataStoreDown ? [502, 504, ...(/\/readyz(\?|$)/.test(request.target) ? [503] : [])] : [];
	expect(answer.status >= 500 && !allowed.includes(answer.status), context).toBe(false);
	for (const secret of credentials) expect(answer.body.includes(secret), context).toBe(false);
	const prometheus = answer.status === 200 && /\/metrics(\?|$)/.test(request.target);
	if (prometheus) return;
	expect(answer.headers["content-type"], context).toMatch(/^application\/json/);
	if (request.method === "HEAD") return;
	const envelope = JSON.parse(answer.body) as { status: string; code: number; error?: string };
	expect(envelope.code, context).toBe(answer.status);
	expect(envelope.status, context).toBe(answer.status < 400 ? "success" : "error");
	if (answer.status >= 400) expect(typeof envelope.error, context).toBe("string");
}

describe("the gateway's edge under fuzzed requests", () => {
	it(`answers ${RUNS} fuzzed requests by the contract, and the data store sees only what the gateway wrote`, async () => {
		const statuses = new Map<number, number>();
		await fc.assert(
			fc.asyncProperty(fuzzRequest, async (request) => {
				const answer = await rawRequest(gateway.port, encode(request), { timeoutMs: 5_000 });
				statuses.set(answer.status, (statuses.get(answer.status) ?? 0) + 1);
				expectContractAnswer(request, answer);
			}),
			{ seed: SEED, numRuns: RUNS, endOnFailure: true },
		);
		// The run reached the data store and the refusals alike, or it proved little.
		expect([...statuses.keys()]).toEqual(expect.arrayContaining([200, 201, 400, 401, 403, 404, 413, 415, 431]));
		// The gateway's own /readyz probes aside, every request the store saw was a forwarded one.
		const forwarded = store.requests.filter((seen) => seen.url !== "/readyz");
		expect(forwarded.length).toBeGreaterThan(RUNS / 20);
		for (const seen of forwarded) {
			const names = seen.headers.map(([name]) => name);
			for (const name of names) expect(FORWARDED_HEADERS, `${seen.url}: ${name}`).toContain(name);
			expect(seen.headers).toContainEqual(["x-technified-internal-token", store.token]);
			const guild = seen.headers.find(([name]) => name === "x-technified-guild")?.[1];
			expect(seen.url.startsWith(`/api/v1/moderation/${guild}/`), seen.url).toBe(true);
			for (const [, value] of seen.headers) {
				for (const secret of credentials.filter((c) => c !== store.token)) expect(value.includes(secret)).toBe(false);
			}
		}
	}, 120_000);

	it("answers only the contract's 502 or 504 while the data store is really down", async () => {
		await store.close();
		await fc.assert(
			fc.asyncProperty(fuzzRequest, async (request) => {
				const answer = await rawRequest(gateway.port, encode(request), { timeoutMs: 5_000 });
				expectContractAnswer(request, answer, true);
			}),
			{ seed: SEED + 1, numRuns: 300, endOnFailure: true },
		);
	}, 60_000);
});
