// gateway/changes/apply-changes-first.ts
// Runs the change bus's catch-up before each API request, so no instance answers from a stale cache.

import type { RequestListener } from "node:http";
import { API_BASE } from "../../shared/routes";

/**
 * Wraps the app: requests under the public API (the only ones served from caches) wait for
 * `catchUp`; admin, health and metrics requests go straight through.
 */
export function applyChangesFirst(catchUp: () => Promise<void>, app: RequestListener): RequestListener {
	return (req, res) => {
		if (req.url === undefined || !req.url.startsWith(API_BASE)) {
			app(req, res);
			return;
		}
		const serve = () => app(req, res);
		void catchUp().then(serve, serve);
	};
}
