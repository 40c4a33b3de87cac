// test/luau/harness/scenario.ts
// Shorthands the suites share: a fresh emulated server wired to a fake API, and the module's options.

import { BASE_URL, FakeApi, TEST_KEY } from "./fake-api";
import { luauHost, World, WorldSettings } from "./luau-host";

export async function serverFor(api: FakeApi, settings: WorldSettings = {}): Promise<World> {
	const host = await luauHost();
	return host.newWorld(api.transport, { seed: 7, ...settings });
}

/**
 * Options a game owner would pass to Technified.start, pointed at the fake API, with live updates off:
 * the suites that count the lookups' requests see only theirs. live-updates.test.ts turns them on (the
 * default) and counts both.
 */
export function guardOptions(extra: Record<string, unknown> = {}) {
	return { apiKey: TEST_KEY, baseUrl: BASE_URL, liveUpdates: false, ...extra };
}

/** The most requests sent within any `window` seconds. */
export function busiestWindow(times: number[], window: number) {
	const sorted = [...times].sort((a, b) => a - b);
	let most = 0;
	let first = 0;
	for (let last = 0; last < sorted.length; last++) {
		while (sorted[last] - sorted[first] >= window) first++;
		most = Math.max(most, last - first + 1);
	}
	return most;
}

export function warnings(report: { output: Array<{ kind: string; text: string }> }) {
	return report.output.filter((line) => line.kind === "warn").map((line) => line.text);
}
