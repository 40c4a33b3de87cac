// bench/stream-holder.ts
// Child process of the events bench: holds N event streams and says when every one has a user's ban.

import { openStreams } from "./events";

const [url, key, count] = process.argv.slice(2);
const streams = await openStreams(url, key, Number(count));
console.log(JSON.stringify({ open: streams.length }));

// Checked every 2 ms: each robloxId is reported once, at the moment the last stream has it.
const reported = new Set<string>();
setInterval(() => {
	const first = streams[0].arrivals;
	for (const id of first.keys()) {
		if (reported.has(id) || !streams.every((stream) => stream.arrivals.has(id))) continue;
		reported.add(id);
		const at = performance.timeOrigin + Math.max(...streams.map((stream) => stream.arrivals.get(id)!));
		console.log(JSON.stringify({ all: id, at }));
	}
}, 2);
for (const signal of ["SIGINT", "SIGTERM"] as const) process.on(signal, () => process.exit(0));
