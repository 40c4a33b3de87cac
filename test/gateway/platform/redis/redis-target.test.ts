// test/gateway/platform/redis/redis-target.test.ts
// REDIS_URL names the server and, optionally, the deployment's key prefix.

import { describe, expect, it } from "vitest";
import { DEFAULT_REDIS_PREFIX, redisTarget } from "../../../../gateway/platform/redis/redis-connection";

describe("redisTarget", () => {
	it("uses the default prefix when the URL names none", () => {
		expect(redisTarget("redis://cache.internal:6379")).toEqual({ url: "redis://cache.internal:6379", prefix: DEFAULT_REDIS_PREFIX });
	});

	it("takes the prefix out of the URL and keeps the rest, password and database included", () => {
		expect(redisTarget("rediss://:s3cret@cache.internal:6380/2?prefix=prod&family=6")).toEqual({
			url: "rediss://:s3cret@cache.internal:6380/2?family=6",
			prefix: "prod",
		});
	});
});
