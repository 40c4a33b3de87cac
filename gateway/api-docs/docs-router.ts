// gateway/api-docs/docs-router.ts
// The OpenAPI document at /api/v1/openapi.json and its readable reference at /docs (under the dashboard's CSP), declared as routes too.

import { z } from "zod";
import { API_BASE } from "../../shared/routes";
import { dashboardHeaders } from "../dashboard/dashboard-router";
import { defineRoute, type Route } from "../platform/http/route";
import { REFERENCE_STYLESHEET, renderReferencePage, type JsonSchema } from "./reference-page";

const OPENAPI_PATH = `${API_BASE}/openapi.json`;
const STYLESHEET_PATH = "/docs/reference.css";

/** The document, built once at start from the declared routes: it follows from the code, so it cannot change while the process runs. */
export interface DocsParts {
	document: JsonSchema;
}

const docs = (fields: Omit<Route<DocsParts>, "tag" | "guard">): Route<DocsParts> =>
	// Unauthenticated, like `/healthz`: it holds no secret, and bot authors need it first.
	defineRoute({ tag: "Reference", guard: { caller: "anyone" }, ...fields });

export const DOCS_ROUTES: readonly Route<DocsParts>[] = [
	docs({
		method: "get",
		path: OPENAPI_PATH,
		summary: "This document",
		description: "The OpenAPI 3.1 description of every route, built from the same declarations the gateway routes by.",
		answers: [
			{
				status: 200,
				description: "The OpenAPI document",
				data: { text: "application/json", schema: z.looseObject({ openapi: z.literal("3.1.0"), paths: z.record(z.string(), z.unknown()) }) },
			},
		],
		handle: ({ document }) => {
			const json = JSON.stringify(document);
			return [
				(_req, res) => {
					res.setHeader("Cache-Control", "no-cache");
					res.type("application/json").send(json);
				},
			];
		},
	}),
	docs({
		method: "get",
		path: "/docs",
		summary: "This document as a readable page",
		description: "Server-rendered HTML without script, under the dashboard's Content-Security-Policy; it reads well on a phone.",
		answers: [{ status: 200, description: "The API reference", data: { text: "text/html", schema: z.string() } }],
		handle: ({ document }) => {
			const page = renderReferencePage(document, STYLESHEET_PATH, OPENAPI_PATH);
			return [
				dashboardHeaders,
				(_req, res) => {
					res.setHeader("Cache-Control", "no-cache");
					res.type("html").send(page);
				},
			];
		},
	}),
	docs({
		method: "get",
		path: STYLESHEET_PATH,
		summary: "The reference page's stylesheet",
		answers: [{ status: 200, description: "The stylesheet", data: { text: "text/css", schema: z.string() } }],
		handle: () => [
			dashboardHeaders,
			(_req, res) => {
				res.setHeader("Cache-Control", "no-cache");
				res.type("css").send(REFERENCE_STYLESHEET);
			},
		],
	}),
];
