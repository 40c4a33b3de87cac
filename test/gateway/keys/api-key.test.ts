// test/gateway/keys/api-key.test.ts
// The key format: what is generated, and which texts are refused before any store is asked.

import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import {
	SECRET_RANDOM_LENGTH,
	generateApiKey,
	hashApiKey,
	keyPrefix,
	parseApiKey,
} from "../../../gateway/keys/api-key";
import { GUILD_A, GUILD_B } from "./fixtures";

const CHECKSUM_SECRET = "a".repeat(64);
const BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/** The key with the character at `index` replaced by a different base62 character. */
function mistype(key: string, index: number): string {
	const replacement = BASE62[(BASE62.indexOf(key[index]) + 1) % 62];
	return key.slice(0, index) + replacement + key.slice(index + 1);
}

describe("generateApiKey", () => {
	it("writes technified_<guildId>_ and a 38-character base62 secret", () => {
		const key = generateApiKey(GUILD_A, CHECKSUM_SECRET);
		expect(key).toMatch(new RegExp(`^technified_${GUILD_A}_[0-9A-Za-z]{38}$`));
		expect(parseApiKey(key, CHECKSUM_SECRET)).toEqual({ guildId: GUILD_A, secret: key.slice(`technified_${GUILD_A}_`.length) });
	});

	it("accepts guild ids of 17 to 20 digits and refuses others", () => {
		for (const guildId of ["1".repeat(17), "9".repeat(20)]) {
			expect(parseApiKey(generateApiKey(guildId, CHECKSUM_SECRET), CHECKSUM_SECRET)?.guildId).toBe(guildId);
		}
		for (const guildId of ["1".repeat(16), "1".repeat(21), "12345678901234567a", ""]) {
			expect(() => generateApiKey(guildId, CHECKSUM_SECRET)).toThrow(/guildId/);
		}
	});

	it("never repeats a secret", () => {
		const keys = new Set(Array.from({ length: 1000 }, () => generateApiKey(GUILD_A, CHECKSUM_SECRET)));
		expect(keys.size).toBe(1000);
	});

	it("draws the random characters uniformly from base62", () => {
		const counts = new Map<string, number>();
		const keys = 2000;
		for (let i = 0; i < keys; i++) {
			const random = generateApiKey(GUILD_A, CHECKSUM_SECRET).slice(-38, -38 + SECRET_RANDOM_LENGTH);
			for (const char of random) counts.set(char, (counts.get(char) ?? 0) + 1);
		}
		const expected = (keys * SECRET_RANDOM_LENGTH) / 62;
		const chiSquare = [...BASE62].reduce((sum, char) => sum + ((counts.get(char) ?? 0) - expected) ** 2 / expected, 0);
		// 61 degrees of freedom: 130 is beyond the 1-in-a-million tail; `byte % 62` without rejection
		// sampling would overweight the first 8 characters and land far above it.
		expect(chiSquare).toBeLessThan(130);
	});
});

describe("parseApiKey", () => {
	const key = generateApiKey(GUILD_A, CHECKSUM_SECRET);

	it("refuses every single mistyped secret character", () => {
		const secretStart = key.length - 38;
		for (let index = secretStart; index < key.length; index++) {
			expect(parseApiKey(mistype(key, index), CHECKSUM_SECRET)).toBeUndefined();
		}
	});

	it("refuses a key whose guild digits were changed", () => {
		expect(parseApiKey(mistype(key, "technified_".length + 3), CHECKSUM_SECRET)).toBeUndefined();
		expect(parseApiKey(key.replace(GUILD_A, GUILD_B), CHECKSUM_SECRET)).toBeUndefined();
	});

	it("refuses a checksum forged without the server's secret", () => {
		const random = key.slice(-38, -6);
		// What a forger could compute from the open-source code: an unkeyed digest of the same text.
		const unkeyed = createHash("sha256").update(`${GUILD_A}_${random}`).digest("hex").slice(0, 6);
		expect(parseApiKey(`technified_${GUILD_A}_${random}${unkeyed}`, CHECKSUM_SECRET)).toBeUndefined();
		const otherServers = generateApiKey(GUILD_A, "b".repeat(64));
		expect(parseApiKey(otherServers, CHECKSUM_SECRET)).toBeUndefined();
	});

	it("refuses texts that are not shaped like a key", () => {
		for (const text of [
			"",
			key.slice(0, -1),
			`${key}0`,
			` ${key}`,
			`${key}\n`,
			key.replace("technified_", "Technified_"),
			key.replace("technified_", "technified-"),
			`technified_${"1".repeat(16)}_${key.slice(-38)}`,
			`technified_${"1".repeat(21)}_${key.slice(-38)}`,
			key.slice(0, -2) + "-_",
			"x".repeat(100_000),
		]) {
			expect(parseApiKey(text, CHECKSUM_SECRET)).toBeUndefined();
		}
	});
});

describe("hashApiKey and keyPrefix", () => {
	const key = generateApiKey(GUILD_A, CHECKSUM_SECRET);

	it("hashes to SHA-256 hex that does not contain the secret", () => {
		const hash = hashApiKey(key);
		expect(hash).toMatch(/^[0-9a-f]{64}$/);
		expect(hash).toBe(hashApiKey(key));
		expect(hash).not.toBe(hashApiKey(mistype(key, key.length - 1)));
		expect(hash).not.toContain(key.slice(-38, -30));
	});

	it("shows technified_<guildId>_ and the first 6 secret characters", () => {
		expect(keyPrefix(key)).toBe(`technified_${GUILD_A}_${key.slice(-38, -32)}`);
	});
});
