// gateway/dashboard/dashboard-router.ts
// Serves the built API Keys dashboard (dist/dashboard, outside rbxtsc's out/, which it clears) with headers that keep it from being framed or scripted inline.

import { existsSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import express, { type RequestHandler, type Router } from "express";
import { ApiError } from "../platform/http/envelope";
import { ROBLOX_AVATAR_HOST } from "../roblox-users/roblox-users-client";

/** Where `npm run build:dashboard` writes the page: `dist/dashboard` at the repository root. */
export const DASHBOARD_BUILD_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../dist/dashboard");

/**
 * Only files from this origin may run or style the page; the page may call only this origin (the
 * admin API); nothing may frame it, and forms and `<base>` cannot send it elsewhere.
 */
export const DASHBOARD_CSP = [
	"default-src 'self'",
	"script-src 'self'",
	"style-src 'self'",
	// Guild icons come from Discord's CDN (the guild picker), players' headshots from Roblox's (docs/names.md).
	`img-src 'self' data: https://cdn.discordapp.com https://${ROBLOX_AVATAR_HOST}`,
	"connect-src 'self'",
	"frame-ancestors 'none'",
	"base-uri 'none'",
	"form-action 'self'",
].join("; ");

/** The dashboard's CSP and framing rules, for every page the gateway serves to a browser (the API reference too). */
export const dashboardHeaders: RequestHandler = (_req, res, next) => {
	res.setHeader("Content-Security-Policy", DASHBOARD_CSP);
	res.setHeader("X-Frame-Options", "DENY");
	res.setHeader("X-Content-Type-Options", "nosniff");
	// The page's URL never holds a secret, but the admin host is nobody else's business either.
	res.setHeader("Referrer-Policy", "no-referrer");
	next();
};

export interface DashboardOptions {
	/** The built page's folder. Default {@link DASHBOARD_BUILD_DIR}; tests point it elsewhere. */
	root?: string;
	/** Whether the page offers "Sign in with Discord" (DISCORD_CLIENT_ID/SECRET are set). Default false. */
	discordSignIn?: boolean;
}

/** What the sign-in page offers, read by the page at start (a 404 probe would log an error in the browser). */
export const SIGN_IN_OPTIONS_FILE = "sign-in-options.json";

/**
 * @example
 * app.use("/dashboard", dashboardRouter());
 */
export function dashboardRouter(options: DashboardOptions = {}): Router {
	const root = options.root ?? DASHBOARD_BUILD_DIR;
	const router = express.Router();
	router.use(dashboardHeaders);
	router.get(`/${SIGN_IN_OPTIONS_FILE}`, (_req, res) => {
		res.setHeader("Cache-Control", "no-store");
		res.json({ discord: options.discordSignIn ?? false });
	});
	router.use(
		express.static(root, {
			index: "index.html",
			setHeaders(res, file) {
				// Vite names assets by content hash, so they never change; the page itself must be re-read
				// so that a new build's asset names are picked up.
				const hashed = file.startsWith(path.join(root, "assets") + path.sep);
				res.setHeader("Cache-Control", hashed ? "public, max-age=31536000, immutable" : "no-cache");
			},
		}),
	);
	// Reached only when no built file answered: either a wrong path or no build at all.
	router.use((_req, _res, next) => {
		if (!existsSync(path.join(root, "index.html"))) {
			next(new ApiError(503, "service_unavailable", "The dashboard is not built: run `npm run build`"));
			return;
		}
		next();
	});
	return router;
}
