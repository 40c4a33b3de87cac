// test/gateway/layout.test.ts
// The gateway's layout holds: no import cycle between its files (madge reads the imports as tsc resolves them).

import madge from "madge";
import { describe, expect, it } from "vitest";

describe("gateway layout", () => {
	it("has no import cycle", { timeout: 90_000 }, async () => {
		const graph = await madge("gateway", {
			fileExtensions: ["ts"],
			tsConfig: "tsconfig.json",
			excludeRegExp: [/^dashboard\/web\//],
		});
		expect(graph.circular()).toEqual([]);
	});
});
