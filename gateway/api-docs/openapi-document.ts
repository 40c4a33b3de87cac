// gateway/api-docs/openapi-document.ts
// Builds the OpenAPI 3.1 document from the operation table: the same zod schemas the routes parse requests with.

import { z } from "zod";
import { ErrorMessage, type ErrorCode } from "../../shared/errors";
import { ERROR_DESCRIPTIONS, OPERATIONS, errorCodes, type Caller, type Operation } from "./operations";

export type JsonSchema = { [keyword: string]: unknown };

/** Requests are described as callers write them (before parsing), answers as the gateway sends them. */
function toJsonSchema(schema: z.ZodType, io: "input" | "output"): JsonSchema {
	const { $schema: _dialect, ...json } = z.toJSONSchema(schema, { target: "draft-2020-12", io, unrepresentable: "any" });
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

/** Any error envelope: the `default` answer (the edge's 408, 417, 431, a 500). */
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

function conflictCodes(operation: Operation): readonly [string, ...string[]] {
	if (operation.conflicts === undefined) throw new Error(`${operation.method} ${operation.path} answers 409 but lists no conflict codes`);
	return operation.conflicts;
}

const CALLER_SUFFIX: Record<Caller, string> = { api_key: "ApiKey", admin_token: "AdminToken", anyone: "Anyone", sign_in: "SignIn" };

/** Errors whose codes depend on the caller (401, 403, 429) get one schema per caller; the others one for all. */
function errorSchemaName(status: number, caller: Caller): string {
	const callers = Object.keys(CALLER_SUFFIX) as Caller[];
	const byCaller = new Set(callers.map((each) => errorCodes(status, each).join())).size > 1;
	return byCaller ? `Error${status}${CALLER_SUFFIX[caller]}` : `Error${status}`;
}

const SECURITY: Record<Caller, { [scheme: string]: string[] }[]> = {
	api_key: [{ ApiKeyHeader: [] }, { ApiKeyAuthorization: [] }, { ApiKeyBearer: [] }],
	admin_token: [{ AdminToken: [] }, { OperatorSession: [] }],
	anyone: [],
	sign_in: [],
};

const QUOTA_HEADERS = {
	"RateLimit-Policy": {
		description: 'The key\'s quota for this route\'s category, e.g. `"moderation";q=300;w=60`',
		schema: { type: "string" },
	},
	RateLimit: { description: 'What is left of it, e.g. `"moderation";r=297;t=41`', schema: { type: "string" } },
};

function parameters(operation: Operation): JsonSchema[] {
	const parts = [
		["path", operation.params],
		["query", operation.query],
	] as const;
	return parts.flatMap(([where, schema]) => {
		if (schema === undefined) return [];
		const json = toJsonSchema(schema, "input") as { properties?: Record<string, JsonSchema>; required?: string[] };
		return Object.entries(json.properties ?? {}).map(([name, { description, ...property }]) => ({
			name,
			in: where,
			required: where === "path" || (json.required ?? []).includes(name),
			...(description === undefined ? {} : { description }),
			schema: property,
		}));
	});
}

function responses(operation: Operation): JsonSchema {
	const { success, caller } = operation;
	const keyed = caller === "api_key";
	const answers: JsonSchema = {
		[success.status]: {
			description: success.description,
			...(keyed ? { headers: QUOTA_HEADERS } : {}),
			...(success.data === null
				? {}
				: { content: { "application/json": { schema: toJsonSchema(successEnvelope(success.status, success.data), "output") } } }),
		},
	};
	for (const status of operation.errors) {
		// A 409's codes are the route's own; every other error status is one shared schema.
		const schema =
			status === 409
				? toJsonSchema(errorEnvelope(409, conflictCodes(operation)), "output")
				: { $ref: `#/components/schemas/${errorSchemaName(status, caller)}` };
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

function operationObject(operation: Operation): JsonSchema {
	return {
		operationId: `${operation.method}${operation.path.replace(/[{}]/g, "").replace(/[^A-Za-z0-9]+(.)?/g, (_m, c: string | undefined) => (c ?? "").toUpperCase())}`,
		tags: [operation.tag],
		summary: operation.summary,
		...(operation.description === undefined ? {} : { description: operation.description }),
		security: SECURITY[operation.caller],
		parameters: parameters(operation),
		...(operation.body === undefined
			? {}
			: {
					requestBody: {
						required: operation.body.required,
						content: { "application/json": { schema: toJsonSchema(operation.body.schema, "input") } },
					},
				}),
		responses: responses(operation),
	};
}

/** The document served at `/api/v1/openapi.json`; built once, it never changes while the process runs. */
export function buildOpenApiDocument(): JsonSchema {
	const paths: Record<string, Record<string, JsonSchema>> = {};
	const schemas: Record<string, JsonSchema> = { ErrorEnvelope: toJsonSchema(anyError, "output") };
	for (const operation of OPERATIONS) {
		(paths[operation.path] ??= {})[operation.method] = operationObject(operation);
		for (const status of operation.errors.filter((listed) => listed !== 409)) {
			const codes = errorCodes(status, operation.caller) as [ErrorCode, ...ErrorCode[]];
			schemas[errorSchemaName(status, operation.caller)] ??= toJsonSchema(errorEnvelope(status, codes), "output");
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
			{ name: "Health", description: "Unauthenticated probes." },
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
