// gateway/cli/keys.ts
// Operator CLI over the admin API: `npm run keys -- create|list|revoke …` against a running gateway.

import { readFile } from "node:fs/promises";
import path from "node:path";
import { parseArgs } from "node:util";
import type { ApiKeyRecord } from "../../shared/records";
import { ADMIN_TOKEN_FILE } from "../admin/admin-token";

const USAGE = `Usage: npm run keys -- <command> [options]

Commands:
  create --guild <id> [--name <name>] [--scopes moderation:read,moderation:write]
  list   --guild <id>
  revoke --guild <id> --key <keyId>

Options:
  --url <gateway url>   default http://127.0.0.1:$PORT (PORT defaults to 8080)
The admin token comes from ADMIN_TOKEN, else from $DATA_DIR/${ADMIN_TOKEN_FILE} (DATA_DIR defaults to ./data).`;

async function adminToken(): Promise<string> {
	if (process.env.ADMIN_TOKEN) return process.env.ADMIN_TOKEN.trim();
	const file = path.join(process.env.DATA_DIR ?? "./data", ADMIN_TOKEN_FILE);
	try {
		return (await readFile(file, "utf8")).trim();
	} catch {
		throw new Error(`no ADMIN_TOKEN set and ${file} cannot be read`);
	}
}

async function call(url: string, method: string, pathname: string, body?: unknown): Promise<Record<string, unknown>> {
	const response = await fetch(new URL(`/admin/v1${pathname}`, url), {
		method,
		headers: { authorization: `Bearer ${await adminToken()}`, "content-type": "application/json" },
		body: body === undefined ? undefined : JSON.stringify(body),
	});
	const envelope = (await response.json()) as { message?: string; data?: Record<string, unknown> };
	if (!response.ok) throw new Error(`${response.status} ${envelope.message ?? response.statusText}`);
	return envelope.data ?? {};
}

async function run(argv: string[]): Promise<void> {
	const { positionals, values } = parseArgs({
		args: argv,
		allowPositionals: true,
		options: {
			guild: { type: "string" },
			name: { type: "string" },
			scopes: { type: "string" },
			key: { type: "string" },
			url: { type: "string" },
			help: { type: "boolean", short: "h" },
		},
	});
	const [command] = positionals;
	if (values.help || command === undefined) return console.log(USAGE);
	const url = values.url ?? `http://127.0.0.1:${process.env.PORT ?? 8080}`;
	if (values.guild === undefined) throw new Error("--guild is required");
	const guild = encodeURIComponent(values.guild);

	switch (command) {
		case "create": {
			const data = await call(url, "POST", `/guilds/${guild}/keys`, {
				name: values.name,
				scopes: values.scopes?.split(",").map((s) => s.trim()),
			});
			console.log(JSON.stringify(data.api_key, null, 2));
			console.log(`\nAPI key (shown once, store it now):\n${String(data.key)}`);
			return;
		}
		case "list": {
			const data = await call(url, "GET", `/guilds/${guild}/keys`);
			const when = (at: unknown) => (typeof at === "number" ? new Date(at * 1000).toISOString() : "never");
			console.table(
				(data.keys as ApiKeyRecord[]).map((k) => ({
					id: k.id,
					prefix: k.prefix,
					name: k.name ?? "",
					status: k.status,
					created: when(k.created_at),
					"last used": when(k.last_used_at),
				})),
			);
			return;
		}
		case "revoke": {
			if (values.key === undefined) throw new Error("--key is required");
			const data = await call(url, "POST", `/guilds/${guild}/keys/${encodeURIComponent(values.key)}/revoke`);
			console.log(JSON.stringify(data.api_key, null, 2));
			return;
		}
		default:
			throw new Error(`unknown command "${command}"\n\n${USAGE}`);
	}
}

run(process.argv.slice(2)).catch((err: unknown) => {
	console.error(`keys: ${err instanceof Error ? err.message : String(err)}`);
	process.exit(1);
});
