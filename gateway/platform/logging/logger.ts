// gateway/platform/logging/logger.ts
// The gateway's one logger (pino): JSON lines or pretty text, the level, and the redaction of secrets.

import pino, { type DestinationStream, type Logger } from "pino";
import pretty from "pino-pretty";
import { API_KEY_PREFIX } from "../../../shared/routes";

export type LogFormat = "json" | "pretty";

export const LOG_LEVELS = ["fatal", "error", "warn", "info", "debug", "trace", "silent"] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export interface LogSettings {
	level: LogLevel;
	format: LogFormat;
}

/**
 * Wherever a request, response or headers object is logged, these never reach the line. The request
 * log already writes no headers; this is the net under every other log call.
 */
const SECRET_HEADERS = ["authorization", "x-api-key", "cookie", "x-technified-internal-token"];
/** Top-level fields censored whole, whatever they hold. */
const SECRET_FIELDS = ["apiKey", "adminToken", "internalToken"];

/** Where a line names a request's target: a key or token typed into it by mistake must not reach the log. */
const TARGET_FIELDS = ["path", "url", "query"];
const CENSOR = "[redacted]";

/** A key as the API issues them (`technified_<guild id>_<secret>`), whole or cut short. */
const KEY_SHAPED = new RegExp(`${API_KEY_PREFIX}\\d+_[0-9A-Za-z]*`, "gi");
const ESCAPE_RUN = /(?:%[0-9A-Fa-f]{2})+/g;

/** Percent-escapes undone, twice over at most (a client may escape what was escaped); malformed runs kept. */
function unescaped(text: string): string {
	let plain = text;
	for (let round = 0; round < 3 && plain.includes("%"); round++) {
		const next = plain.replace(ESCAPE_RUN, (run) => {
			try {
				return decodeURIComponent(run);
			} catch {
				return run;
			}
		});
		if (next === plain) break;
		plain = next;
	}
	return plain;
}

function holdsSecret(text: string, secrets: readonly string[]): boolean {
	KEY_SHAPED.lastIndex = 0;
	return KEY_SHAPED.test(text) || secrets.some((secret) => text.includes(secret));
}

function scrubbed(text: string, secrets: readonly string[]): string {
	let clean = text.replace(KEY_SHAPED, CENSOR);
	for (const secret of secrets) clean = clean.replaceAll(secret, CENSOR);
	return clean;
}

/** A target as it was sent, unless it holds a secret, escaped or not: then unescaped, each secret `[redacted]`. */
function withoutSecrets(target: string, secrets: readonly string[]): string {
	const plain = unescaped(target);
	if (!holdsSecret(target, secrets) && !holdsSecret(plain, secrets)) return target;
	return scrubbed(unescaped(scrubbed(target, secrets)), secrets);
}

type Fields = Record<string, unknown>;
const isFields = (value: unknown): value is Fields => typeof value === "object" && value !== null;
const censored = () => CENSOR;

/** `fields` with each of `names` it has (own or inherited) replaced by `censor(value)`, copied only if one changes. */
function withCensored(fields: Fields, names: readonly string[], censor: (value: unknown) => unknown): Fields {
	let copy: Fields | undefined;
	for (const name of names) {
		if (!(name in fields)) continue;
		const value = censor(fields[name]);
		if (value === fields[name]) continue;
		copy ??= { ...fields };
		copy[name] = value;
	}
	return copy ?? fields;
}

/** An object's `headers` with the secret ones censored. */
function withHeadersCensored(fields: Fields, names: readonly string[]): Fields {
	const headers = fields.headers;
	if (!isFields(headers)) return fields;
	const clean = withCensored(headers, names, censored);
	return clean === headers ? fields : { ...fields, headers: clean };
}

/**
 * The secrets censored as serializers of the fields that can hold them: a logged request's headers
 * and target (cleaned of key-shaped strings and of `secrets`), a response's cookies, headers, and
 * fields named for a secret. Serializers rather than pino's `redact`, which clones and walks every
 * path on each line: a request log line took 6–8 µs with it, under 3 µs so (bench/hot-path-parts.ts).
 */
function redaction(secrets: readonly string[]) {
	const target = (value: unknown) => (typeof value === "string" ? withoutSecrets(value, secrets) : CENSOR);
	return {
		req: (req: unknown) => (isFields(req) ? withHeadersCensored(withCensored(req, TARGET_FIELDS, target), SECRET_HEADERS) : req),
		res: (res: unknown) => (isFields(res) ? withHeadersCensored(res, ["set-cookie"]) : res),
		headers: (headers: unknown) => (isFields(headers) ? withCensored(headers, SECRET_HEADERS, censored) : headers),
		...Object.fromEntries(SECRET_FIELDS.map((name) => [name, censored])),
	};
}

let timeAt = 0;
let timeField = "";
/** pino's isoTime, made once per millisecond: under load several lines share one, and toISOString was a few µs a line. */
function isoTime(): string {
	const now = Date.now();
	if (now !== timeAt) {
		timeAt = now;
		timeField = `,"time":"${new Date(now).toISOString()}"`;
	}
	return timeField;
}

/** `destination` is for tests and the bench; by default lines go to standard output. */
export function createLogger(settings: LogSettings, destination?: DestinationStream): Logger {
	const options = {
		level: settings.level,
		base: undefined,
		timestamp: isoTime,
		serializers: redaction([]),
	};
	if (settings.format === "pretty") return pino(options, pretty({ destination: destination ?? 1, sync: true }));
	return pino(options, destination ?? pino.destination({ dest: 1, sync: false }));
}

/**
 * `logger`, with `secrets` (the admin token, known once the gateway has found it) also cleaned from
 * every logged target, as key-shaped strings are.
 */
export function redactingSecrets(logger: Logger, secrets: readonly string[]): Logger {
	return logger.child({}, { serializers: redaction(secrets) });
}

/** For tests and tools that start a gateway without wanting its lines. */
export const silentLogger: Logger = pino({ level: "silent" });
