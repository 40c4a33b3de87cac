// gateway/platform/secrets/secret-box.ts
// Encrypts third-party secrets at rest (Discord tokens, webhook secrets, Open Cloud keys) with SECRETS_KEY.

import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from "node:crypto";
import { readFile, writeFile } from "node:fs/promises";
import path from "node:path";

export const SECRETS_KEY_FILE = "secrets-key";
/** Sealed texts start with this, so a future key or cipher can be told apart. */
const VERSION = "v1";
const IV_BYTES = 12;
const TAG_BYTES = 16;

/** A sealed text that this key cannot open: another SECRETS_KEY sealed it, or it was altered. */
export class SecretUnreadable extends Error {
	constructor() {
		super("A stored secret cannot be decrypted with this SECRETS_KEY: every instance must share one SECRETS_KEY");
	}
}

/**
 * AES-256-GCM with a key derived (HKDF-SHA-256) from SECRETS_KEY, so any long random text serves.
 * `purpose` binds a sealed text to its use: a webhook secret cannot be replayed as a Discord token.
 */
export class SecretBox {
	private constructor(private readonly key: Buffer) {}

	static fromKeyText(keyText: string): SecretBox {
		return new SecretBox(Buffer.from(hkdfSync("sha256", keyText, "technified", "secrets at rest", 32)));
	}

	/**
	 * SECRETS_KEY when set; otherwise the key kept in DATA_DIR, generated at first start. Instances that
	 * share a database need one SECRETS_KEY between them.
	 */
	static async open(fromEnv: string | undefined, dataDir: string): Promise<SecretBox> {
		if (fromEnv !== undefined) return SecretBox.fromKeyText(fromEnv);
		const file = path.join(dataDir, SECRETS_KEY_FILE);
		const generated = randomBytes(32).toString("base64url");
		try {
			await writeFile(file, `${generated}\n`, { mode: 0o600, flag: "wx" });
			return SecretBox.fromKeyText(generated);
		} catch (err) {
			if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
			return SecretBox.fromKeyText((await readFile(file, "utf8")).trim());
		}
	}

	seal(plain: string, purpose: string): string {
		const iv = randomBytes(IV_BYTES);
		const cipher = createCipheriv("aes-256-gcm", this.key, iv);
		cipher.setAAD(Buffer.from(purpose));
		const body = Buffer.concat([cipher.update(plain, "utf8"), cipher.final()]);
		return `${VERSION}.${Buffer.concat([iv, cipher.getAuthTag(), body]).toString("base64url")}`;
	}

	/** @throws SecretUnreadable when the text was sealed by another key, for another purpose, or altered. */
	open(sealed: string, purpose: string): string {
		const [version, packed] = sealed.split(".", 2);
		const bytes = Buffer.from(packed ?? "", "base64url");
		if (version !== VERSION || bytes.length < IV_BYTES + TAG_BYTES) throw new SecretUnreadable();
		const decipher = createDecipheriv("aes-256-gcm", this.key, bytes.subarray(0, IV_BYTES));
		decipher.setAAD(Buffer.from(purpose));
		decipher.setAuthTag(bytes.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
		try {
			return Buffer.concat([decipher.update(bytes.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]).toString("utf8");
		} catch {
			throw new SecretUnreadable();
		}
	}
}
