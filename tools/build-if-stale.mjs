// tools/build-if-stale.mjs
// `npm start`'s first step: rebuilds the gateway, the dashboard or the Roblox model (which the dashboard serves) when missing or older than its sources.
// Plain JavaScript, not TypeScript: it must run with bare `node` after `npm prune --omit=dev`, when tsx is gone.

import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import path from "node:path";

/**
 * Each build: what it writes (checked for age), what it is made from, its npm script and the build tools
 * it needs. npm packages stay imports in the gateway bundle and the page uses none, so the lock file is
 * no source: `npm prune` rewrites it, which must not look like a change.
 */
const BUILDS = [
	{
		output: "dist/gateway/main.js",
		sources: ["gateway", "shared", "tools/build-gateway.ts"],
		skip: "gateway/dashboard/web",
		script: "build:gateway",
		tools: ["tsx", "esbuild"],
	},
	{
		output: "dist/dashboard/index.html",
		sources: ["gateway/dashboard/web", "gateway/dashboard/vite.config.ts"],
		script: "build:dashboard",
		tools: ["vite"],
	},
	{
		output: "out/Technified.rbxmx",
		sources: ["roblox", "shared", "model.project.json", "tsconfig.roblox.json", "tools/build-model.ts", "tools/rojo-tree.ts", "gateway/roblox-model/rbxmx.ts"],
		script: "build:roblox",
		tools: ["roblox-ts", "tsx"],
	},
];

/** Newest modification time under `entry` (a file or a folder), leaving out `skip`. */
function newest(entry, skip) {
	if (entry === skip || !existsSync(entry)) return 0;
	const stat = statSync(entry);
	if (!stat.isDirectory()) return stat.mtimeMs;
	return Math.max(0, ...readdirSync(entry).map((name) => newest(path.join(entry, name), skip)));
}

for (const { output, sources, skip, script, tools } of BUILDS) {
	const built = existsSync(output) ? statSync(output).mtimeMs : undefined;
	if (built !== undefined && Math.max(...sources.map((source) => newest(source, skip))) <= built) continue;
	// Build tools are devDependencies: present after `npm ci`, gone after `npm prune --omit=dev`.
	if (tools.every((tool) => existsSync(`node_modules/${tool}`))) {
		console.log(`${output} is ${built === undefined ? "missing" : "older than its sources"}: npm run ${script}`);
		execFileSync("npm", ["run", "--silent", script], { stdio: "inherit" });
	} else if (built === undefined) {
		console.error(`${output} is missing and the build tools are not installed: run npm ci && npm run build first`);
		process.exit(1);
	} else {
		console.warn(`${output} is older than its sources, but the build tools are not installed: running it as built`);
	}
}
