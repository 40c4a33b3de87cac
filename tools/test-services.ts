// tools/test-services.ts
// `npm test`'s first step: makes sure Chromium, Caddy, PostgreSQL and Redis are there, or stops with one line saying what to do.

import { execFileSync } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import net from "node:net";
import pg from "pg";

/** Debian packages the suites run: installed with apt-get when missing and npm test runs as root. */
const PACKAGES = [
	// playwright-core drives Debian's chromium and never downloads a browser of its own.
	{ name: "chromium", binary: "/usr/bin/chromium", usedBy: "the dashboard's browser suite" },
	// The README's reverse-proxy example is run as written; the package's own service is not relied on.
	{ name: "caddy", binary: "/usr/bin/caddy", usedBy: "the README's reverse-proxy suite" },
] as const;
/** The suites' database (trust auth, database `test`); TEST_DATABASE_URL points them elsewhere. */
const DATABASE_URL = process.env.TEST_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/test";
/** Only the machine's own cluster is started here; another TEST_DATABASE_URL is the operator's to run. */
const OWN_CLUSTER = process.env.TEST_DATABASE_URL === undefined;
const REDIS = { host: "127.0.0.1", port: 6379 };
const REDIS_START = [
	"--daemonize", "yes", "--bind", "127.0.0.1", "-::1", "--port", "6379", "--save", "", "--appendonly", "no",
	"--dir", "/var/lib/redis", "--logfile", "/var/log/redis/ci.log",
];

const isRoot = process.getuid?.() === 0;

/** One line on stderr, then a non-zero exit: npm stops before any suite runs. */
class Missing extends Error {}

function onPath(command: string): boolean {
	try {
		execFileSync("sh", ["-c", `command -v ${command}`], { stdio: "ignore" });
		return true;
	} catch {
		return false;
	}
}

function run(command: string, args: string[]): void {
	try {
		// Inherited stdout/stderr: an apt-get install is long, and its progress is worth seeing.
		execFileSync(command, args, { stdio: ["ignore", "inherit", "inherit"] });
	} catch (err) {
		const status = (err as { status?: number | null }).status;
		throw new Missing(`\`${command} ${args.join(" ")}\` failed (exit ${status ?? "by signal"}): run it yourself to see why, then npm test again`);
	}
}

async function until(check: () => Promise<string | undefined>, timeoutMs: number): Promise<string | undefined> {
	const deadline = Date.now() + timeoutMs;
	let problem = await check();
	while (problem !== undefined && Date.now() < deadline) {
		await new Promise((resolve) => setTimeout(resolve, 250));
		problem = await check();
	}
	return problem;
}

function ensurePackages(): void {
	const missing = PACKAGES.filter((wanted) => !existsSync(wanted.binary));
	if (missing.length === 0) return;
	const names = missing.map((wanted) => wanted.name).join(" ");
	if (!isRoot || !onPath("apt-get")) {
		const what = missing.map((wanted) => `${wanted.binary}, for ${wanted.usedBy}`).join("; ");
		throw new Missing(`Missing: ${what}: run \`sudo apt-get install -y ${names}\`, then npm test again`);
	}
	console.log(`test services: installing Debian's ${names} for ${missing.map((wanted) => wanted.usedBy).join(" and ")} (apt-get)`);
	run("apt-get", ["update"]);
	run("apt-get", ["install", "-y", "--no-install-recommends", ...missing.map((wanted) => wanted.name)]);
	for (const wanted of missing) if (!existsSync(wanted.binary)) throw new Missing(`apt-get installed ${wanted.name} but ${wanted.binary} is still missing`);
}

/** Undefined when the database answers; otherwise why not. */
async function databaseProblem(): Promise<string | undefined> {
	const client = new pg.Client({ connectionString: DATABASE_URL, connectionTimeoutMillis: 2_000 });
	try {
		await client.connect();
		await client.query("SELECT 1");
		return undefined;
	} catch (err) {
		return err instanceof Error ? err.message || (err as NodeJS.ErrnoException).code : String(err);
	} finally {
		await client.end().catch(() => undefined);
	}
}

async function ensurePostgres(): Promise<void> {
	const problem = await databaseProblem();
	if (problem === undefined) return;
	const clusters = existsSync("/etc/postgresql") ? readdirSync("/etc/postgresql") : [];
	const start = `pg_ctlcluster --skip-systemctl-redirect ${clusters[0] ?? "<version>"} main start`;
	const refused = /ECONNREFUSED|connect/i.test(problem);
	if (!OWN_CLUSTER) {
		throw new Missing(`PostgreSQL at ${new URL(DATABASE_URL).host} (TEST_DATABASE_URL) answers "${problem}": make it reachable, or unset TEST_DATABASE_URL to use 127.0.0.1:5432`);
	}
	if (!refused) {
		throw new Missing(`PostgreSQL on 127.0.0.1:5432 answers "${problem}": the suites need database 'test' with trust auth for user postgres (createdb -h 127.0.0.1 -U postgres test), or set TEST_DATABASE_URL`);
	}
	if (!isRoot || clusters.length !== 1 || !onPath("pg_ctlcluster")) {
		throw new Missing(`PostgreSQL is not running on 127.0.0.1:5432: start it (as root: ${start}), or set TEST_DATABASE_URL, then npm test again`);
	}
	console.log(`test services: starting PostgreSQL (${start})`);
	run("pg_ctlcluster", ["--skip-systemctl-redirect", clusters[0], "main", "start"]);
	const still = await until(databaseProblem, 15_000);
	if (still !== undefined) throw new Missing(`PostgreSQL was started but does not answer (${still}): see ${start}`);
}

/** Undefined when Redis answers PING; otherwise why not. */
function redisProblem(): Promise<string | undefined> {
	return new Promise((resolve) => {
		const socket = net.connect(REDIS);
		let answer = "";
		const done = (problem: string | undefined) => {
			socket.destroy();
			resolve(problem);
		};
		socket.setTimeout(2_000, () => done("no answer within 2 s"));
		socket.on("connect", () => socket.write("PING\r\n"));
		socket.on("data", (chunk) => {
			answer += chunk.toString();
			if (answer.includes("\r\n")) done(answer.startsWith("+PONG") ? undefined : `answered ${answer.trim()}`);
		});
		socket.on("error", (err: NodeJS.ErrnoException) => done(err.code ?? err.message));
	});
}

async function ensureRedis(): Promise<void> {
	const problem = await redisProblem();
	if (problem === undefined) return;
	const start = `redis-server ${REDIS_START.map((arg) => (arg === "" ? '""' : arg)).join(" ")}`;
	if (problem !== "ECONNREFUSED" || !onPath("redis-server")) {
		throw new Missing(`Redis on ${REDIS.host}:${REDIS.port} is not usable (${problem}): start it with ${start}, then npm test again`);
	}
	console.log(`test services: starting Redis (${start})`);
	run("redis-server", REDIS_START);
	const still = await until(redisProblem, 10_000);
	if (still !== undefined) throw new Missing(`Redis was started but does not answer (${still}): see /var/log/redis/ci.log`);
}

try {
	ensurePackages();
	await ensurePostgres();
	await ensureRedis();
	console.log(`test services: ${PACKAGES.map((wanted) => wanted.binary).join(", ")}, PostgreSQL ${new URL(DATABASE_URL).host}, Redis ${REDIS.host}:${REDIS.port} ready`);
} catch (err) {
	if (!(err instanceof Missing)) throw err;
	console.error(err.message);
	process.exit(1);
}
