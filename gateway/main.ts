// gateway/main.ts
// The one entry: reads the environment, starts the gateway, and shuts it down gracefully on a signal.

import { ConfigError, readConfig } from "./config";
import { startGateway } from "./gateway";

async function main(): Promise<void> {
	let config;
	try {
		config = readConfig();
	} catch (err) {
		if (!(err instanceof ConfigError)) throw err;
		console.error(err.message);
		process.exit(1);
	}
	const gateway = await startGateway(config);
	if (gateway.adminTokenGenerated) {
		console.log(`Generated ADMIN_TOKEN (shown once, kept in ${config.dataDir}/admin-token): ${gateway.adminToken}`);
	}
	console.log(`Technified gateway listening on ${gateway.url} (API at ${gateway.url}/api/v1)`);

	let stopping = false;
	const stop = async (signal: string) => {
		if (stopping) return;
		stopping = true;
		console.log(`${signal} received: finishing requests and flushing key usage`);
		try {
			await gateway.close();
			process.exit(0);
		} catch (err) {
			console.error(`Shutdown was not clean: ${err instanceof Error ? err.message : String(err)}`);
			process.exit(1);
		}
	};
	process.on("SIGTERM", () => void stop("SIGTERM"));
	process.on("SIGINT", () => void stop("SIGINT"));
}

main().catch((err: unknown) => {
	console.error(`Gateway failed to start: ${err instanceof Error ? err.message : String(err)}`);
	process.exit(1);
});
