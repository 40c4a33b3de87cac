// gateway/api-docs/docs-router.ts
// Serves the OpenAPI document at /api/v1/openapi.json and its readable reference at /docs, under the dashboard's CSP.

import express, { type Router } from "express";
import { API_BASE } from "../../shared/routes";
import { dashboardHeaders } from "../dashboard/dashboard-router";
import { buildOpenApiDocument } from "./openapi-document";
import { REFERENCE_STYLESHEET, renderReferencePage } from "./reference-page";

const OPENAPI_PATH = `${API_BASE}/openapi.json`;
const STYLESHEET_PATH = "/docs/reference.css";

/**
 * Both are built once at start: the document follows from the code, so it cannot change while the
 * process runs. Unauthenticated, like `/healthz`: it holds no secret, and bot authors need it first.
 *
 * @example
 * app.use(docsRouter());
 */
export function docsRouter(): Router {
	const document = buildOpenApiDocument();
	const json = JSON.stringify(document);
	const page = renderReferencePage(document, STYLESHEET_PATH, OPENAPI_PATH);
	const router = express.Router();
	router.get(OPENAPI_PATH, (_req, res) => {
		res.setHeader("Cache-Control", "no-cache");
		res.type("application/json").send(json);
	});
	router.get("/docs", dashboardHeaders, (_req, res) => {
		res.setHeader("Cache-Control", "no-cache");
		res.type("html").send(page);
	});
	router.get(STYLESHEET_PATH, dashboardHeaders, (_req, res) => {
		res.setHeader("Cache-Control", "no-cache");
		res.type("css").send(REFERENCE_STYLESHEET);
	});
	return router;
}
