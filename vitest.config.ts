import { defineConfig } from "vitest/config";

export default defineConfig({
	test: {
		include: ["test/**/*.test.ts"],
		// Two cores: suites start real servers and Luau VMs, so run a couple of files at a time.
		maxWorkers: 2,
		pool: "forks",
		testTimeout: 20_000,
		hookTimeout: 30_000,
		// On CI a JSON report too, from which .ci/run prints its plain "N passed, N failed" line.
		reporters: process.env.CI ? ["default", "json"] : ["default"],
		outputFile: { json: "test-artifacts/vitest-report.json" },
	},
});
