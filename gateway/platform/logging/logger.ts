// gateway/platform/logging/logger.ts
// The gateway's one logger (pino): JSON lines or pretty text, the level, and the redaction of secrets.

import pino, { type DestinationStream, type Logger } from "pino";
import pretty from "pino-pretty";

export type LogFormat = "json" | "pretty";

export const LOG_LEVELS = ["fatal", "error", "warn", "info", "debug", "trace", "silent"] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export interface LogSettings {
	level: LogLevel;
	format: LogFormat;
}

/**
 * Wherever a request, response or error object is logged, these never reach the line. The request
 * log already writes no headers; this is the net under every other log call.
 */
const REDACTED_PATHS = [
	"req.headers.authorization",
	'req.headers["x-api-key"]',
	"req.headers.cookie",
	'req.headers["x-technified-internal-token"]',
	'res.headers["set-cookie"]',
	"headers.authorization",
	'headers["x-api-key"]',
	"headers.cookie",
	'headers["x-technified-internal-token"]',
	"apiKey",
	"adminToken",
	"internalToken",
];

/** `destination` is for tests and the bench; by default lines go to standard output. */
export function createLogger(settings: LogSettings, destination?: DestinationStream): Logger {
	const options = {
		level: settings.level,
		base: undefined,
		timestamp: pino.stdTimeFunctions.isoTime,
		redact: { paths: REDACTED_PATHS, censor: "[redacted]" },
	};
	if (settings.format === "pretty") return pino(options, pretty({ destination: destination ?? 1, sync: true }));
	return pino(options, destination ?? pino.destination({ dest: 1, sync: false }));
}

/** For tests and tools that start a gateway without wanting its lines. */
export const silentLogger: Logger = pino({ level: "silent" });
