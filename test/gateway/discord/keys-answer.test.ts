// test/gateway/discord/keys-answer.test.ts
// `/keys` for a guild with many revoked keys: the answer stays within Discord's embed limits ("Embed Limits": 25 fields, 6000 characters).

import { describe, expect, it } from "vitest";
import { keysAnswer } from "../../../gateway/discord/answers";
import type { ApiKeyRecord, KeyStatus } from "../../../shared/records";

const key = (at: number, status: KeyStatus): ApiKeyRecord => ({
	id: `key-${at}`,
	guild_id: "123456789012345678",
	prefix: `technified_123456789012345678_${String(at).padStart(4, "0")}`,
	// The longest name a key may have.
	name: `${status} key ${at} `.padEnd(64, "x"),
	status,
	scopes: ["moderation:read", "moderation:write"],
	allowed_cidrs: [],
	created_at: 1_700_000_000 + at,
	last_used_at: 1_700_100_000 + at,
	expires_at: 1_800_000_000 + at,
	revoked_at: status === "revoked" ? 1_700_200_000 + at : null,
	created_by: { type: "admin_token", id: null, name: null },
	description: null,
	last_used_ip: null,
	rate_limits: null,
});

describe("the /keys answer", () => {
	it("lists live keys first and at most twenty, saying how many more the dashboard shows", () => {
		const keys = [...Array.from({ length: 27 }, (_, at) => key(at, "revoked")), key(27, "active"), key(28, "user_moderated"), key(29, "active")];
		const [embed] = keysAnswer(keys).embeds!;
		const fields = embed.fields!;
		expect(fields).toHaveLength(20);
		expect(fields.slice(0, 3).map((field) => field.name.split(" key ")[0])).toEqual(["active", "user_moderated", "active"]);
		expect(fields.at(-1)).toEqual({ name: "11 more", value: "On the dashboard's API Keys page." });
		const characters = (embed.title ?? "").length + fields.reduce((sum, field) => sum + field.name.length + field.value.length, 0);
		expect(characters).toBeLessThanOrEqual(6000);
	});

	it("lists twenty keys whole", () => {
		const fields = keysAnswer(Array.from({ length: 20 }, (_, at) => key(at, "active"))).embeds![0].fields!;
		expect(fields).toHaveLength(20);
		expect(fields.at(-1)?.name).toMatch(/^active key 19 /);
	});
});
