// test/gateway/harness.ts
// Starts a real gateway on an ephemeral loopback port with its own temp data directory, for tests.

import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { readConfig } from "../../gateway/config";
import { startGateway, type RunningGateway, type StartOptions } from "../../gateway/gateway";
import { silentLogger } from "../../gateway/platform/logging/logger";
import { checkDocumentedAnswer } from "./documented-answers";

export const GUILD_A = "123456789012345678";
export const GUILD_B = "876543210987654321";
export const ADMIN_TOKEN = "test-admin-token-0123456789abcdef";

export interface TestGateway extends RunningGateway {
	dataDir: string;
	/** Calls the admin API with the operator token. */
	admin(method: string, pathname: string, body?: unknown): Promise<TestResponse>;
	/** Calls the public API (paths relative to /api/v1) with the given headers. */
	api(pathname: string, init?: { method?: string; headers?: Record<string, string>; body?: unknown }): Promise<TestResponse>;
	/** Creates a key through the admin API and returns the full key and its record. */
	createKey(guildId?: string, body?: Record<string, unknown>): Promise<{ key: string; id: string }>;
	/** Closes the gateway and removes its data directory (unless kept for a restart). */
	stop(options?: { keepData?: boolean }): Promise<void>;
}

export interface TestResponse {
	status: number;
	headers: Headers;
	body: any;
}

async function toTestResponse(response: Response): Promise<TestResponse> {
	const text = await response.text();
	let body: unknown = text;
	try {
		body = text === "" ? undefined : JSON.parse(text);
	} catch {
		// left as text: the test will say the body was not JSON
	}
	return { status: response.status, headers: response.headers, body };
}

export async function startTestGateway(
	env: Record<string, string> = {},
	options: StartOptions & { dataDir?: string } = {},
): Promise<TestGateway> {
	const dataDir = options.dataDir ?? (await mkdtemp(path.join(os.tmpdir(), "gateway-test-")));
	const config = readConfig({ PORT: "0", HOST: "127.0.0.1", DATA_DIR: dataDir, ADMIN_TOKEN, ...env });
	const gateway = await startGateway(config, { logger: silentLogger, shutdownGraceMs: 500, ...options });

	// Every answer is checked against the OpenAPI document: a suite fails on an answer it does not describe.
	const documented = (method: string, url: string, response: TestResponse) => {
		checkDocumentedAnswer(method, url, response);
		return response;
	};
	const admin: TestGateway["admin"] = async (method, pathname, body) =>
		documented(
			method,
			`/admin/v1${pathname}`,
			await toTestResponse(
				await fetch(`${gateway.url}/admin/v1${pathname}`, {
					method,
					headers: { authorization: `Bearer ${ADMIN_TOKEN}`, "content-type": "application/json" },
					body: body === undefined ? undefined : JSON.stringify(body),
				}),
			),
		);
	const api: TestGateway["api"] = async (pathname, init = {}) =>
		documented(
			init.method ?? "GET",
			`/api/v1${pathname}`,
			await toTestResponse(
				await fetch(`${gateway.url}/api/v1${pathname}`, {
					method: init.method ?? "GET",
					headers: { ...(init.body === undefined ? {} : { "content-type": "application/json" }), ...init.headers },
					body: init.body === undefined ? undefined : typeof init.body === "string" ? init.body : JSON.stringify(init.body),
				}),
			),
		);
	return {
		...gateway,
		dataDir,
		admin,
		api,
		async createKey(guildId = GUILD_A, body = {}) {
			const response = await admin("POST", `/guilds/${guildId}/keys`, body);
			if (response.status !== 201) throw new Error(`key creation failed: ${JSON.stringify(response.body)}`);
			return { key: response.body.data.key as string, id: response.body.data.api_key.id as string };
		},
		async stop({ keepData = false } = {}) {
			await gateway.close();
			if (!keepData) await rm(dataDir, { recursive: true, force: true });
		},
	};
}

/** A ban body as a moderator tool would send it. */
export const banBody = (robloxId: string | number, extra: Record<string, unknown> = {}) => ({
	roblox_id: robloxId,
	reason: "Exploiting",
	moderator_roblox_id: "1",
	...extra,
});
