// gateway/servers/redis-presence-store.ts
// Presence in Redis when REDIS_URL is set: per guild, a sorted set of last sightings and two hashes (facts, first sighting).

import type { Redis } from "ioredis";
import { disconnectRedis } from "../platform/redis/redis-connection";
import type { PresenceStore, ServerFacts, StoredServer } from "./presence-store";

/**
 * One sighting, atomically: a server unseen since `liveSince` (or never seen) starts a new first
 * sighting; one older than the last written (sightings are written without waiting) is dropped. The guild's keys expire `keepMs` after its last sighting, so a guild whose servers all
 * stopped leaves nothing behind.
 * KEYS: seen (zset), facts (hash), first (hash). ARGV: job id, facts JSON, now, liveSince, keepMs.
 */
const RECORD_SCRIPT = `
local last = redis.call('ZSCORE', KEYS[1], ARGV[1])
if last and tonumber(last) > tonumber(ARGV[3]) then return end
if (not last) or tonumber(last) <= tonumber(ARGV[4]) then redis.call('HSET', KEYS[3], ARGV[1], ARGV[3]) end
redis.call('ZADD', KEYS[1], ARGV[3], ARGV[1])
redis.call('HSET', KEYS[2], ARGV[1], ARGV[2])
for i = 1, 3 do redis.call('PEXPIRE', KEYS[i], ARGV[5]) end
`;

/** Drops up to 1,000 servers of the guild last seen at or before ARGV[1], atomically with sightings. KEYS as above. */
const PRUNE_SCRIPT = `
local gone = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, 1000)
if #gone > 0 then
	redis.call('ZREM', KEYS[1], unpack(gone))
	redis.call('HDEL', KEYS[2], unpack(gone))
	redis.call('HDEL', KEYS[3], unpack(gone))
end
`;

type Facts = Omit<ServerFacts, "jobId">;

export class RedisPresenceStore implements PresenceStore {
	constructor(
		private readonly redis: Redis,
		private readonly prefix: string,
		/** How long a guild's keys outlive its last sighting: beyond the presence TTL, in real time. */
		private readonly keepMs: number,
	) {}

	private keys(guildId: string) {
		const base = `${this.prefix}:servers:${guildId}`;
		return { seen: `${base}:seen`, facts: `${base}:facts`, first: `${base}:first` };
	}

	async record(guildId: string, { jobId, ...facts }: ServerFacts, now: number, liveSince: number): Promise<void> {
		const { seen, facts: factsKey, first } = this.keys(guildId);
		await this.redis.eval(RECORD_SCRIPT, 3, seen, factsKey, first, jobId, JSON.stringify(facts), now, liveSince, this.keepMs);
	}

	async live(guildId: string, liveSince: number): Promise<StoredServer[]> {
		const keys = this.keys(guildId);
		const seen = await this.redis.zrangebyscore(keys.seen, `(${liveSince}`, "+inf", "WITHSCORES");
		if (seen.length === 0) return [];
		const jobIds = seen.filter((_, index) => index % 2 === 0);
		const [facts, firsts] = await Promise.all([this.redis.hmget(keys.facts, ...jobIds), this.redis.hmget(keys.first, ...jobIds)]);
		return jobIds.flatMap((jobId, index) => {
			const stored = facts[index];
			if (stored === null) return [];
			const lastSeen = Number(seen[index * 2 + 1]);
			return [{ jobId, ...(JSON.parse(stored) as Facts), firstSeen: Number(firsts[index] ?? lastSeen), lastSeen }];
		});
	}

	async prune(guildId: string, liveSince: number): Promise<void> {
		const { seen, facts, first } = this.keys(guildId);
		await this.redis.eval(PRUNE_SCRIPT, 3, seen, facts, first, liveSince);
	}

	close(): Promise<void> {
		return disconnectRedis(this.redis);
	}
}
