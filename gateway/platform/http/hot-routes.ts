// gateway/platform/http/hot-routes.ts
// The keyed hot routes, matched by a precompiled table (find-my-way) before Express's router is reached.

import type { IncomingMessage, RequestListener, ServerResponse } from "node:http";
import type { ErrorRequestHandler, Express, Request, RequestHandler, Response } from "express";
import FindMyWay, { type HTTPMethod } from "find-my-way";
import { notFound } from "./envelope";

/** What every request meets first, in Express's app.use order (the request log, the metrics). */
export interface HotRoutePipeline {
	before: readonly RequestHandler[];
	/** The app's own last error handler: hot routes answer errors exactly as Express routes do. */
	onError: ErrorRequestHandler;
}

interface HotRoute {
	/** The route as declared: what the request log and the metrics name it by. */
	path: string;
	/** Static path segments by position; params are null. */
	segments: (string | null)[];
	/** The app with this route in place of its router, for Express's own `app.handle`. */
	app: Express;
}

/**
 * Express 5's `app.handle` (lib/application.js), which Express's types leave out: it sets the request
 * up (prototypes, `req.res` and `res.req`, `res.locals`, X-Powered-By), then calls `this.router.handle`.
 */
type AppHandle = (this: Express, req: IncomingMessage, res: ServerResponse, done: () => void) => void;

/** `app.handle` makes Express's final handler when given no callback; a hot route answers its own errors. */
const noFinalHandler = () => undefined;

/**
 * A CPU profile of cached ban-status under load put Express's router (its layer walk, parseurl, the
 * per-layer regexps) at about a fifth of all samples. Game-server traffic takes these few routes, so
 * they are matched in one tree lookup and run the same handlers, in the same order, as Express would;
 * everything else (admin API, dashboard, docs, health, writes) goes to Express untouched.
 */
export class HotRoutes {
	private readonly table = FindMyWay({
		// Express's own matching: case-sensitive (the app sets it), a trailing slash allowed, no length cap.
		caseSensitive: true,
		ignoreTrailingSlash: true,
		maxParamLength: 16_384,
	});

	private readonly handle: AppHandle;

	constructor(
		private readonly app: Express,
		private readonly pipeline: HotRoutePipeline,
	) {
		this.handle = (app as Express & { handle: AppHandle }).handle;
	}

	/** GET (and HEAD, as Express answers HEAD with a GET route). */
	get(path: string, ...handlers: RequestHandler[]): void {
		this.add(["GET", "HEAD"], path, handlers);
	}

	post(path: string, ...handlers: RequestHandler[]): void {
		this.add(["POST"], path, handlers);
	}

	private add(methods: HTTPMethod[], path: string, handlers: RequestHandler[]): void {
		const segments = path.split("/").map((part) => (part.startsWith(":") ? null : part));
		const chain = [...this.pipeline.before, ...handlers];
		// Inherits everything from the app (settings, request and response prototypes) but its router.
		const router = { handle: (req: Request, res: Response) => this.run(path, chain, req, res) };
		const route: HotRoute = { path, segments, app: Object.create(this.app, { router: { value: router } }) as Express };
		this.table.on(methods, path, () => undefined, route);
	}

	/** The server's listener: a hot route runs here, any other request goes to Express. */
	listener(): RequestListener {
		return (req, res) => {
			const url = req.url ?? "/";
			const found = this.table.find(req.method as HTTPMethod, url);
			const route = found?.store as HotRoute | undefined;
			if (found === null || route === undefined || !matchesUndecoded(route, url)) {
				this.app(req, res);
				return;
			}
			// What matched, as Express's router would set it; `app.handle` then sets the rest up and runs the route.
			(req as Request).params = found.params as Record<string, string>;
			this.handle.call(route.app, req, res, noFinalHandler);
		};
	}

	/** Does what Express's router does for a matched route, then runs its handlers in order. */
	private run(path: string, chain: readonly RequestHandler[], req: Request, res: Response): void {
		req.originalUrl = req.url;
		req.baseUrl = "";
		req.route = { path };
		// Express parses the query again on every read of req.query; it is read several times per request.
		const query: unknown = Reflect.get(this.app.request, "query", req);
		Object.defineProperty(req, "query", { value: query, writable: true, enumerable: true, configurable: true });
		let index = 0;
		const next = (err?: unknown): void => {
			if (err !== undefined && err !== null) {
				this.pipeline.onError(err, req, res, () => undefined);
				return;
			}
			const handler = chain[index++];
			// Past the last handler, as past Express's last route: the contract's 404.
			if (handler === undefined) return next(notFound("Route not found"));
			try {
				// As Express 5: a handler's rejected promise is its error.
				const result: unknown = handler(req, res, next);
				if (result instanceof Promise) result.catch((reason: unknown) => next(reason ?? new Error("Rejected promise")));
			} catch (thrown) {
				next(thrown ?? new Error("Thrown undefined"));
			}
		};
		next();
	}
}

/**
 * find-my-way matches the percent-decoded path, Express the path as sent: `/ban-st%61tus/1` is no
 * route to Express (a 404), so it must not be one here. Only a path with an escape needs the check.
 */
function matchesUndecoded(route: HotRoute, url: string): boolean {
	const queryAt = url.indexOf("?");
	const path = queryAt === -1 ? url : url.slice(0, queryAt);
	if (!path.includes("%")) return true;
	const parts = path.split("/");
	return route.segments.every((segment, i) => segment === null || segment === parts[i]);
}
