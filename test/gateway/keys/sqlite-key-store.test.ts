// test/gateway/keys/sqlite-key-store.test.ts
// Runs the KeyStore contract suite against the SQLite store, plus what only a file on disk can show.

import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { expect, it } from "vitest";
import { KEY_STORE_FILE, SqliteKeyStore } from "../../../gateway/keys/sqlite-key-store";
import type { KeyStore } from "../../../gateway/keys/key-store";
import { describeKeyStore } from "./key-store.suite";
import { GUILD_A, tempDir } from "./fixtures";

describeKeyStore("SQLite", async () => {
	const dir = tempDir();
	const handles: KeyStore[] = [SqliteKeyStore.open(dir.path)];
	return {
		store: handles[0],
		async openAnother() {
			const store = SqliteKeyStore.open(dir.path);
			handles.push(store);
			return store;
		},
		async destroy() {
			for (const store of handles) await store.close();
			dir.remove();
		},
	};
});

it("creates its file under the given directory, in WAL mode", async () => {
	const dir = tempDir();
	const store = SqliteKeyStore.open(join(dir.path, "nested"));
	try {
		expect(existsSync(join(dir.path, "nested", KEY_STORE_FILE))).toBe(true);
		expect(existsSync(join(dir.path, "nested", `${KEY_STORE_FILE}-wal`))).toBe(true);
	} finally {
		await store.close();
		dir.remove();
	}
});

it("never exceeds 3 keys per guild when separate processes create at once", async () => {
	const dir = tempDir();
	const worker = fileURLToPath(new URL("./create-keys.worker.ts", import.meta.url));
	try {
		// Schema and checksum secret exist before the race, as they would after the first gateway start.
		await SqliteKeyStore.open(dir.path).close();
		const startAt = String(Date.now() + 3_000);
		const runs = Array.from(
			{ length: 4 },
			() =>
				new Promise<number>((resolve, reject) => {
					const child = spawn(process.execPath, ["--import", "tsx", worker, dir.path, GUILD_A, "5", startAt], {
						stdio: ["ignore", "pipe", "inherit"],
					});
					let out = "";
					child.stdout.on("data", (chunk: Buffer) => (out += chunk.toString()));
					child.on("error", reject);
					child.on("exit", (code) => (code === 0 ? resolve(Number(out.trim())) : reject(new Error(`worker exited ${code}`))));
				}),
		);
		const createdPerProcess = await Promise.all(runs);
		expect(createdPerProcess.reduce((sum, count) => sum + count, 0)).toBe(3);
		const store = SqliteKeyStore.open(dir.path);
		expect(await store.listKeys(GUILD_A)).toHaveLength(3);
		await store.close();
	} finally {
		dir.remove();
	}
});
