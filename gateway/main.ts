// gateway/main.ts
// The one entry: reads the environment, starts the gateway, and shuts it down gracefully on a signal.

import { ConfigError, misspeltVariables, readConfig, type Config } from "./config";
import { listensEverywhere, startGateway, type RunningGateway } from "./gateway";
import { createLogger } from "./platform/logging/logger";

/**
 * Where operators find it. The listening address is one that works from this machine (loopback when it
 * listens everywhere); API and dashboard are given at PUBLIC_URL when set, since that is what users
 * reach; metrics stay at the listening address, as they are scraped from inside.
 */
function addresses(config: Config, gateway: RunningGateway): { message: string; fields: Record<string, string> } {
	const where = listensEverywhere(config.host) ? `all interfaces, port ${gateway.port}` : `${config.host} only`;
	const reached = config.publicUrl ?? gateway.url;
	const fields = {
		api: `${reached}/api/v1`,
		dashboard: `${reached}/dashboard/`,
		docs: `${reached}/docs`,
		metrics: `${gateway.url}/metrics${config.metricsToken === undefined ? "" : " (Authorization: Bearer METRICS_TOKEN)"}`,
	};
	const listening = `Technified gateway listening on ${gateway.url} (${where})${config.publicUrl === undefined ? "" : `, reached at ${config.publicUrl}`}`;
	return { message: `${listening}; API ${fields.api}, dashboard ${fields.dashboard}, docs ${fields.docs}, metrics ${fields.metrics}`, fields };
}

/** Whether Discord's slash commands answer, and where Discord must send them (docs/discord.md). */
function discordCommandsLine(config: Config, gateway: RunningGateway): string {
	if (config.discordCommands === undefined) return "Discord commands off: set DISCORD_PUBLIC_KEY and DISCORD_APPLICATION_ID to turn them on (docs/discord.md)";
	const endpoint = `${config.publicUrl ?? gateway.url}/discord/interactions`;
	const registration = config.discordCommands.botToken === undefined ? "set DISCORD_BOT_TOKEN to register them" : "register them with npm run discord -- register";
	return `Discord commands on for application ${config.discordCommands.applicationId}: Interactions Endpoint URL ${endpoint}; ${registration}`;
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
	const logger = createLogger(config.log);
	for (const warning of misspeltVariables()) logger.warn(warning);
	const gateway = await startGateway(config, { logger });
	if (gateway.adminTokenGenerated) {
		// The one line that carries a secret, by design: the operator has no other way to learn it.
		logger.info(`Generated ADMIN_TOKEN (shown once, kept in ${config.dataDir}/admin-token): ${gateway.adminToken}`);
	}
	// Before the listening line: that line says the gateway is ready, and whoever waits for it reads what came before.
	logger.info(discordCommandsLine(config, gateway));
	const { message, fields } = addresses(config, gateway);
	logger.info(fields, message);

	let stopping = false;
	const stop = async (signal: string) => {
		if (stopping) return;
		stopping = true;
		logger.info(`${signal} received: finishing requests and flushing key usage`);
		try {
			await gateway.close();
			logger.flush();
			process.exit(0);
		} catch (err) {
			logger.error({ err }, "Shutdown was not clean");
			logger.flush();
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
