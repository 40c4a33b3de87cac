// gateway/keys/api-key.ts
// The API key format: generation, keyed-checksum parsing, the hash kept at rest and the prefix shown.

import { createHmac, hash, randomBytes, timingSafeEqual } from "node:crypto";
import { API_KEY_PREFIX } from "../../shared/routes";
import { GUILD_ID, GUILD_ID_DIGITS } from "../platform/http/fields";

const BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/** Random base62 characters in a secret: 32 × log2(62) ≈ 190 bits, above the contract's 160. */
export const SECRET_RANDOM_LENGTH = 32;
/** Checksum characters that end a secret: 62^6 ≈ 2^35.7 guesses to forge one blindly. */
export const SECRET_CHECKSUM_LENGTH = 6;
/** Secret characters shown in a key's prefix, enough to tell a guild's keys apart. */
export const PREFIX_SECRET_LENGTH = 6;

const KEY_PATTERN = new RegExp(
	`^${API_KEY_PREFIX}(${GUILD_ID_DIGITS})_([0-9A-Za-z]{${SECRET_RANDOM_LENGTH + SECRET_CHECKSUM_LENGTH}})$`,
);
/** Longest well-formed key; anything longer is refused before the regex runs. */
const MAX_KEY_LENGTH = API_KEY_PREFIX.length + 20 + 1 + SECRET_RANDOM_LENGTH + SECRET_CHECKSUM_LENGTH;

/** A Discord guild id as keys and paths carry it: 17 to 20 digits, no leading zero. */
export function isGuildId(text: string): boolean {
	return GUILD_ID.test(text);
}

/**
 * `count` uniformly random base62 characters. Bytes of 248 and above are dropped (rejection
 * sampling): 248 = 4 × 62, so `byte % 62` stays unbiased.
 */
function randomBase62(count: number): string {
	let out = "";
	while (out.length < count) {
		for (const byte of randomBytes(count * 2)) {
			if (byte >= 248) continue;
			out += BASE62[byte % 62];
			if (out.length === count) break;
		}
	}
	return out;
}

/**
 * The keyed checksum of `<guildId>_<random>`: HMAC-SHA-256 with the server's checksum secret,
 * truncated to 64 bits and written as 6 base62 digits. Keyed, because the code is open: an unkeyed
 * checksum could be computed by anyone, and forged keys would then reach the store.
 */
function checksum(guildId: string, random: string, checksumSecret: string): string {
	const mac = createHmac("sha256", checksumSecret).update(`${guildId}_${random}`).digest();
	// 2^64 mod 62^6 is below 2^36, so the reduction's bias (< 2^-28) is far under a guess's odds.
	let value = mac.readBigUInt64BE(0) % 62n ** BigInt(SECRET_CHECKSUM_LENGTH);
	let out = "";
	for (let i = 0; i < SECRET_CHECKSUM_LENGTH; i++) {
		out = BASE62[Number(value % 62n)] + out;
		value /= 62n;
	}
	return out;
}

/** A new full key for the guild. Throws on a guild id that is not 17-20 digits (a caller bug). */
export function generateApiKey(guildId: string, checksumSecret: string): string {
	if (!isGuildId(guildId)) throw new Error("generateApiKey: guildId must be 17-20 digits");
	const random = randomBase62(SECRET_RANDOM_LENGTH);
	return `${API_KEY_PREFIX}${guildId}_${random}${checksum(guildId, random, checksumSecret)}`;
}

export interface ParsedApiKey {
	guildId: string;
	/** Random part and checksum together, as written after the guild id. */
	secret: string;
}

/**
 * Checks format and keyed checksum without any store: a mistyped or forged key yields undefined.
 * The checksum is compared in constant time so that timing does not reveal how much of it matched.
 */
export function parseApiKey(text: string, checksumSecret: string): ParsedApiKey | undefined {
	if (text.length > MAX_KEY_LENGTH) return undefined;
	const match = KEY_PATTERN.exec(text);
	if (match === null) return undefined;
	const [, guildId, secret] = match;
	const random = secret.slice(0, SECRET_RANDOM_LENGTH);
	const expected = Buffer.from(checksum(guildId, random, checksumSecret));
	const given = Buffer.from(secret.slice(SECRET_RANDOM_LENGTH));
	return timingSafeEqual(expected, given) ? { guildId, secret } : undefined;
}

/** What is kept at rest instead of the key: SHA-256 of the full key, hex. */
export function hashApiKey(text: string): string {
	// One-shot hash: it runs on every request, and skips the Hash object createHash() would allocate.
	return hash("sha256", text, "hex");
}

/** The part shown after creation: `technified_<guildId>_` and the first secret characters. */
export function keyPrefix(text: string): string {
	const secretStart = text.lastIndexOf("_") + 1;
	return text.slice(0, secretStart + PREFIX_SECRET_LENGTH);
}
