// gateway/main.ts
// The one entry: reads the environment, starts the gateway, and shuts it down gracefully on a signal.

import { ConfigError, misspeltVariables, readConfig, type Config } from "./config";
import { listensEverywhere, startGateway, type RunningGateway } from "./gateway";

/**
 * Where operators find it. The listening address is one that works from this machine (loopback when it
 * listens everywhere); API and dashboard are given at PUBLIC_URL when set, since that is what users
 * reach; metrics stay at the listening address, as they are scraped from inside.
 */
function addressLines(config: Config, gateway: RunningGateway): string[] {
	const where = listensEverywhere(config.host) ? `all interfaces, port ${gateway.port}` : `${config.host} only`;
	const reached = config.publicUrl ?? gateway.url;
	return [
		`Technified gateway listening on ${gateway.url} (${where})${config.publicUrl === undefined ? "" : `, reached at ${config.publicUrl}`}`,
		`  API        ${reached}/api/v1`,
		`  dashboard  ${reached}/dashboard/`,
		`  metrics    ${gateway.url}/metrics${config.metricsToken === undefined ? "" : " (Authorization: Bearer METRICS_TOKEN)"}`,
	];
}

async function main(): Promise<void> {
	let config;
	try {
		config = readConfig();
	} catch (err) {
		if (!(err instanceof ConfigError)) throw err;
		console.error(err.message);
		process.exit(1);
	}
	for (const warning of misspeltVariables()) console.warn(warning);
	const gateway = await startGateway(config);
	if (gateway.adminTokenGenerated) {
		console.log(`Generated ADMIN_TOKEN (shown once, kept in ${config.dataDir}/admin-token): ${gateway.adminToken}`);
	}
	console.log(addressLines(config, gateway).join("\n"));

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
