// tools/build-if-stale.mjs
// `npm start`'s first step: rebuilds the gateway or dashboard when missing or older than its sources.
// Plain JavaScript, not TypeScript: it must run with bare `node` after `npm prune --omit=dev`, when tsx is gone.

import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import path from "node:path";

/**
 * Each build: what it writes (checked for age), what it is made from, and its npm script. npm packages
 * stay imports in the gateway bundle and the page uses none, so the lock file is no source: `npm prune`
 * rewrites it, which must not look like a change.
 */
const BUILDS = [
	{
		output: "dist/gateway/main.js",
		sources: ["gateway", "shared", "tools/build-gateway.ts"],
		skip: "gateway/dashboard/web",
		script: "build:gateway",
	},
	{
		output: "dist/dashboard/index.html",
		sources: ["gateway/dashboard/web", "gateway/dashboard/vite.config.ts"],
		script: "build:dashboard",
	},
];

/** Newest modification time under `entry` (a file or a folder), leaving out `skip`. */
function newest(entry, skip) {
	if (entry === skip || !existsSync(entry)) return 0;
	const stat = statSync(entry);
	if (!stat.isDirectory()) return stat.mtimeMs;
	return Math.max(0, ...readdirSync(entry).map((name) => newest(path.join(entry, name), skip)));
}

// Build tools are devDependencies: present after `npm ci`, gone after `npm prune --omit=dev`.
const canBuild = existsSync("node_modules/tsx") && existsSync("node_modules/vite");

for (const { output, sources, skip, script } of BUILDS) {
	const built = existsSync(output) ? statSync(output).mtimeMs : undefined;
	if (built !== undefined && Math.max(...sources.map((source) => newest(source, skip))) <= built) continue;
	if (canBuild) {
		console.log(`${output} is ${built === undefined ? "missing" : "older than its sources"}: npm run ${script}`);
		execFileSync("npm", ["run", "--silent", script], { stdio: "inherit" });
	} else if (built === undefined) {
		console.error(`${output} is missing and the build tools are not installed: run npm ci && npm run build first`);
		process.exit(1);
	} else {
		console.warn(`${output} is older than its sources, but the build tools are not installed: running it as built`);
	}
}
