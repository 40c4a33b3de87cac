// gateway/auth/address-matcher.ts
// Compiles a key's `allowed_cidrs` once, at key load, into a matcher the request path only calls.

import ipaddr from "ipaddr.js";

type Range = [ipaddr.IPv4 | ipaddr.IPv6, number];

/** Answers whether a caller address may use the key; an empty list allows every address. */
export type AddressMatcher = (address: string | undefined) => boolean;

export const allowAnyAddress: AddressMatcher = () => true;

/**
 * Parses one CIDR (or a bare address, taken as a single host). IPv4 must be written in four decimal
 * parts: ipaddr.js would otherwise read `10.1` as `10.0.0.1`, a surprise in an allow-list.
 * IPv4-mapped IPv6 ranges are reduced to IPv4 so they match the addresses `process()` yields.
 * Returns undefined when the text is not a CIDR.
 */
export function parseCidr(text: string): Range | undefined {
	const [address, bits, ...rest] = text.trim().split("/");
	if (rest.length > 0 || address === undefined) return undefined;
	if (!address.includes(":") && !ipaddr.IPv4.isValidFourPartDecimal(address)) return undefined;
	if (!ipaddr.isValid(address)) return undefined;
	const parsed = ipaddr.parse(address);
	const max = parsed.kind() === "ipv4" ? 32 : 128;
	const prefix = bits === undefined ? max : Number(bits);
	if (bits !== undefined && !/^\d{1,3}$/.test(bits)) return undefined;
	if (!Number.isInteger(prefix) || prefix < 0 || prefix > max) return undefined;
	if (parsed.kind() === "ipv6" && (parsed as ipaddr.IPv6).isIPv4MappedAddress() && prefix >= 96) {
		return [(parsed as ipaddr.IPv6).toIPv4Address(), prefix - 96];
	}
	return [parsed, prefix];
}

/** The entries of a CIDR list that do not parse, for a 400 that names them. */
export function invalidCidrs(list: readonly string[]): string[] {
	return list.filter((entry) => parseCidr(entry) === undefined);
}

/** Builds the matcher; throws on an invalid entry (validate with `invalidCidrs` first). */
export function compileAddressMatcher(list: readonly string[]): AddressMatcher {
	if (list.length === 0) return allowAnyAddress;
	const v4: Range[] = [];
	const v6: Range[] = [];
	for (const entry of list) {
		const range = parseCidr(entry);
		if (range === undefined) throw new Error(`invalid CIDR: ${entry}`);
		(range[0].kind() === "ipv4" ? v4 : v6).push(range);
	}
	return (address) => {
		if (address === undefined || !ipaddr.isValid(address)) return false;
		// process() turns ::ffff:1.2.3.4 (how dual-stack sockets report IPv4 callers) into 1.2.3.4.
		const caller = ipaddr.process(address);
		const ranges = caller.kind() === "ipv4" ? v4 : v6;
		return ranges.some((range) => caller.match(range));
	};
}
