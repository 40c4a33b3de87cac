// gateway/api-docs/reference-page.ts
// Renders the OpenAPI document as one readable HTML page, server-side and without script, so it needs nothing the dashboard's CSP forbids.

import escapeHtml from "escape-html";
/** A JSON Schema, or any part of the OpenAPI document, as these pages read it. */
export type JsonSchema = { [keyword: string]: unknown };

interface Row {
	name: string;
	type: string;
	required: boolean;
	notes: string;
}

interface ParameterObject {
	name: string;
	in: string;
	required: boolean;
	description?: string;
	schema: JsonSchema;
}

interface OperationObject {
	operationId: string;
	tags: string[];
	summary: string;
	description?: string;
	security: Record<string, string[]>[];
	parameters: ParameterObject[];
	requestBody?: { required: boolean; content: { "application/json": { schema: JsonSchema } } };
	responses: Record<string, { description: string; content?: Record<string, { schema: JsonSchema }> }>;
}

/** Escapes, then turns `code` spans into <code>: the document's descriptions use that much Markdown. */
function prose(text: string): string {
	return escapeHtml(text).replace(/`([^`]+)`/g, "<code>$1</code>");
}

function resolve(schema: JsonSchema, document: JsonSchema): JsonSchema {
	const ref = schema.$ref;
	if (typeof ref !== "string") return schema;
	return ref
		.replace(/^#\//, "")
		.split("/")
		.reduce<JsonSchema>((node, token) => node[token] as JsonSchema, document);
}

/** The alternatives of a schema, nested `anyOf`s (an optional union) flattened. */
function alternatives(schema: JsonSchema): JsonSchema[] {
	return Array.isArray(schema.anyOf) ? (schema.anyOf as JsonSchema[]).flatMap(alternatives) : [schema];
}

/** A field's description, also when an optional or nullable wrapper holds it one level down. */
function describe(schema: JsonSchema): string | undefined {
	const found = [schema, ...alternatives(schema)].find((part) => typeof part.description === "string");
	return found === undefined ? undefined : String(found.description);
}

/** A short type for a person: `integer | null`, `"ban" | "mute"`, `array of string`. */
function typeText(schema: JsonSchema): string {
	if ("const" in schema) return JSON.stringify(schema.const);
	if (Array.isArray(schema.enum)) return schema.enum.map((value) => JSON.stringify(value)).join(" | ");
	if (Array.isArray(schema.anyOf)) return [...new Set(alternatives(schema).map(typeText))].join(" | ");
	if (schema.type === "array") return `array of ${typeText((schema.items as JsonSchema | undefined) ?? {})}`;
	if (schema.type === "object" && schema.additionalProperties !== undefined && schema.properties === undefined) {
		return `object of ${typeText(schema.additionalProperties as JsonSchema)}`;
	}
	if (typeof schema.type === "string") return schema.type;
	if (Array.isArray(schema.type)) return schema.type.join(" | ");
	return "any";
}

/** Limits a reader needs: lengths, ranges, patterns and defaults. */
function constraints(schema: JsonSchema): string[] {
	const found: string[] = [];
	for (const variant of alternatives(schema)) {
		if (variant.pattern !== undefined) found.push(`pattern <code>${escapeHtml(String(variant.pattern))}</code>`);
		if (variant.maxLength !== undefined) found.push(`at most ${String(variant.maxLength)} characters`);
		const fewest = variant.minItems === 0 ? undefined : variant.minItems;
		if (fewest !== undefined && variant.maxItems !== undefined) found.push(`${String(fewest)} to ${String(variant.maxItems)} items`);
		else if (variant.maxItems !== undefined) found.push(`at most ${String(variant.maxItems)} items`);
		else if (fewest !== undefined) found.push(`at least ${String(fewest)} item${fewest === 1 ? "" : "s"}`);
		// zod writes the safe-integer bounds on every integer; only the other limits tell a reader something.
		const low = variant.minimum === Number.MIN_SAFE_INTEGER ? undefined : (variant.minimum ?? (variant.exclusiveMinimum === 0 ? 1 : undefined));
		const high = variant.maximum === Number.MAX_SAFE_INTEGER ? undefined : variant.maximum;
		if (low !== undefined && high !== undefined) found.push(`${String(low)} to ${String(high)}`);
		else if (high !== undefined) found.push(`at most ${String(high)}`);
		else if (low !== undefined && low !== 0) found.push(`at least ${String(low)}`);
	}
	if (schema.default !== undefined) found.push(`default <code>${escapeHtml(JSON.stringify(schema.default))}</code>`);
	return [...new Set(found)];
}

/** The fields of an object schema, nested ones as `ban_info.reason` and list entries as `bans[].reason`. */
function rows(schema: JsonSchema, prefix = "", inherited = false): Row[] {
	const variants = Array.isArray(schema.anyOf) ? (schema.anyOf as JsonSchema[]) : [schema];
	const objects = variants.filter((variant) => variant.type === "object" && variant.properties !== undefined);
	const seen = new Map<string, Row>();
	const nested: Row[] = [];
	for (const object of objects) {
		const required = new Set((object.required as string[] | undefined) ?? []);
		for (const [name, property] of Object.entries(object.properties as Record<string, JsonSchema>)) {
			const path = `${prefix}${name}`;
			const description = describe(property);
			const notes = [description === undefined ? "" : prose(description), ...constraints(property)];
			const row: Row = {
				name: path,
				type: typeText(property),
				// A field in only some variants (ban_info) is there only in those answers.
				required: !inherited && required.has(name) && objects.every((other) => (other.required as string[] | undefined)?.includes(name)),
				notes: notes.filter((note) => note !== "").join("; "),
			};
			const earlier = seen.get(path);
			if (earlier === undefined) seen.set(path, row);
			else if (earlier.type !== row.type) earlier.type = [...new Set(`${earlier.type} | ${row.type}`.split(" | "))].join(" | ");
			const items = property.type === "array" ? (property.items as JsonSchema) : undefined;
			const inner = items ?? property;
			const innerVariants = Array.isArray(inner.anyOf) ? (inner.anyOf as JsonSchema[]) : [inner];
			if (innerVariants.some((variant) => variant.type === "object" && variant.properties !== undefined)) {
				nested.push(...rows(inner, `${path}${items === undefined ? "" : "[]"}.`, inherited));
			} else if (inner.type === "object" && inner.additionalProperties !== undefined) {
				nested.push(...rows(inner.additionalProperties as JsonSchema, `${path}.<id>.`, inherited));
			}
		}
	}
	return [...seen.values(), ...nested];
}

function fieldTable(list: Row[], heading: string): string {
	if (list.length === 0) return "";
	const body = list
		.map(
			(row) =>
				`<tr><td><code>${escapeHtml(row.name)}</code>${row.required ? ' <span class="required">required</span>' : ""}</td>` +
				`<td>${escapeHtml(row.type)}</td><td>${row.notes}</td></tr>`,
		)
		.join("");
	return `<h4>${heading}</h4><table><thead><tr><th>field</th><th>type</th><th>notes</th></tr></thead><tbody>${body}</tbody></table>`;
}

const AUTH_TEXT: Record<string, string> = {
	ApiKeyHeader: "API key",
	AdminToken: "<code>Authorization: Bearer &lt;ADMIN_TOKEN&gt;</code>",
};

function authText(operation: OperationObject): string {
	if (operation.security.length === 0) return "none";
	const first = Object.keys(operation.security[0])[0];
	if (first === "ApiKeyHeader") {
		return "API key: <code>X-API-Key: &lt;key&gt;</code>, <code>Authorization: ApiKey &lt;key&gt;</code> or <code>Authorization: Bearer &lt;key&gt;</code>";
	}
	return AUTH_TEXT[first] ?? escapeHtml(first);
}

function operationSection(method: string, path: string, operation: OperationObject, document: JsonSchema): string {
	const parameters = operation.parameters.map<Row>((parameter) => ({
		name: parameter.name,
		type: `${typeText(parameter.schema)} (${parameter.in})`,
		required: parameter.required,
		notes: [prose(parameter.description ?? describe(parameter.schema) ?? ""), ...constraints(parameter.schema)]
			.filter((note) => note !== "")
			.join("; "),
	}));
	const body = operation.requestBody?.content["application/json"].schema;
	const [successStatus, success] = Object.entries(operation.responses)[0];
	const json = success.content?.["application/json"];
	const envelope = json === undefined ? undefined : resolve(json.schema, document);
	const data = (envelope?.properties as Record<string, JsonSchema> | undefined)?.data;
	// The events route also answers as an event stream; /metrics answers in Prometheus's text.
	const otherForms = Object.keys(success.content ?? {}).filter((type) => type !== "application/json");
	const forms = otherForms.length === 0 ? "" : `<p>${json === undefined ? "Answered" : "Also answered"} as ${otherForms.map((type) => `<code>${escapeHtml(type)}</code>`).join(", ")}.</p>`;
	const errors = Object.entries(operation.responses)
		.slice(1)
		.filter(([status]) => status !== "default")
		.map(([status, answer]) => {
			const schema = resolve(answer.content!["application/json"].schema, document);
			const codes = ((schema.properties as Record<string, JsonSchema>).error.enum as string[]).map((code) => `<code>${code}</code>`);
			return `<tr><td>${status}</td><td>${codes.join(" ")}</td><td>${prose(answer.description)}</td></tr>`;
		})
		.join("");
	return `<section class="operation" id="${escapeHtml(operation.operationId)}">
<h3><span class="method ${method}">${method.toUpperCase()}</span> <code>${escapeHtml(path)}</code></h3>
<p class="summary">${prose(operation.summary)}</p>
${operation.description === undefined ? "" : `<p>${prose(operation.description)}</p>`}
<p class="auth"><strong>Auth:</strong> ${authText(operation)}</p>
${fieldTable(parameters, "Parameters")}
${body === undefined ? "" : fieldTable(rows(body), `Body (JSON${operation.requestBody?.required ? "" : ", optional"})`)}
<h4>${successStatus} — ${prose(success.description)}</h4>
${data === undefined ? (forms === "" ? "<p>No body.</p>" : "") : fieldTable(rows(data, "data."), "Answer <code>data</code>")}
${forms}
${errors === "" ? "" : `<h4>Errors</h4><table class="errors"><thead><tr><th>status</th><th><code>error</code></th><th>when</th></tr></thead><tbody>${errors}</tbody></table>`}
</section>`;
}

/** The whole reference: an index by tag, then every operation with its parameters, body, answer and errors. */
export function renderReferencePage(document: JsonSchema, stylesheetHref: string, documentHref: string): string {
	const info = document.info as { title: string; description: string; version: string };
	const tags = document.tags as { name: string; description: string }[];
	const operations = Object.entries(document.paths as Record<string, Record<string, OperationObject>>).flatMap(([path, methods]) =>
		Object.entries(methods).map(([method, operation]) => ({ path, method, operation })),
	);
	const index = tags
		.map((tag) => {
			const links = operations
				.filter(({ operation }) => operation.tags.includes(tag.name))
				.map(
					({ path, method, operation }) =>
						`<li><a href="#${escapeHtml(operation.operationId)}"><span class="method ${method}">${method.toUpperCase()}</span> ${escapeHtml(path)}</a></li>`,
				)
				.join("");
			return `<h2>${escapeHtml(tag.name)}</h2><ul>${links}</ul>`;
		})
		.join("");
	const sections = tags
		.map(
			(tag) =>
				`<h2 class="tag">${escapeHtml(tag.name)}</h2><p>${prose(tag.description)}</p>` +
				operations
					.filter(({ operation }) => operation.tags.includes(tag.name))
					.map(({ path, method, operation }) => operationSection(method, path, operation, document))
					.join(""),
		)
		.join("");
	return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(info.title)} — API reference</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="${escapeHtml(stylesheetHref)}">
</head>
<body>
<nav>${index}</nav>
<main>
<h1>${escapeHtml(info.title)}</h1>
<p>${prose(info.description)}</p>
<p>Machine-readable: <a href="${escapeHtml(documentHref)}">${escapeHtml(documentHref)}</a> (OpenAPI ${escapeHtml(String(document.openapi))}).</p>
${sections}
</main>
</body>
</html>
`;
}

/** Served beside the page: the CSP allows only same-origin stylesheets, never inline ones. */
export const REFERENCE_STYLESHEET = `:root { color-scheme: light; --ink: #1d2330; --muted: #5b6475; --line: #dde1e8; --tint: #f5f7fa; }
* { box-sizing: border-box; }
body { margin: 0; display: grid; grid-template-columns: 19rem 1fr; font: 15px/1.5 system-ui, -apple-system, "Segoe UI", sans-serif; color: var(--ink); }
nav { position: sticky; top: 0; height: 100vh; overflow-y: auto; padding: 1rem; background: var(--tint); border-right: 1px solid var(--line); font-size: 13px; }
nav h2 { font-size: 12px; text-transform: uppercase; letter-spacing: .05em; color: var(--muted); margin: 1rem 0 .3rem; }
nav ul { list-style: none; margin: 0; padding: 0; }
nav li { margin: .15rem 0; }
nav a { color: var(--ink); text-decoration: none; word-break: break-all; }
nav a:hover { text-decoration: underline; }
main { padding: 1.5rem 2.5rem; max-width: 70rem; }
h1 { margin-top: 0; }
h2.tag { border-bottom: 2px solid var(--ink); padding-bottom: .2rem; margin-top: 2.5rem; }
.operation { border: 1px solid var(--line); border-radius: 6px; padding: .2rem 1.2rem 1rem; margin: 1.2rem 0; }
.operation h3 { font-size: 16px; word-break: break-all; }
.summary { font-weight: 600; }
.auth { color: var(--muted); }
h4 { margin: 1rem 0 .3rem; font-size: 14px; }
table { border-collapse: collapse; width: 100%; font-size: 13px; }
th, td { text-align: left; vertical-align: top; border-bottom: 1px solid var(--line); padding: .3rem .5rem; }
th { background: var(--tint); font-weight: 600; }
td:first-child { white-space: nowrap; }
code { font: 12.5px/1.4 ui-monospace, SFMono-Regular, Menlo, monospace; background: var(--tint); padding: 0 .2rem; border-radius: 3px; }
.required { color: #b3261e; font-size: 11px; }
.method { display: inline-block; min-width: 3.6em; text-align: center; border-radius: 3px; padding: 0 .3em; font: 600 11px/1.6 ui-monospace, monospace; color: #fff; }
.method.get { background: #1f6feb; } .method.post { background: #1a7f37; } .method.patch { background: #9a6700; } .method.delete { background: #cf222e; }
pre { overflow-x: auto; }
td, p, li { overflow-wrap: anywhere; }
@media (max-width: 900px) {
  body { display: block; }
  nav { position: static; height: auto; max-height: 40vh; border-right: 0; border-bottom: 1px solid var(--line); }
  main { padding: 1rem; }
  .operation { padding: .2rem .7rem .8rem; }
  table { display: block; overflow-x: auto; }
  td:first-child { white-space: normal; }
}
`;
