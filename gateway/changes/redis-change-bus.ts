// gateway/changes/redis-change-bus.ts
// The change bus across instances: a numbered change log in Redis, pushed by pub/sub, checked per request.

import { randomBytes, randomUUID } from "node:crypto";
import type { Redis } from "ioredis";
import { disconnectRedis } from "../platform/redis/redis-connection";
import type { Change, ChangeBus } from "./change-bus";

/** Changes kept in the log for instances that missed their pub/sub message (a reconnecting subscriber). */
export const CHANGE_LOG_SIZE = 10_000;
/** Changes kept in memory while Redis is unreachable, published once it is back. */
const MAX_UNSENT = 10_000;

/**
 * Numbers the change, writes it to the log and publishes it, atomically. The "era" is a random id
 * created with the counter: a Redis that lost its data (restart without persistence) starts a new
 * era, which tells every instance that the old numbering is gone.
 * KEYS: generation, era, log. ARGV: new era id, log size, channel, message body.
 */
const PUBLISH_SCRIPT = `
local generation = redis.call('INCR', KEYS[1])
if generation == 1 or redis.call('EXISTS', KEYS[2]) == 0 then redis.call('SET', KEYS[2], ARGV[1]) end
local message = generation .. '|' .. redis.call('GET', KEYS[2]) .. '|' .. ARGV[4]
redis.call('ZADD', KEYS[3], generation, message)
redis.call('ZREMRANGEBYRANK', KEYS[3], 0, -tonumber(ARGV[2]) - 1)
redis.call('PUBLISH', ARGV[3], message)
return generation
`;

interface LoggedChange {
	generation: number;
	era: string;
	instanceId: string;
	change: Change;
}

/** Reads `<generation>|<era>|<instance id>|<change JSON>`; neither ids nor numbers contain `|`. */
function parseLogged(message: string): LoggedChange | undefined {
	const [generation, era, instanceId, ...rest] = message.split("|");
	try {
		const change = JSON.parse(rest.join("|")) as Change;
		return { generation: Number(generation), era, instanceId, change };
	} catch {
		return undefined;
	}
}

/** The bus owns both connections and closes them. */
export interface RedisChangeBusOptions {
	/** Commands: publishing, and the per-request check. Fails fast while Redis is down. */
	redis: Redis;
	/** A second connection: a subscribed connection can do nothing else. */
	subscriber: Redis;
	/** Prefix of the deployment's keys and channel. */
	prefix: string;
	log: (message: string) => void;
}

/**
 * Every change gets the next number of a counter in Redis and is kept in a capped log. Pub/sub pushes it
 * to the other instances at once; in addition, `catchUp` (run before every API request) reads the
 * counter and applies any logged change this instance has not yet seen. Pub/sub delivery is
 * asynchronous, so without that check an instance could serve one more request from its cache after
 * another instance answered "revoked"; with it, a request that starts after the change was committed in
 * Redis sees the change. While Redis is unreachable, changes wait in memory and are published when it
 * is back; until then other instances' caches (30 s TTL by default) bound the staleness.
 *
 * @example
 * const bus = await RedisChangeBus.open({ redis, subscriber, prefix: "technified", log });
 * bus.subscribe((change) => keys.invalidate(change.keyId));
 * await bus.catchUp(); // before serving from a cache
 */
export class RedisChangeBus implements ChangeBus {
	/** Tells this instance's own messages apart: it applied those changes before publishing them. */
	readonly instanceId = randomUUID();
	private readonly redis: Redis;
	private readonly subscriber: Redis;
	private readonly log: (message: string) => void;
	private readonly channel: string;
	private readonly generationKey: string;
	private readonly eraKey: string;
	private readonly logKey: string;
	private readonly listeners: ((change: Change) => void)[] = [];
	private unsent: Change[] = [];
	/** Era of the log this instance follows; undefined until Redis has answered once. */
	private era: string | null | undefined;
	/** Every change numbered up to this one has been applied here. */
	private applied = 0;
	/** The check sent to Redis and not yet answered. */
	private checking: Promise<void> | undefined;
	/** The check that will be sent when `checking` returns, shared by everyone who arrived meanwhile. */
	private nextCheck: Promise<void> | undefined;

	static async open(options: RedisChangeBusOptions): Promise<RedisChangeBus> {
		const bus = new RedisChangeBus(options);
		// Changes made before this instance existed concern caches it does not have: start from now.
		await bus.catchUp();
		return bus;
	}

	private constructor(options: RedisChangeBusOptions) {
		this.redis = options.redis;
		this.subscriber = options.subscriber;
		this.log = options.log;
		this.channel = `${options.prefix}:changes`;
		this.generationKey = `${options.prefix}:changes:generation`;
		this.eraKey = `${options.prefix}:changes:era`;
		this.logKey = `${options.prefix}:changes:log`;
		this.subscriber.on("message", (_channel: string, message: string) => this.receive(message));
		// Subscribing on every (re)connection; messages missed meanwhile are found in the log by `catchUp`.
		const subscribe = () => void this.subscriber.subscribe(this.channel).catch(() => {});
		this.subscriber.on("ready", subscribe);
		if (this.subscriber.status === "ready") subscribe();
		this.redis.on("ready", () => this.publishUnsent());
	}

	publish(change: Change): void {
		// Sent at once, not queued behind earlier sends: the command must leave before the answer that
		// reports the change does, so a request that follows that answer finds it counted in Redis.
		if (this.redis.status === "ready") this.send(change);
		else this.keepUnsent(change);
	}

	subscribe(listener: (change: Change) => void): void {
		this.listeners.push(listener);
	}

	/**
	 * Applies every change counted in Redis that has not reached this instance yet. Never rejects: with
	 * Redis unreachable it returns at once and the caches' TTLs bound what this instance may miss.
	 *
	 * One check is in flight at a time. A check already sent may predate the caller's request, so callers
	 * arriving meanwhile share the next check, sent as soon as the current one returns: under load that
	 * is one Redis command per round trip instead of one per request.
	 */
	catchUp(): Promise<void> {
		if (this.checking === undefined) {
			this.checking = this.check().finally(() => {
				this.checking = undefined;
			});
			return this.checking;
		}
		this.nextCheck ??= this.checking.then(() => {
			this.nextCheck = undefined;
			return this.catchUp();
		});
		return this.nextCheck;
	}

	private async check(): Promise<void> {
		let generation: number;
		let era: string | null;
		try {
			const [counter, current] = await this.redis.mget(this.generationKey, this.eraKey);
			generation = Number(counter ?? 0);
			era = current;
		} catch {
			return;
		}
		// Redis answers again: changes that failed to go out (e.g. one timed-out command on a connection
		// that never dropped, so no "ready" came) are sent now rather than waiting for a reconnect.
		if (this.unsent.length > 0) this.publishUnsent();
		if (this.era === undefined) {
			this.era = era;
			this.applied = generation;
			return;
		}
		if (era !== this.era) {
			// Redis lost its data or was cleared: the new era's changes are all unseen here.
			this.era = era;
			this.applied = 0;
		}
		if (generation <= this.applied) return;
		await this.readLog(this.applied);
	}

	async close(): Promise<void> {
		this.listeners.length = 0;
		await Promise.all([disconnectRedis(this.subscriber), disconnectRedis(this.redis)]);
	}

	private send(change: Change): void {
		const body = `${this.instanceId}|${JSON.stringify(change)}`;
		// EVAL rather than EVALSHA: a NOSCRIPT retry would add a round trip before the change is counted.
		this.redis
			.eval(PUBLISH_SCRIPT, 3, this.generationKey, this.eraKey, this.logKey, randomBytes(12).toString("base64url"), CHANGE_LOG_SIZE, this.channel, body)
			.catch(() => this.keepUnsent(change));
	}

	private keepUnsent(change: Change): void {
		if (this.unsent.length >= MAX_UNSENT) {
			this.log(`Redis change bus: more than ${MAX_UNSENT} changes waiting for Redis; the oldest is dropped`);
			this.unsent.shift();
		}
		this.unsent.push(change);
	}

	private publishUnsent(): void {
		const waiting = this.unsent;
		this.unsent = [];
		for (const change of waiting) this.send(change);
	}

	private receive(message: string): void {
		const logged = parseLogged(message);
		if (logged === undefined) return;
		if (logged.generation === 1 && logged.era !== this.era && this.era !== undefined) {
			// The first change of a new era (a fresh or emptied Redis): nothing before it to miss.
			this.era = logged.era;
			this.applied = 1;
		} else if (logged.era === this.era && logged.generation === this.applied + 1) {
			this.applied = logged.generation;
		}
		// A change that skips a number is still applied now; the gap is filled from the log by `catchUp`.
		this.apply(logged);
	}

	private async readLog(after: number): Promise<void> {
		let messages: string[];
		try {
			messages = await this.redis.zrangebyscore(this.logKey, `(${after}`, "+inf");
		} catch {
			return;
		}
		const entries = messages.map(parseLogged).filter((entry) => entry !== undefined);
		if (entries.length > 0 && entries[0].generation > after + 1) {
			this.log(`Redis change bus: ${entries[0].generation - after - 1} changes fell out of the log; caches expire them`);
		}
		for (const entry of entries) {
			if (entry.era !== this.era) continue;
			this.apply(entry);
			this.applied = Math.max(this.applied, entry.generation);
		}
	}

	private apply(logged: LoggedChange): void {
		if (logged.instanceId === this.instanceId) return;
		for (const listener of this.listeners) {
			try {
				listener(logged.change);
			} catch (err) {
				this.log(`Redis change bus: applying a change failed: ${err instanceof Error ? err.message : String(err)}`);
			}
		}
	}
}
