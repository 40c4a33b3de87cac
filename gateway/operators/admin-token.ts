// gateway/operators/admin-token.ts
// Finds the operator's ADMIN_TOKEN: from the environment, or generated once and kept in DATA_DIR.

import { randomBytes } from "node:crypto";
import { readFile, writeFile } from "node:fs/promises";
import path from "node:path";

export const ADMIN_TOKEN_FILE = "admin-token";

export interface ResolvedAdminToken {
	token: string;
	/** True only on the start that created it: the one time it is printed. */
	generated: boolean;
	/**
	 * The token file when ADMIN_TOKEN is set and the file keeps a different one (docs/configuration.md: the
	 * set one wins, and start-up says so, since the CLI reads that file when its own ADMIN_TOKEN is unset).
	 */
	overriddenFile?: string;
}

async function kept(file: string): Promise<string | undefined> {
	try {
		return (await readFile(file, "utf8")).trim();
	} catch (err) {
		if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
		return undefined;
	}
}

export async function resolveAdminToken(fromEnv: string | undefined, dataDir: string): Promise<ResolvedAdminToken> {
	const file = path.join(dataDir, ADMIN_TOKEN_FILE);
	const inFile = await kept(file);
	if (fromEnv !== undefined) {
		// The file is left as it is: a token set in the environment is not written to disk.
		return { token: fromEnv, generated: false, overriddenFile: inFile !== undefined && inFile !== fromEnv ? file : undefined };
	}
	if (inFile !== undefined) return { token: inFile, generated: false };
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
