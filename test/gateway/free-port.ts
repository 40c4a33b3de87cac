// test/gateway/free-port.ts
// A loopback port free now, for suites that must name an address before the server on it starts (PUBLIC_URL, a proxy's upstream).

import { createServer } from "node:net";

export function freePort(): Promise<number> {
	return new Promise((resolve, reject) => {
		const probe = createServer();
		probe.once("error", reject);
		probe.listen(0, "127.0.0.1", () => {
			const { port } = probe.address() as { port: number };
			probe.close(() => resolve(port));
		});
	});
}
