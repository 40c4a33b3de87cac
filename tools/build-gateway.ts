// tools/build-gateway.ts
// `npm run build:gateway`: bundles the gateway, its data store worker and its CLI into plain JavaScript under dist/gateway, run by `node`.

import { cp, rm } from "node:fs/promises";
import { build } from "esbuild";

const OUT_DIR = "dist/gateway";

await rm(OUT_DIR, { recursive: true, force: true });
await build({
	// The data store's worker thread is an entry of its own, beside main.js, where the gateway starts it from.
	entryPoints: [
		{ in: "gateway/main.ts", out: "main" },
		{ in: "gateway/cli/keys.ts", out: "cli/keys" },
		{ in: "gateway/cli/technified.ts", out: "cli/technified" },
		{ in: "gateway/cli/discord.ts", out: "cli/discord" },
		{ in: "gateway/data-store/worker-entry.ts", out: "data-store-worker" },
	],
	outdir: OUT_DIR,
	// One file per entry: the sources import each other without file extensions, which Node's own ESM
	// loader refuses, so they are bundled; npm packages stay imports, resolved from node_modules at run time
	// (better-sqlite3 is a native addon, and a pruned production install keeps exactly "dependencies").
	bundle: true,
	packages: "external",
	platform: "node",
	format: "esm",
	target: "node20",
	sourcemap: true,
	logLevel: "warning",
});
// The bundles (main.js and data-store-worker.js) find "./migrations" and "./moderation-migrations" beside
// themselves, as gateway/platform/db/ and gateway/data-store/ find them beside the sources; dist/dashboard
// is two levels up from main.js, as dashboard-router.ts expects.
await cp("gateway/platform/db/migrations", `${OUT_DIR}/migrations`, { recursive: true });
await cp("gateway/data-store/moderation-migrations", `${OUT_DIR}/moderation-migrations`, { recursive: true });
