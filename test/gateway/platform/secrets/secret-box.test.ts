// test/gateway/platform/secrets/secret-box.test.ts
// Secrets at rest: sealed texts open with the same key and purpose only, and the generated key persists.

import { mkdtemp, readFile, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { SECRETS_KEY_FILE, SecretBox, SecretUnreadable } from "../../../../gateway/platform/secrets/secret-box";

describe("SecretBox", () => {
	const box = SecretBox.fromKeyText("a-long-random-secrets-key-for-tests-0123456789");

	it("opens what it sealed, and the sealed text does not contain the secret", () => {
		const sealed = box.seal("whsec_abcdef", "webhook");
		expect(sealed).not.toContain("whsec_abcdef");
		expect(box.open(sealed, "webhook")).toBe("whsec_abcdef");
	});

	it("seals the same secret differently each time", () => {
		expect(box.seal("token", "discord")).not.toBe(box.seal("token", "discord"));
	});

	it("refuses another key, another purpose and an altered text", () => {
		const sealed = box.seal("token", "discord");
		expect(() => SecretBox.fromKeyText("another-key-entirely-0123456789abcdef").open(sealed, "discord")).toThrow(SecretUnreadable);
		expect(() => box.open(sealed, "webhook")).toThrow(SecretUnreadable);
		const altered = `${sealed.slice(0, -2)}${sealed.endsWith("A") ? "B" : "A"}A`;
		expect(() => box.open(altered, "discord")).toThrow(SecretUnreadable);
		expect(() => box.open("not sealed", "discord")).toThrow(SecretUnreadable);
	});

	it("generates a key in the data directory once, readable only by its owner, and reuses it", async () => {
		const dataDir = await mkdtemp(path.join(tmpdir(), "secret-box-"));
		const first = await SecretBox.open(undefined, dataDir);
		const sealed = first.seal("token", "discord");
		const second = await SecretBox.open(undefined, dataDir);
		expect(second.open(sealed, "discord")).toBe("token");
		expect((await stat(path.join(dataDir, SECRETS_KEY_FILE))).mode & 0o777).toBe(0o600);
		expect((await readFile(path.join(dataDir, SECRETS_KEY_FILE), "utf8")).trim().length).toBeGreaterThanOrEqual(43);
	});

	it("uses SECRETS_KEY when set, whatever the data directory keeps", async () => {
		const dataDir = await mkdtemp(path.join(tmpdir(), "secret-box-"));
		const fromEnv = await SecretBox.open("a-long-random-secrets-key-for-tests-0123456789", dataDir);
		expect(fromEnv.open(box.seal("token", "discord"), "discord")).toBe("token");
	});
});
