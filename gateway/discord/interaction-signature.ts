// gateway/discord/interaction-signature.ts
// Checks that an interaction request is Discord's: Ed25519 over X-Signature-Timestamp + the raw body ("Receiving and Responding", Security and Authorization).

import { createPublicKey, verify, type KeyObject } from "node:crypto";

/** A timestamp older than this is refused: a captured request cannot be played again later. */
export const MAX_SIGNATURE_AGE_SECONDS = 5 * 60;
/** DER prefix of an Ed25519 SubjectPublicKeyInfo (RFC 8410): Discord gives the raw 32 bytes in hex. */
const ED25519_SPKI_PREFIX = Buffer.from("302a300506032b6570032100", "hex");

export type SignatureVerdict = "good" | "bad" | "stale";

/** Built once from DISCORD_PUBLIC_KEY; each request only verifies. */
export class InteractionSignature {
	private readonly key: KeyObject;

	constructor(
		publicKeyHex: string,
		private readonly clock: () => number,
	) {
		this.key = createPublicKey({ key: Buffer.concat([ED25519_SPKI_PREFIX, Buffer.from(publicKeyHex, "hex")]), format: "der", type: "spki" });
	}

	/** `timestamp` and `signature` as the headers carried them; `body` the bytes as received, before any parsing. */
	check(timestamp: string | undefined, signature: string | undefined, body: Buffer): SignatureVerdict {
		if (timestamp === undefined || signature === undefined || !/^\d{1,12}$/.test(timestamp) || !/^[0-9a-fA-F]{128}$/.test(signature)) return "bad";
		const signed = verify(null, Buffer.concat([Buffer.from(timestamp, "utf8"), body]), this.key, Buffer.from(signature, "hex"));
		if (!signed) return "bad";
		// Checked after the signature, so the age of an unsigned request tells nobody anything.
		const age = Math.floor(this.clock() / 1000) - Number(timestamp);
		return age > MAX_SIGNATURE_AGE_SECONDS ? "stale" : "good";
	}
}
