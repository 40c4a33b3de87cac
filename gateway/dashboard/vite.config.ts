// gateway/dashboard/vite.config.ts
// Builds the API Keys dashboard from gateway/dashboard/web into dist/dashboard, served at /dashboard.

import path from "node:path";
import { fileURLToPath } from "node:url";
import { defineConfig } from "vite";

const here = path.dirname(fileURLToPath(import.meta.url));

export default defineConfig({
	root: path.join(here, "web"),
	base: "/dashboard/",
	// No public folder: every file the page needs is imported, so it gets a content hash.
	publicDir: false,
	build: {
		outDir: path.resolve(here, "../../dist/dashboard"),
		emptyOutDir: true,
		target: "es2022",
		// Keeps every asset a file: the CSP has no data: for scripts or styles.
		assetsInlineLimit: 0,
	},
});
