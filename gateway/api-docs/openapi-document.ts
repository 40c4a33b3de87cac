// gateway/api-docs/openapi-document.ts
// Builds the OpenAPI 3.1 document from the routes each feature declares: the same zod schemas the routes parse requests with.

import { z } from "zod";
import { ErrorMessage } from "../../shared/errors";
import { wireForms } from "../platform/http/fields";
import type { Route, SuccessAnswer } from "../platform/http/route";
import { ERROR_DESCRIPTIONS, errorCodes, errorStatuses, type Caller } from "./error-answers";
import type { JsonSchema } from "./reference-page";


/** Keywords of a text field's parse steps that its wire form replaces. */
const TEXT_KEYWORDS = ["type", "pattern", "enum", "const", "format", "minLength", "maxLength"];

/**
 * Requests are described as callers write them (before parsing), answers as the gateway sends them;
 * a number or boolean read from text is written as what it is (`wireForms`), with its bounds.
 */
function toJsonSchema(schema: z.ZodType, io: "input" | "output"): JsonSchema {
	const { $schema: _dialect, ...json } = z.toJSONSchema(schema, {
		target: "draft-2020-12",
		io,
		unrepresentable: "any",
		override: ({ zodSchema, jsonSchema }) => {
			const form = wireForms.get(zodSchema);
			if (form === undefined) return;
			for (const keyword of TEXT_KEYWORDS) delete jsonSchema[keyword];
			Object.assign(jsonSchema, form);
		},
	});
	return json;
}

const successEnvelope = (status: number, data: z.ZodType) =>
	z.object({ status: z.literal("success"), code: z.literal(status), message: z.string(), data });

/** The error envelope of one status, with the `error` codes it may carry; 429 always says when to retry. */
function errorEnvelope(status: number, codes: readonly [string, ...string[]]) {
	const retryAfter = z.int().min(1).meta({ description: "Seconds until a retry can succeed (also the Retry-After header)" });
	return z.object({
		status: z.literal("error"),
		code: z.literal(status),
		message: z.string(),
		error: z.enum(codes),
		retry_after: status === 429 ? retryAfter : retryAfter.optional(),
		details: z.unknown().optional(),
	});
}

/** Any error envelope: the `default` answer (a 500, or what no route lists). */
const anyError = z
	.object({
		status: z.literal("error"),
		code: z.int().min(400).max(599),
		message: z.string(),
		error: z.string().meta({ description: "Machine-readable code, e.g. `request_timeout`, `headers_too_large`" }),
		retry_after: z.int().min(1).optional(),
		details: z.unknown().optional(),
	})
	.meta({ description: "Every error is this envelope" });

function conflictCodes(route: Route): readonly [string, ...string[]] {
	if (route.conflicts === undefined) throw new Error(`${route.method} ${route.path} answers 409 but lists no conflict codes`);
	return route.conflicts;
}

const CALLER_SUFFIX: Record<Caller, string> = { api_key: "ApiKey", admin: "AdminToken", anyone: "Anyone", sign_in: "SignIn", metrics: "Metrics" };

/** Errors whose codes depend on the caller (401, 403, 429) get one schema per caller; the others one for all. */
function errorSchemaName(status: number, caller: Caller): string {
	const callers = Object.keys(CALLER_SUFFIX) as Caller[];
	const byCaller = new Set(callers.map((each) => errorCodes(status, each).join())).size > 1;
	return byCaller ? `Error${status}${CALLER_SUFFIX[caller]}` : `Error${status}`;
}

const SECURITY: Record<Caller, { [scheme: string]: string[] }[]> = {
	api_key: [{ ApiKeyHeader: [] }, { ApiKeyAuthorization: [] }, { ApiKeyBearer: [] }],
	admin: [{ AdminToken: [] }, { OperatorSession: [] }],
	anyone: [],
	sign_in: [],
	// Open unless METRICS_TOKEN is set: the route's description says so.
	metrics: [],
};

const QUOTA_HEADERS = {
	"RateLimit-Policy": {
		description: 'The key\'s quota for this route\'s category, e.g. `"moderation";q=300;w=60`',
		schema: { type: "string" },
	},
	RateLimit: { description: 'What is left of it, e.g. `"moderation";r=297;t=41`', schema: { type: "string" } },
};

/** What each path parameter's example is: ids that parse, in the guild the examples share. */
const PATH_EXAMPLES: Record<string, string | number> = {
	guildId: "123456789012345678",
	identifier: 261,
	keyId: "00000000-0000-4000-8000-000000000000",
	webhookId: "00000000-0000-4000-8000-000000000001",
	deliveryId: "00000000-0000-4000-8000-000000000002",
	universeId: 1818,
	discordUserId: "80351110224678912",
};

/** `/api/v1/moderation/:guildId/…` as OpenAPI writes it: `/api/v1/moderation/{guildId}/…`. */
export const templateOf = (path: string) => path.replace(/:([A-Za-z]+)/g, "{$1}");

function parameters(route: Route): JsonSchema[] {
	const request = route.request ?? {};
	const parts = [
		["path", request.params],
		["query", request.query],
	] as const;
	const fields = parts.flatMap(([where, schema]) => {
		if (schema === undefined) return [];
		const json = toJsonSchema(schema, "input") as { properties?: Record<string, JsonSchema>; required?: string[] };
		return Object.entries(json.properties ?? {}).map(([name, { description, example, ...property }]) => {
			const shown = example ?? (where === "path" ? PATH_EXAMPLES[name] : undefined);
			return {
				name,
				in: where,
				required: where === "path" || (json.required ?? []).includes(name),
				...(description === undefined ? {} : { description }),
				schema: property,
				...(shown === undefined ? {} : { example: shown }),
			};
		});
	});
	const headers = (request.headers ?? []).map(({ name, description, schema }) => {
		const { example, ...property } = toJsonSchema(schema, "input");
		return { name, in: "header", required: false, description, schema: property, ...(example === undefined ? {} : { example }) };
	});
	return [...fields, ...headers];
}

/** The content of one success answer: the JSON envelope around its `data`, or another media type as is. */
function successContent(answer: SuccessAnswer): JsonSchema | undefined {
	const { data } = answer;
	if (data === null) return undefined;
	if ("text" in data) {
		const { example, ...schema } = toJsonSchema(data.schema, "output");
		return { [data.text]: { schema, ...(example === undefined ? {} : { example }) } };
	}
	const example = answer.example === undefined ? {} : { example: { status: "success", code: answer.status, ...answer.example } };
	return { "application/json": { schema: toJsonSchema(successEnvelope(answer.status, data as z.ZodType), "output"), ...example } };
}

function responses(route: Route): JsonSchema {
	const caller = route.guard.caller;
	const keyed = caller === "api_key";
	const answers: JsonSchema = {};
	for (const answer of route.answers) {
		const listed = answers[answer.status] as { content?: JsonSchema } | undefined;
		const content = successContent(answer);
		if (listed !== undefined) {
			// A second form of the same answer (the events route's stream): one more media type.
			listed.content = { ...listed.content, ...content };
			continue;
		}
		answers[answer.status] = {
			description: answer.description,
			...(keyed ? { headers: QUOTA_HEADERS } : {}),
			...(content === undefined ? {} : { content }),
		};
	}
	for (const status of errorStatuses(route)) {
		// A 409's codes are the route's own; every other error status is one shared schema.
		const schema =
			status === 409 ? toJsonSchema(errorEnvelope(409, conflictCodes(route)), "output") : { $ref: `#/components/schemas/${errorSchemaName(status, caller)}` };
		answers[status] = {
			description: ERROR_DESCRIPTIONS[status],
			...(status === 429 ? { headers: { "Retry-After": { description: "Whole seconds, at least 1", schema: { type: "integer" } } } } : {}),
			content: { "application/json": { schema } },
		};
	}
	answers.default = {
		description: "Any other error, in the same envelope",
		content: { "application/json": { schema: { $ref: "#/components/schemas/ErrorEnvelope" } } },
	};
	return answers;
}

function operationObject(route: Route): JsonSchema {
	const template = templateOf(route.path);
	const body = route.request?.body;
	return {
		operationId: `${route.method}${template.replace(/[{}]/g, "").replace(/[^A-Za-z0-9]+(.)?/g, (_m, c: string | undefined) => (c ?? "").toUpperCase())}`,
		tags: [route.tag],
		summary: route.summary,
		...(route.description === undefined ? {} : { description: route.description }),
		security: SECURITY[route.guard.caller],
		parameters: parameters(route),
		...(body === undefined
			? {}
			: {
					requestBody: {
						required: body.required,
						content: { "application/json": { schema: toJsonSchema(body.schema, "input"), ...(body.example === undefined ? {} : { example: body.example }) } },
					},
				}),
		responses: responses(route),
	};
}

/** The document served at `/api/v1/openapi.json`, of every declared route; built once, it never changes while the process runs. */
export function buildOpenApiDocument(routes: readonly Route[]): JsonSchema {
	const paths: Record<string, Record<string, JsonSchema>> = {};
	const schemas: Record<string, JsonSchema> = { ErrorEnvelope: toJsonSchema(anyError, "output") };
	for (const route of routes) {
		(paths[templateOf(route.path)] ??= {})[route.method] = operationObject(route);
		for (const status of errorStatuses(route).filter((listed) => listed !== 409)) {
			schemas[errorSchemaName(status, route.guard.caller)] ??= toJsonSchema(errorEnvelope(status, errorCodes(status, route.guard.caller)), "output");
		}
	}
	return {
		openapi: "3.1.0",
		info: {
			title: "Technified self-hosted API",
			version: "1",
			description:
				"Ban checks for Roblox games, wire-compatible with the hosted Technified developer API (`/api/v1`), plus the " +
				"key management API (`/admin/v1`). Every answer is a JSON envelope: " +
				'`{"status":"success","code":200,"message":"…","data":{…}}` or ' +
				`\`{"status":"error","code":401,"message":"${ErrorMessage.invalidApiKey}","error":"invalid_api_key"}\`. ` +
				"Times are unix seconds.",
		},
		tags: [
			{ name: "Moderation", description: "Key-authenticated: game servers and bots. Reads need `moderation:read`, writes `moderation:write`." },
			{
				name: "Live servers",
				description:
					"A guild's live game servers and the commands sent to them (kick, message, shutdown): presence heartbeats and " +
					"Technified's Server Manager routes (camelCase, `servers` quota) for game servers, listing and commands for operators.",
			},
			{
				name: "API keys",
				description:
					"Key management, with `Authorization: Bearer <ADMIN_TOKEN>` (the platform operator: every guild) or an operator's " +
					"session cookie (what their permissions allow in each guild).",
			},
			{
				name: "Operators",
				description:
					"Discord sign-in, sessions, members and suspensions. With the session cookie, every state-changing request needs the " +
					"gateway's own `Origin` (or `Sec-Fetch-Site: same-origin`) and `X-CSRF-Token: <data.csrf_token of GET /admin/v1/me>`, " +
					"else 403 `csrf_rejected`.",
			},
			{ name: "Outbound", description: "Webhooks and linked Roblox experiences: what the gateway sends out." },
			{ name: "Roblox users", description: "Names, display names and headshots of Roblox users, learnt from Roblox's public APIs and kept 24 hours." },
			{
				name: "Discord",
				description:
					"Discord's HTTP interactions (slash commands): signed by Discord with Ed25519 (`X-Signature-Ed25519`, `X-Signature-Timestamp`), " +
					"answered in Discord's own format, not the envelope. Set up in docs/discord.md.",
			},
			{ name: "Health", description: "Unauthenticated probes, and the Prometheus metrics." },
			{ name: "Reference", description: "This document and its readable page, unauthenticated." },
		],
		paths,
		components: {
			schemas,
			securitySchemes: {
				ApiKeyHeader: { type: "apiKey", in: "header", name: "X-API-Key", description: "The API key as is" },
				ApiKeyAuthorization: {
					type: "apiKey",
					in: "header",
					name: "Authorization",
					description: "`Authorization: ApiKey <key>`",
				},
				ApiKeyBearer: { type: "http", scheme: "bearer", description: "`Authorization: Bearer <key>`: the API key as a bearer token" },
				AdminToken: { type: "http", scheme: "bearer", description: "`Authorization: Bearer <ADMIN_TOKEN>`: the platform operator's token" },
				OperatorSession: {
					type: "apiKey",
					in: "cookie",
					name: "technified_session",
					description: "The session cookie set by the Discord sign-in (HttpOnly, SameSite=Lax, Secure behind HTTPS)",
				},
			},
		},
	};
}
