// gateway/cli/admin-client.ts
// The CLI's side of the admin API: where the token comes from, one call, and errors an operator can act on.

import { readFile } from "node:fs/promises";
import path from "node:path";
import { ADMIN_TOKEN_FILE } from "../operators/admin-token";

/** The admin token and where it was found: the advice on a refusal depends on it. */
export interface AdminCredentials {
	token: string;
	/** "ADMIN_TOKEN", or the path of the token file. */
	source: string;
}

/** A failure the CLI prints as its one line (never with the token in it). */
export class CliError extends Error {}

/** The options every command takes. */
export interface GlobalOptions {
	url: string;
	json?: boolean;
}

export async function client(options: GlobalOptions): Promise<AdminClient> {
	return new AdminClient(options.url, await adminCredentials());
}

/** The API's data as JSON with --json, else the text made for people. */
export const print = (options: GlobalOptions, data: unknown, text: string) => console.log(options.json ? JSON.stringify(data, null, 2) : text);

/** ADMIN_TOKEN when set (the gateway uses it too when set), else the file a first start generated. */
export async function adminCredentials(env: NodeJS.ProcessEnv = process.env): Promise<AdminCredentials> {
	const fromEnv = env.ADMIN_TOKEN?.trim();
	if (fromEnv) return { token: fromEnv, source: "ADMIN_TOKEN" };
	const file = path.join(env.DATA_DIR?.trim() || "./data", ADMIN_TOKEN_FILE);
	try {
		return { token: (await readFile(file, "utf8")).trim(), source: file };
	} catch {
		throw new CliError(`no ADMIN_TOKEN set and ${file} cannot be read: set ADMIN_TOKEN, or DATA_DIR to the gateway's data directory`);
	}
}

/** Why a refused token was refused, in the terms of where it came from. */
function refusal(gateway: string, credentials: AdminCredentials, message: string): string {
	if (credentials.source === "ADMIN_TOKEN") {
		return `the gateway at ${gateway} refused ADMIN_TOKEN (401 ${message}): set the ADMIN_TOKEN the gateway runs with`;
	}
	return (
		`the gateway at ${gateway} refused the token kept in ${credentials.source} (401 ${message}). ` +
		"That file is stale when the gateway runs with a different ADMIN_TOKEN (it wins, and start-up says so): " +
		"run this with the same ADMIN_TOKEN set"
	);
}

export class AdminClient {
	constructor(
		/** The gateway's base address, e.g. http://127.0.0.1:8080. */
		readonly gateway: string,
		private readonly credentials: AdminCredentials,
	) {}

	/** Calls `/admin/v1<pathname>` and returns the envelope's `data` (undefined for 204). */
	async call<T>(method: string, pathname: string, body?: unknown): Promise<T> {
		return this.send<T>(method, pathname, { text: body === undefined ? undefined : JSON.stringify(body), type: "application/json" });
	}

	/** As `call`, with a body of another type (an import's file). */
	async send<T>(method: string, pathname: string, body: { text?: string; type: string }): Promise<T> {
		const response = await this.fetch(method, pathname, body);
		if (response.status === 204) return undefined as T;
		return this.dataOf<T>(response);
	}

	/** The answer itself when it succeeds (an export's stream); the API's words otherwise. */
	async stream(pathname: string): Promise<Response> {
		const response = await this.fetch("GET", pathname, { type: "application/json" });
		if (!response.ok) await this.dataOf(response);
		return response;
	}

	private async fetch(method: string, pathname: string, body: { text?: string; type: string }): Promise<Response> {
		const target = new URL(`/admin/v1${pathname}`, this.gateway);
		try {
			return await fetch(target, {
				method,
				headers: { authorization: `Bearer ${this.credentials.token}`, "content-type": body.type },
				body: body.text,
			});
		} catch (err) {
			const cause = (err as { cause?: { code?: string; message?: string } }).cause;
			throw new CliError(
				`cannot reach the gateway at ${this.gateway} (${cause?.code ?? cause?.message ?? String(err)}): ` +
					"is it running (npm start)? Point --url at it otherwise",
			);
		}
	}

	private async dataOf<T>(response: Response): Promise<T> {
		const text = await response.text();
		let envelope: { message?: string; data?: T };
		try {
			envelope = JSON.parse(text) as typeof envelope;
		} catch {
			throw new CliError(`${this.gateway} answered ${response.status} without JSON: is --url the gateway's address?`);
		}
		if (response.status === 401) throw new CliError(refusal(this.gateway, this.credentials, envelope.message ?? "Unauthorized"));
		if (!response.ok) throw new CliError(`${response.status} ${envelope.message ?? response.statusText}`);
		return envelope.data as T;
	}
}
