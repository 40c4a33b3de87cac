// test/gateway/config.test.ts
// Reading the environment: misspelt variables are named; connection and public URLs are checked before use; quotas by category.

import { describe, expect, it } from "vitest";
import { ConfigError, misspeltVariables, readConfig } from "../../gateway/config";

const failure = (env: Record<string, string>): string => {
	try {
		readConfig(env);
	} catch (err) {
		if (err instanceof ConfigError) return err.message;
		throw err;
	}
	throw new Error("readConfig accepted it");
};

describe("misspelt variables", () => {
	it.each([
		["PORTT", "PORT"],
		["RATE_LIMIT", "RATE_LIMITS"],
		["AUTH_FAILURES_PER_MIN", "AUTH_FAILURES_PER_MINUTE"],
		["BAN_CAHCE_TTL_SECONDS", "BAN_CACHE_TTL_SECONDS"],
		["redis_url", "REDIS_URL"],
	])("names %s as probably meaning %s", (typo, meant) => {
		expect(misspeltVariables({ [typo]: "1" })).toEqual([`Unknown variable ${typo} is ignored: did you mean ${meant}?`]);
	});

	it("leaves known and unrelated variables alone", () => {
		const env = Object.fromEntries(
			["PORT", "HOST", "HOSTNAME", "HOME", "PATH", "PWD", "NODE_ENV", "TEST_DATABASE_URL", "KUBERNETES_PORT", "npm_config_port"].map(
				(name) => [name, "x"],
			),
		);
		expect(misspeltVariables(env)).toEqual([]);
	});
});

describe("DATABASE_URL", () => {
	it("refuses a URL without a user, saying what it should look like", () => {
		expect(failure({ DATABASE_URL: "postgres://127.0.0.1:5432/test" })).toBe(
			"Invalid configuration: DATABASE_URL names no user (postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE)",
		);
	});

	it("never repeats a password it cannot parse", () => {
		const message = failure({ DATABASE_URL: "postgres://technified:p@ss:w/rd@db:5432/technified" });
		expect(message).toContain("DATABASE_URL is not a valid URL");
		expect(message).not.toContain("p@ss");
	});

	it("accepts a user given as a parameter, and a socket host", () => {
		expect(readConfig({ DATABASE_URL: "postgres:///technified?user=technified&host=/run/postgresql" }).databaseUrl).toBe(
			"postgres:///technified?user=technified&host=/run/postgresql",
		);
	});
});

describe("REDIS_URL", () => {
	it.each([
		["redis://cache.internal:6379/zero", "REDIS_URL path must be a database number"],
		["redis://cache.internal:6379/0?prefix=has space", "REDIS_URL prefix must be"],
		["redis://:6379", "REDIS_URL is not a valid URL"],
		["http://cache.internal:6379", "REDIS_URL must use redis:// or rediss://"],
	])("refuses %s", (value, message) => {
		expect(failure({ REDIS_URL: value })).toContain(message);
	});

	it("accepts a database number and a prefix", () => {
		expect(readConfig({ REDIS_URL: "redis://cache.internal:6379/2?prefix=prod:bans" }).redisUrl).toBe(
			"redis://cache.internal:6379/2?prefix=prod:bans",
		);
	});
});

describe("PUBLIC_URL", () => {
	it("keeps the address users reach without a trailing slash", () => {
		expect(readConfig({ PUBLIC_URL: "https://Bans.Example.com/technified/" }).publicUrl).toBe("https://bans.example.com/technified");
		expect(readConfig({}).publicUrl).toBeUndefined();
	});

	it.each(["ftp://bans.example.com", "https://bans.example.com/?x=1", "https://user:pw@bans.example.com", "bans.example.com"])(
		"refuses %s",
		(value) => {
			expect(failure({ PUBLIC_URL: value })).toMatch(/^Invalid configuration: PUBLIC_URL /);
		},
	);
});

describe("DISCORD_*", () => {
	const id = "1234567890123456789";
	it("turns Discord sign-in on with both client variables, against discord.com unless DISCORD_API_URL says otherwise", () => {
		expect(readConfig({}).discord).toBeUndefined();
		expect(readConfig({ DISCORD_CLIENT_ID: id, DISCORD_CLIENT_SECRET: "s3cret" }).discord).toEqual({
			clientId: id,
			clientSecret: "s3cret",
			apiUrl: "https://discord.com/api",
		});
		expect(readConfig({ DISCORD_CLIENT_ID: id, DISCORD_CLIENT_SECRET: "s", DISCORD_API_URL: "http://127.0.0.1:9999/api/" }).discord?.apiUrl).toBe(
			"http://127.0.0.1:9999/api",
		);
	});

	it("refuses one client variable without the other, naming the missing one, and a client id that is not an id", () => {
		expect(failure({ DISCORD_CLIENT_ID: id })).toBe("Invalid configuration: DISCORD_CLIENT_SECRET must be set when DISCORD_CLIENT_ID is set (both or neither)");
		expect(failure({ DISCORD_CLIENT_SECRET: "s" })).toMatch(/^Invalid configuration: DISCORD_CLIENT_ID must be set/);
		expect(failure({ DISCORD_CLIENT_ID: "my-app", DISCORD_CLIENT_SECRET: "s" })).toMatch(/^Invalid configuration: DISCORD_CLIENT_ID must be/);
		expect(failure({ DISCORD_CLIENT_ID: id, DISCORD_CLIENT_SECRET: "s", DISCORD_API_URL: "discord.com/api" })).toMatch(
			/^Invalid configuration: DISCORD_API_URL /,
		);
	});
});

describe("RATE_LIMITS and EVENT_STREAMS_PER_KEY", () => {
	it("give live servers their own events and servers quotas by default, each settable, and cap a key's streams and polls at 2,000", () => {
		expect(readConfig({}).quotas).toEqual({ moderation: 300, lists: 100, writes: 50, events: 6000, servers: 3000 });
		expect(readConfig({ RATE_LIMITS: "events=12000,servers=600" }).quotas).toMatchObject({ moderation: 300, events: 12000, servers: 600 });
		expect(failure({ RATE_LIMITS: "event=100" })).toBe('Invalid configuration: RATE_LIMITS must look like moderation=300,lists=100,writes=50 (bad entry: "event=100")');
		expect(readConfig({}).maxStreamsPerKey).toBe(2000);
		expect(readConfig({ EVENT_STREAMS_PER_KEY: "50" }).maxStreamsPerKey).toBe(50);
	});
});
