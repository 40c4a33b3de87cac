// gateway/admin/admin-token.ts
// Finds the operator's ADMIN_TOKEN: from the environment, or generated once and kept in DATA_DIR.

import { randomBytes } from "node:crypto";
import { readFile, writeFile } from "node:fs/promises";
import path from "node:path";

export const ADMIN_TOKEN_FILE = "admin-token";

export interface ResolvedAdminToken {
	token: string;
	/** True only on the start that created it: the one time it is printed. */
	generated: boolean;
}

export async function resolveAdminToken(fromEnv: string | undefined, dataDir: string): Promise<ResolvedAdminToken> {
	if (fromEnv !== undefined) return { token: fromEnv, generated: false };
	const file = path.join(dataDir, ADMIN_TOKEN_FILE);
	try {
		return { token: (await readFile(file, "utf8")).trim(), generated: false };
	} catch (err) {
		if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
	}
	const token = randomBytes(32).toString("base64url");
	// "wx" fails if another instance created the file meanwhile; then theirs is the token.
	try {
		await writeFile(file, `${token}\n`, { mode: 0o600, flag: "wx" });
	} catch (err) {
		if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
		return { token: (await readFile(file, "utf8")).trim(), generated: false };
	}
	return { token, generated: true };
}
