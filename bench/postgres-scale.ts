// bench/postgres-scale.ts
// Ban-status and key-verify latency through the PostgreSQL stores at 1k keys / 1k bans vs 1M / 10M.

import { createHash, randomBytes } from "node:crypto";
import { pathToFileURL } from "node:url";
import pg from "pg";
import { FIND_ACTIVE_SQL, PostgresModerationStore } from "../gateway/data-store/postgres-moderation-store";
import { PostgresKeyStore } from "../gateway/keys/postgres-key-store";
import { openPostgresGatewayDatabase } from "../gateway/platform/db/gateway-database";

export interface Scale {
	keys: number;
	bans: number;
}

export interface PostgresScaleOptions {
	/** Default: BENCH_DATABASE_URL, DATABASE_URL, then the development server's `test` database. */
	databaseUrl?: string;
	small?: Scale;
	/** Default 1M keys and 10M bans; BENCH_PG_KEYS / BENCH_PG_BANS scale it down on a slower machine. */
	large?: Scale;
	/** Timed lookups per measurement, after a tenth as many untimed ones to warm caches. */
	samples?: number;
}

interface Latency {
	p50: number;
	p99: number;
}

export interface ScaleResult {
	scale: Scale;
	loadSeconds: number;
	banStatus: Latency;
	keyVerify: Latency;
	/** The ban-status statement's plan at this scale, one line per node. */
	banStatusPlan: string;
}

/** Bans per guild: a large game's ban list. Lookups ask for 20% more users than are banned. */
const BANS_PER_GUILD = 10_000;
const KIND = "ban";
const guildOfBans = (guild: number) => String(100_000_000_000_000_000n + BigInt(guild));
const guildOfKey = (key: number) => String(200_000_000_000_000_000n + BigInt(key));
const robloxIdOf = (user: number) => 1_000 + user * 13;
/** The same text the SQL below hashes, so the bench knows every key's secret hash. */
const secretHashOf = (key: number) => createHash("sha256").update(`bench-key-${key}`).digest("hex");

/**
 * Fills the schema in bulk with INSERT … SELECT generate_series, into the tables and indexes the
 * migrations made, so the measured lookups meet the real schema at that size. Users of a guild are
 * inserted in id order (index pages fill in order); a fifth of the bans are lifted history and a tenth
 * expired, which ban-status must step over.
 */
async function load(admin: pg.Client, scale: Scale): Promise<void> {
	await admin.query(
		`INSERT INTO keys (id, guild_id, prefix, name, state, scopes, allowed_cidrs, created_at, updated_at)
		 SELECT 'bench-' || k, (200000000000000000 + k)::text, 'technified_bench_' || k, NULL, 'active',
			'["moderation:read","moderation:write"]', '[]', 1700000000, 1700000000
		 FROM generate_series(0, $1::int - 1) AS k`,
		[scale.keys],
	);
	await admin.query(
		`INSERT INTO key_secrets (key_id, hash, expires_at)
		 SELECT 'bench-' || k, encode(sha256(convert_to('bench-key-' || k, 'UTF8')), 'hex'), NULL
		 FROM generate_series(0, $1::int - 1) AS k`,
		[scale.keys],
	);
	const perGuild = Math.min(BANS_PER_GUILD, scale.bans);
	await admin.query(
		`INSERT INTO moderation_records (guild_id, kind, roblox_id, reason, moderator_id, created_at, expires_at, lifted_at, lifted_by)
		 SELECT (100000000000000000 + g / $2::int)::text, $3, 1000 + (g % $2::int) * 13, 'Exploiting', 1, 1700000000000 + g,
			CASE WHEN g % 10 = 1 THEN 1700000000000 END,
			CASE WHEN g % 5 = 0 THEN 1700000000001 END, CASE WHEN g % 5 = 0 THEN 1 END
		 FROM generate_series(0, $1::int - 1) AS g`,
		[scale.bans, perGuild, KIND],
	);
	await admin.query("ANALYZE keys");
	await admin.query("ANALYZE key_secrets");
	await admin.query("ANALYZE moderation_records");
}

/** Times `lookup` `samples` times, one call at a time; durations in ms. */
async function timeLookups(samples: number, lookup: () => Promise<unknown>): Promise<number[]> {
	const taken: number[] = [];
	for (let i = 0; i < samples; i++) {
		const started = process.hrtime.bigint();
		await lookup();
		taken.push(Number(process.hrtime.bigint() - started) / 1e6);
	}
	return taken;
}

function percentiles(taken: number[]): Latency {
	const sorted = [...taken].sort((a, b) => a - b);
	return { p50: sorted[Math.floor(sorted.length * 0.5)], p99: sorted[Math.floor(sorted.length * 0.99)] };
}

const randomBelow = (n: number) => Math.floor(Math.random() * n);

/** One scale loaded into its own schema, with the stores open on it. */
interface LoadedScale {
	scale: Scale;
	loadSeconds: number;
	banStatus(): Promise<unknown>;
	keyVerify(): Promise<unknown>;
	banStatusPlan(): Promise<string>;
	/** Closes the stores and drops the schema. */
	drop(): Promise<void>;
}

async function loadScale(baseUrl: string, scale: Scale): Promise<LoadedScale> {
	const admin = new pg.Client({ connectionString: baseUrl });
	await admin.connect();
	const schema = `bench_scale_${randomBytes(4).toString("hex")}`;
	const opened: { close(): Promise<void> }[] = [];
	const drop = async () => {
		for (const store of opened) await store.close();
		await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
		await admin.end();
	};
	try {
		await admin.query(`CREATE SCHEMA ${schema}`);
		await admin.query(`SET search_path TO ${schema}`);
		// The load is throwaway data: no need to wait for each commit to reach disk, and more sort memory
		// keeps index maintenance in RAM.
		await admin.query("SET synchronous_commit = off");
		await admin.query("SET maintenance_work_mem = '256MB'");
		const url = new URL(baseUrl);
		url.searchParams.set("options", `-c search_path=${schema}`);
		const quiet = () => {};
		const moderation = await PostgresModerationStore.open({ connectionString: url.toString(), log: quiet });
		opened.push(moderation);
		const database = await openPostgresGatewayDatabase({ connectionString: url.toString(), log: quiet });
		opened.push(database);
		const keys = new PostgresKeyStore(database.postgres);
		const loadStarted = Date.now();
		await load(admin, scale);
		const loadSeconds = (Date.now() - loadStarted) / 1000;
		const perGuild = Math.min(BANS_PER_GUILD, scale.bans);
		const guilds = Math.max(1, Math.floor(scale.bans / perGuild));
		const usersAsked = Math.ceil(perGuild * 1.2);
		return {
			scale,
			loadSeconds,
			banStatus: () => moderation.findActive(guildOfBans(randomBelow(guilds)), KIND, robloxIdOf(randomBelow(usersAsked)), null),
			async keyVerify() {
				const key = randomBelow(scale.keys);
				const found = await keys.findBySecretHash(secretHashOf(key));
				if (found?.key.guildId !== guildOfKey(key)) throw new Error("bench data is not what the lookups expect");
			},
			async banStatusPlan() {
				const { rows } = await admin.query<{ "QUERY PLAN": string }>(`EXPLAIN ${FIND_ACTIVE_SQL}`, [
					guildOfBans(0), KIND, robloxIdOf(1), null, Date.now(),
				]);
				return rows.map((row) => row["QUERY PLAN"]).join("\n");
			},
			drop,
		};
	} catch (err) {
		await drop();
		throw err;
	}
}

const count = (n: number) => (n >= 1e6 ? `${n / 1e6}M` : n >= 1e3 ? `${n / 1e3}k` : String(n));
const ms = (value: number) => `${value.toFixed(3)} ms`.padStart(10);

/** Rounds the samples are split into, alternating scales, so machine noise falls on both alike. */
const ROUNDS = 5;

/**
 * Loads each scale into its own schema (dropped afterwards), measures lookups one at a time through
 * the stores, alternating between the scales, and prints p50/p99 with the large-to-small ratio.
 * About 3 minutes on 2 cores at 1M keys / 10M bans, nearly all of it the load.
 *
 * @example
 * await postgresScaleBench({ large: { keys: 100_000, bans: 1_000_000 } });
 */
export async function postgresScaleBench(options: PostgresScaleOptions = {}): Promise<{ small: ScaleResult; large: ScaleResult }> {
	const env = process.env;
	const databaseUrl =
		options.databaseUrl ?? env.BENCH_DATABASE_URL ?? env.DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/test";
	const samples = options.samples ?? 5_000;
	const smallScale = options.small ?? { keys: 1_000, bans: 1_000 };
	const largeScale = options.large ?? {
		keys: Number(env.BENCH_PG_KEYS ?? 1_000_000),
		bans: Number(env.BENCH_PG_BANS ?? 10_000_000),
	};
	const label = (s: Scale) => `${count(s.keys)} keys / ${count(s.bans)} bans`;

	console.log(`\nPostgreSQL scale: ${samples} lookups of each kind one at a time through the stores, per scale`);
	const scales: LoadedScale[] = [];
	try {
		for (const scale of [smallScale, largeScale]) {
			scales.push(await loadScale(databaseUrl, scale));
			console.log(`loaded ${label(scale)} in ${scales.at(-1)!.loadSeconds.toFixed(1)} s`);
		}
		const taken = scales.map(() => ({ banStatus: [] as number[], keyVerify: [] as number[] }));
		// An untimed tenth first warms each scale's caches, as a running gateway's would be.
		for (const loaded of scales) await timeLookups(Math.ceil(samples / 10), () => Promise.all([loaded.banStatus(), loaded.keyVerify()]));
		for (let round = 0; round < ROUNDS; round++) {
			for (const [i, loaded] of scales.entries()) {
				taken[i].banStatus.push(...(await timeLookups(samples / ROUNDS, loaded.banStatus)));
				taken[i].keyVerify.push(...(await timeLookups(samples / ROUNDS, loaded.keyVerify)));
			}
		}
		const [small, large] = await Promise.all(
			scales.map(async (loaded, i): Promise<ScaleResult> => ({
				scale: loaded.scale,
				loadSeconds: loaded.loadSeconds,
				banStatus: percentiles(taken[i].banStatus),
				keyVerify: percentiles(taken[i].keyVerify),
				banStatusPlan: await loaded.banStatusPlan(),
			})),
		);

		console.log(`${"".padEnd(18)}${label(smallScale).padStart(24)}${label(largeScale).padStart(26)}   ratio`);
		const line = (name: string, pick: (r: ScaleResult) => number) =>
			console.log(`${name.padEnd(18)}${ms(pick(small)).padStart(24)}${ms(pick(large)).padStart(26)}   ${(pick(large) / pick(small)).toFixed(2)}x`);
		line("ban-status p50", (r) => r.banStatus.p50);
		line("ban-status p99", (r) => r.banStatus.p99);
		line("key verify p50", (r) => r.keyVerify.p50);
		line("key verify p99", (r) => r.keyVerify.p99);
		console.log(`ban-status plan at ${label(largeScale)}:\n  ${large.banStatusPlan.replaceAll("\n", "\n  ")}`);
		return { small, large };
	} finally {
		for (const loaded of scales) await loaded.drop();
	}
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) await postgresScaleBench();
