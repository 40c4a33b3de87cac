// test/gateway/roblox-model/roblox-model.test.ts
// GET /admin/v1/guilds/:guildId/roblox-model: the built model with a Config for this gateway and guild and never a key;
// without PUBLIC_URL a clear refusal; and the .rbxmx reader giving back exactly the tree the build wrote.

import { readFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readModel, writeModel } from "../../../gateway/roblox-model/rbxmx";
import { configureSource, MODEL_FILE } from "../../../gateway/roblox-model/roblox-model";
import { buildTree } from "../../../tools/rojo-tree";
import { GUILD_A, startTestGateway, type TestGateway } from "../harness";

const ROOT = path.resolve(path.dirname(MODEL_FILE), "..");
const withoutFiles = (nodes: { name: string; className: string; parent: number; source?: string }[]) =>
	nodes.map(({ name, className, parent, source }) => ({ name, className, parent, ...(source === undefined ? {} : { source }) }));

describe("the .rbxmx reader", () => {
	it("reads the built model back as the tree the build wrote it from, and writes it again byte for byte", () => {
		const built = readFileSync(MODEL_FILE, "utf8");
		const instances = readModel(built);
		expect(instances).toEqual(withoutFiles(buildTree(path.join(ROOT, "model.project.json"))));
		expect(writeModel(instances)).toBe(built);
	});

	it("keeps a source holding ]]>, quotes and markup", () => {
		const source = 'local s = "a]]>b <Item> & done"\nreturn s';
		expect(readModel(writeModel([{ name: 'Odd "name" <&>', className: "ModuleScript", parent: 0, source }]))).toEqual([
			{ name: 'Odd "name" <&>', className: "ModuleScript", parent: 0, source },
		]);
	});

	it("refuses a file that is not a model, in words", () => {
		expect(() => readModel("<html><body>Not found</body></html>")).toThrow(/no <roblox> element/);
		expect(() => readModel("<roblox><Item class=\"Folder\">")).toThrow(/left open/);
	});
});

describe("the Config a served model carries", () => {
	it("fills in the gateway, the guild and the Secret's name as Luau strings, and leaves the key empty", () => {
		const source = 'local config = {\n\tapiKey = "PASTE",\n\tsecretName = "",\n\tguildId = "",\n\toptions = {\n\t\tbaseUrl = "https://x/api/v1",\n\t},\n}\n';
		expect(configureSource(source, { publicUrl: 'https://bans.example.com/a"b', guildId: GUILD_A })).toBe(
			`local config = {\n\tapiKey = "",\n\tsecretName = "technified_api_key",\n\tguildId = "${GUILD_A}",\n\toptions = {\n\t\tbaseUrl = "https://bans.example.com/a\\"b/api/v1",\n\t},\n}\n`,
		);
	});

	it("refuses a Config of another shape rather than serve it half-configured", () => {
		expect(() => configureSource("return { apiKey = 'x' }", { publicUrl: "https://x", guildId: GUILD_A })).toThrow(/no single apiKey field/);
	});
});

describe("GET /admin/v1/guilds/:guildId/roblox-model", () => {
	let gateway: TestGateway;
	beforeAll(async () => {
		gateway = await startTestGateway({ PUBLIC_URL: "https://bans.example.com/" });
	});
	afterAll(() => gateway.stop());

	it("is the built model as an attachment, its Config pointing at PUBLIC_URL/api/v1 and the guild, with no key inside", async () => {
		const { key } = await gateway.createKey(GUILD_A);
		const response = await gateway.admin("GET", `/guilds/${GUILD_A}/roblox-model`);
		expect(response.status).toBe(200);
		expect(response.headers.get("content-type")).toBe("application/xml; charset=utf-8");
		expect(response.headers.get("content-disposition")).toBe("attachment; filename=Technified.rbxmx");
		expect(response.headers.get("cache-control")).toBe("no-store");
		const served = readModel(response.body as string);
		const built = readModel(readFileSync(MODEL_FILE, "utf8"));
		const config = served.find((instance) => instance.name === "Config");
		expect(config?.source).toMatch(/\tapiKey = "",\n\tsecretName = "technified_api_key",\n\tguildId = "123456789012345678",\n/);
		expect(config?.source).toContain('baseUrl = "https://bans.example.com/api/v1",');
		// Everything else is the build's, unchanged.
		expect(served.filter((instance) => instance !== config)).toEqual(built.filter((instance) => instance.name !== "Config" || instance.parent !== 1));
		expect(response.body as string).not.toContain(key);
		expect(response.body as string).not.toContain(key.slice(0, 30));
	});

	it("refuses a guild id that is not one", async () => {
		expect((await gateway.admin("GET", "/guilds/not-a-guild/roblox-model")).status).toBe(400);
	});
});

describe("without PUBLIC_URL", () => {
	let gateway: TestGateway;
	beforeAll(async () => {
		gateway = await startTestGateway();
	});
	afterAll(() => gateway.stop());

	it("answers 409 public_url_unset saying what to set", async () => {
		const response = await gateway.admin("GET", `/guilds/${GUILD_A}/roblox-model`);
		expect(response.status).toBe(409);
		expect(response.body).toEqual({
			status: "error",
			code: 409,
			error: "public_url_unset",
			message: "Set PUBLIC_URL to the gateway's public https address (for example https://bans.example.com) and restart: the model's Config points there",
		});
	});
});

describe("roblox/README.md's Config sample", () => {
	it("has the fields and values of the Config the build ships", () => {
		const fields = (source: string) => [...source.matchAll(/^\s*(\w+) = ([^,\n]+),/gm)].map(([, name, value]) => [name, value.trim()]);
		const readme = readFileSync(path.join(ROOT, "roblox", "README.md"), "utf8");
		const sample = /The model `npm run build` writes has this `Config`[\s\S]*?```lua\n([\s\S]*?)```/.exec(readme)?.[1] ?? "";
		const built = readModel(readFileSync(MODEL_FILE, "utf8")).find((instance) => instance.name === "Config" && instance.parent === 1)?.source ?? "";
		expect(fields(sample.replace(/ *--.*$/gm, ""))).toEqual(fields(built));
		expect(fields(built).map(([name]) => name)).toEqual(["autoStart", "apiKey", "secretName", "guildId", "baseUrl", "failMode"]);
	});
});
