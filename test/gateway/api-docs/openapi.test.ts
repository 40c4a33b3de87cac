// test/gateway/api-docs/openapi.test.ts
// The OpenAPI document at /api/v1/openapi.json: valid 3.1, built from the routes' declarations, each example answered as documented, read by the reference at /docs; and the harness's answer check catching an answer it does not describe.

import http from "node:http";
import type { AddressInfo } from "node:net";
import SwaggerParser from "@apidevtools/swagger-parser";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildOpenApiDocument } from "../../../gateway/api-docs/openapi-document";
import { ALL_ROUTES } from "../../../gateway/routes";
import { DASHBOARD_CSP } from "../../../gateway/dashboard/dashboard-router";
import { checkDocumentedAnswer } from "../documented-answers";
import { ADMIN_TOKEN, GUILD_A, startTestGateway, type TestGateway } from "../harness";

/** As much of an OpenAPI document as these tests read. */
interface Schema {
	type?: string;
	required?: string[];
	properties?: Record<string, Schema>;
	[keyword: string]: unknown;
}
interface OperationObject {
	description?: string;
	security?: Record<string, string[]>[];
	parameters?: { name: string; in: string; required: boolean; schema?: Schema; example?: unknown }[];
	requestBody?: { content: { "application/json": { schema: Schema; example?: unknown } } };
	responses?: Record<string, { content?: Record<string, unknown> }>;
}
interface Document {
	openapi: string;
	paths: Record<string, Record<string, OperationObject>>;
	components?: { securitySchemes?: Record<string, unknown> };
}

const bodySchema = (operation: OperationObject | undefined): Schema => operation?.requestBody?.content["application/json"].schema ?? {};

describe("the OpenAPI document", () => {
	let gateway: TestGateway;
	let document: Document;
	beforeAll(async () => {
		gateway = await startTestGateway();
		const response = await fetch(`${gateway.url}/api/v1/openapi.json`);
		expect(response.status).toBe(200);
		expect(response.headers.get("content-type")).toMatch(/^application\/json/);
		document = (await response.json()) as Document;
	});
	afterAll(() => gateway.stop());

	it("is OpenAPI 3.1 that swagger-parser validates, and is the one built from the schemas", async () => {
		expect(document.openapi).toBe("3.1.0");
		await expect(SwaggerParser.validate(structuredClone(document) as unknown as Parameters<typeof SwaggerParser.validate>[0])).resolves.toBeDefined();
		expect(document).toEqual(buildOpenApiDocument(ALL_ROUTES));
	});

	it("says what the server enforces: numbers as numbers with their bounds, the event stream, /metrics, every status", () => {
		const events = document.paths["/api/v1/moderation/{guildId}/events"].get;
		const query = (operation: OperationObject | undefined, name: string) => operation?.parameters?.find((parameter) => parameter.name === name)?.schema;
		expect(query(events, "wait")).toMatchObject({ type: "integer", minimum: 0, maximum: 25, default: 25 });
		expect(query(events, "after")).toMatchObject({ type: "integer", minimum: 0 });
		expect(query(document.paths["/api/v1/moderation/{guildId}/roblox/bans/active"].get, "limit")).toMatchObject({ type: "integer", minimum: 1, maximum: 500, default: 100 });
		expect(events?.parameters?.filter((parameter) => parameter.in === "header").map((parameter) => parameter.name)).toEqual(["Accept", "Last-Event-ID"]);
		expect(Object.keys(events?.responses?.["200"].content ?? {})).toEqual(["application/json", "text/event-stream"]);
		expect(Object.keys(document.paths["/metrics"].get?.responses?.["200"].content ?? {})).toEqual(["text/plain"]);
		for (const [path, methods] of Object.entries(document.paths)) {
			for (const [method, operation] of Object.entries(methods)) {
				const where = `${method.toUpperCase()} ${path}`;
				const statuses = Object.keys(operation.responses ?? {});
				expect(statuses, where).toEqual(expect.arrayContaining(["408", "417", "431"]));
				if (operation.requestBody !== undefined) expect(statuses, where).toEqual(expect.arrayContaining(["400", "413", "415"]));
				if (/\/(webhooks|experiences|members|audit)/.test(path)) expect(statuses, where).toContain("403");
				// A number read from the query is written as one: no digits-only string left for a client to quote.
				for (const parameter of operation.parameters ?? []) {
					// A JobId is text, and a Discord guild id exceeds 2^53: those two keep their patterns.
					if (parameter.in === "query" && !["job_id", "guildId"].includes(parameter.name)) expect(parameter.schema?.pattern, `${where} ${parameter.name}`).toBeUndefined();
					// Discord ids exceed 2^53: strings of digits; Roblox ids fit in a number.
					if (["identifier", "universeId"].includes(parameter.name)) expect(parameter.schema, `${where} ${parameter.name}`).toMatchObject({ type: "integer", minimum: 1 });
				}
			}
		}
	});

	it("offers the three key header forms on public routes and the operator's Bearer token on admin routes", () => {
		for (const [path, methods] of Object.entries(document.paths)) {
			for (const operation of Object.values(methods)) {
				const schemes = (operation.security ?? []).map((requirement) => Object.keys(requirement)[0]);
				// The document itself is as open as /healthz.
				if (path.startsWith("/api/v1/") && path !== "/api/v1/openapi.json") expect(schemes).toEqual(["ApiKeyHeader", "ApiKeyAuthorization", "ApiKeyBearer"]);
				// The sign-in itself is where a session comes from: nothing to show yet.
				else if (path.startsWith("/admin/v1/auth/discord")) expect(schemes).toEqual([]);
				else if (path.startsWith("/admin/v1/")) expect(schemes).toEqual(["AdminToken", "OperatorSession"]);
				else expect(schemes).toEqual([]);
			}
		}
		expect(document.components?.securitySchemes).toMatchObject({
			ApiKeyHeader: { type: "apiKey", in: "header", name: "X-API-Key" },
			ApiKeyAuthorization: { type: "apiKey", in: "header", name: "Authorization" },
			ApiKeyBearer: { type: "http", scheme: "bearer" },
			AdminToken: { type: "http", scheme: "bearer" },
			OperatorSession: { type: "apiKey", in: "cookie", name: "technified_session" },
		});
	});

	it("answers each operation's documented example as the document says it answers", async () => {
		const { key } = await gateway.createKey(GUILD_A);
		for (const [template, methods] of Object.entries(document.paths)) {
			for (const [method, operation] of Object.entries(methods)) {
				const where = `${method.toUpperCase()} ${template}`;
				let path = template;
				const search = new URLSearchParams();
				for (const parameter of operation.parameters ?? []) {
					if (parameter.in === "path") path = path.replace(`{${parameter.name}}`, String(parameter.example));
					else if (parameter.in === "query" && parameter.example !== undefined) search.set(parameter.name, String(parameter.example));
				}
				const example = operation.requestBody?.content["application/json"].example;
				const credential = path.startsWith("/admin/") ? `Bearer ${ADMIN_TOKEN}` : `Bearer ${key}`;
				const response = await fetch(`${gateway.url}${path}${search.size === 0 ? "" : `?${search}`}`, {
					method: method.toUpperCase(),
					headers: { authorization: credential, ...(example === undefined ? {} : { "content-type": "application/json" }) },
					body: example === undefined ? undefined : JSON.stringify(example),
					redirect: "manual",
				});
				expect(Object.keys(operation.responses ?? {}), `${where} answered ${response.status}`).toContain(String(response.status));
				const type = response.headers.get("content-type") ?? "";
				const body = response.status === 204 || response.status === 302 ? undefined : type.startsWith("application/json") ? await response.json() : await response.text();
				if (body !== undefined) expect(Object.keys(operation.responses?.[String(response.status)].content ?? {}).some((listed) => type.startsWith(listed)), where).toBe(true);
				expect((body as { message?: string } | undefined)?.message, where).not.toBe("Route not found");
				checkDocumentedAnswer(method, path, { status: response.status, body });
			}
		}
	});

	it("shows an answer for every key-authenticated route, in a form its own schema accepts", () => {
		for (const [template, methods] of Object.entries(document.paths)) {
			for (const [method, operation] of Object.entries(methods)) {
				const examples = Object.entries(operation.responses ?? {}).flatMap(([status, answer]) => {
					const example = (answer.content?.["application/json"] as { example?: unknown } | undefined)?.example;
					return example === undefined ? [] : [{ status: Number(status), example }];
				});
				if (template.startsWith("/api/v1/moderation/")) expect(examples, `${method.toUpperCase()} ${template}`).not.toEqual([]);
				for (const { status, example } of examples) checkDocumentedAnswer(method, template, { status, body: example });
			}
		}
	});

	it("documents each request field with the limits the routes enforce", () => {
		const body = bodySchema(document.paths["/api/v1/moderation/{guildId}/roblox/ban"].post);
		expect(body.required).toEqual(["roblox_id", "reason", "moderator_roblox_id"]);
		expect(body.properties?.reason).toMatchObject({ type: "string", maxLength: 500 });
		const identifiers = bodySchema(document.paths["/api/v1/moderation/{guildId}/ban-status/batch"].post).properties?.identifiers;
		expect(identifiers).toMatchObject({ type: "array", minItems: 1, maxItems: 100 });
		const list = document.paths["/api/v1/moderation/{guildId}/roblox/bans/active"].get;
		expect(list?.parameters).toContainEqual(expect.objectContaining({ name: "limit", in: "query", required: false }));
	});

	it("names every quota category where it shows them: a key's own quotas, and the events route's", () => {
		const rateLimits = bodySchema(document.paths["/admin/v1/guilds/{guildId}/keys/{keyId}"].patch).properties?.rate_limits;
		const overridable = (rateLimits?.anyOf as Schema[] | undefined)?.find((schema) => schema.type === "object");
		expect(Object.keys(overridable?.properties ?? {})).toEqual(["moderation", "lists", "writes", "events", "servers"]);
		expect(rateLimits?.description).toContain("`events`, `servers`");
		expect(document.paths["/api/v1/moderation/{guildId}/events"].get?.description).toContain("one `events` point, never a `moderation` one");
	});
});

describe("the harness's answer check", () => {
	let lyingStore: http.Server;
	let gateway: TestGateway;
	beforeAll(async () => {
		// A data store that answers ban-status with a shape the contract does not have.
		lyingStore = http.createServer((req, res) => {
			res.setHeader("content-type", "application/json");
			res.end(
				req.url === "/readyz"
					? JSON.stringify({ status: "success", code: 200, message: "Ready", data: { ready: true } })
					: JSON.stringify({ status: "success", code: 200, message: "User is not banned", data: { banned: "no" } }),
			);
		});
		await new Promise<void>((resolve) => lyingStore.listen(0, "127.0.0.1", resolve));
		const url = `http://127.0.0.1:${(lyingStore.address() as AddressInfo).port}`;
		gateway = await startTestGateway({ DATA_STORE_URL: url, DATA_STORE_TOKEN: "internal-token-for-tests-0123456789" });
	});
	afterAll(async () => {
		await gateway.stop();
		lyingStore.close();
	});

	it("fails a suite whose answer the document does not describe, naming the field", async () => {
		const { key } = await gateway.createKey();
		await expect(gateway.api(`/moderation/${GUILD_A}/ban-status/261`, { headers: { "x-api-key": key } })).rejects.toThrow(
			/GET \/api\/v1\/moderation\/\d+\/ban-status\/261 → 200 .*does not match the OpenAPI document:[\s\S]*\/data\/banned must be boolean/,
		);
	});

	it("refuses a 429 without retry_after and an error code the status does not list", () => {
		const path = `/api/v1/moderation/${GUILD_A}/ban-status/261`;
		expect(() =>
			checkDocumentedAnswer("GET", path, { status: 429, body: { status: "error", code: 429, message: "Rate limit exceeded", error: "rate_limited" } }),
		).toThrow(/retry_after/);
		expect(() =>
			checkDocumentedAnswer("GET", path, { status: 401, body: { status: "error", code: 401, message: "Invalid admin token", error: "unauthorized" } }),
		).toThrow(/\/error must be equal to one of the allowed values/);
	});

	it("holds an undocumented route to the error envelope, and a 204 to no body", () => {
		expect(() => checkDocumentedAnswer("GET", "/api/v1/nothing-here", { status: 404, body: { ok: true } })).toThrow(/error envelope/);
		expect(() =>
			checkDocumentedAnswer("DELETE", `/admin/v1/guilds/${GUILD_A}/keys/some-id`, { status: 204, body: { status: "success" } }),
		).toThrow(/no body/);
	});
});

describe("the reference at /docs", () => {
	let gateway: TestGateway;
	beforeAll(async () => {
		gateway = await startTestGateway();
	});
	afterAll(() => gateway.stop());

	it("is HTML under the dashboard's CSP, with no script, naming every documented operation", async () => {
		const response = await fetch(`${gateway.url}/docs`);
		expect(response.status).toBe(200);
		expect(response.headers.get("content-type")).toMatch(/^text\/html/);
		expect(response.headers.get("content-security-policy")).toBe(DASHBOARD_CSP);
		expect(response.headers.get("x-frame-options")).toBe("DENY");
		const html = await response.text();
		expect(html).not.toMatch(/<script\b|<style\b|\sstyle=|\son[a-z]+=/i);
		const document = buildOpenApiDocument(ALL_ROUTES) as unknown as Document;
		for (const path of Object.keys(document.paths)) expect(html).toContain(`<code>${path}</code>`);
		expect(html).toContain('href="/api/v1/openapi.json"');

		const stylesheet = /<link rel="stylesheet" href="([^"]+)">/.exec(html)?.[1];
		expect(stylesheet).toBe("/docs/reference.css");
		const css = await fetch(`${gateway.url}${stylesheet}`);
		expect(css.status).toBe(200);
		expect(css.headers.get("content-type")).toMatch(/^text\/css/);
	});
});
