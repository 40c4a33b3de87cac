// test/gateway/documented-answers.ts
// Checks a real answer against the OpenAPI document's schema for its method, path and status, so every suite using the harness is also a contract check.

import { Ajv2020, type ValidateFunction } from "ajv/dist/2020.js";
import addFormats from "ajv-formats";
import { buildOpenApiDocument } from "../../gateway/api-docs/openapi-document";
import { ALL_ROUTES } from "../../gateway/routes";

const DOCUMENT_ID = "openapi.json";
const document = buildOpenApiDocument(ALL_ROUTES) as { paths: Record<string, Record<string, { responses: Record<string, ResponseObject> }>> };

interface ResponseObject {
	content?: Record<string, { schema: unknown }>;
}

// OpenAPI keywords (`example`, …) are not JSON Schema's: not strict, but every error reported.
const ajv = new Ajv2020({ strict: false, allErrors: true });
addFormats.default(ajv);
ajv.addSchema(document, DOCUMENT_ID);

interface DocumentedRoute {
	method: string;
	template: string;
	pattern: RegExp;
	/** Literal segments: `/ban-status/batch` wins over `/ban-status/{identifier}`. */
	literals: number;
}

const ROUTES: DocumentedRoute[] = Object.entries(document.paths).flatMap(([template, operations]) =>
	Object.keys(operations).map((method) => ({
		method,
		template,
		pattern: new RegExp(`^${template.replace(/\{[^}]+\}/g, "[^/]+")}/?$`),
		literals: template.split("/").filter((segment) => !segment.startsWith("{")).length,
	})),
);

/** The documented operation a request reaches, if any. */
export function documentedRoute(method: string, pathname: string): DocumentedRoute | undefined {
	const candidates = ROUTES.filter((route) => route.method === method.toLowerCase() && route.pattern.test(pathname));
	return candidates.sort((a, b) => b.literals - a.literals)[0];
}

const pointer = (...tokens: string[]) =>
	tokens.map((token) => encodeURIComponent(token.replace(/~/g, "~0").replace(/\//g, "~1"))).join("/");

const validators = new Map<string, ValidateFunction>();

/** The schema of the answer, null for a documented answer without a body (204), or "text" for one in another media type (`/metrics`). */
function validatorFor(route: DocumentedRoute | undefined, status: number): ValidateFunction | null | "text" {
	const responses = route === undefined ? undefined : document.paths[route.template][route.method].responses;
	const listed = responses?.[String(status)] === undefined ? "default" : String(status);
	let location = `${DOCUMENT_ID}#/components/schemas/ErrorEnvelope`;
	if (route !== undefined && responses?.[listed] !== undefined) {
		const content = responses[listed].content;
		if (content === undefined) return null;
		if (content["application/json"] === undefined) return "text";
		location = `${DOCUMENT_ID}#/${pointer("paths", route.template, route.method, "responses", listed, "content", "application/json", "schema")}`;
	}
	let validate = validators.get(location);
	if (validate === undefined) validators.set(location, (validate = ajv.compile({ $ref: location })));
	return validate;
}

/**
 * Throws, naming the mismatch, when an answer is not what the document says the route answers with
 * that status; a route or status the document does not list must still be the error envelope.
 */
export function checkDocumentedAnswer(method: string, url: string, answer: { status: number; body: unknown }): void {
	if (method.toUpperCase() === "HEAD") return;
	const pathname = new URL(url, "http://gateway.invalid").pathname;
	const route = documentedRoute(method, pathname);
	const validate = validatorFor(route, answer.status);
	const where = `${method.toUpperCase()} ${pathname} → ${answer.status}${route === undefined ? " (undocumented route: the error envelope)" : ` (${route.template})`}`;
	if (validate === "text") {
		if (typeof answer.body !== "string") throw new Error(`${where}: the document says text, got ${JSON.stringify(answer.body)}`);
		return;
	}
	if (validate === null) {
		if (answer.body !== undefined) throw new Error(`${where}: the document says no body, got ${JSON.stringify(answer.body)}`);
		return;
	}
	if (!validate(answer.body)) {
		const problems = (validate.errors ?? []).map((error) => `${error.instancePath || "(body)"} ${error.message} ${JSON.stringify(error.params)}`);
		throw new Error(`${where} does not match the OpenAPI document:\n  ${problems.join("\n  ")}\nbody: ${JSON.stringify(answer.body)}`);
	}
}
