// test/gateway/platform/http/recording-data-store.ts
// The real data store (SQLite in a temp dir) behind a listener that records every request the gateway sends it.

import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import http from "node:http";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { createDataStoreApp } from "../../../../gateway/data-store/app";
import { SqliteModerationStore } from "../../../../gateway/data-store/sqlite-moderation-store";

/** What the data store may ever see of a request: framing the gateway wrote, the request id, and its own two headers. */
export const FORWARDED_HEADERS = new Set([
	"host",
	"connection",
	"content-type",
	"content-length",
	"accept",
	"x-request-id",
	"x-technified-internal-token",
	"x-technified-guild",
]);

export interface RecordedRequest {
	method: string;
	url: string;
	/** Header names and values as they arrived (names lower-cased, repeats kept). */
	headers: [string, string][];
}

export interface RecordingDataStore {
	url: string;
	token: string;
	requests: RecordedRequest[];
	/** Stops the store (a second call does nothing), e.g. to fault the gateway in front of it. */
	close(): Promise<void>;
}

export async function startRecordingDataStore(): Promise<RecordingDataStore> {
	const dataDir = await mkdtemp(path.join(os.tmpdir(), "recording-store-"));
	const store = SqliteModerationStore.open({ dataDir });
	const token = randomBytes(32).toString("base64url");
	const app = createDataStoreApp({ store, internalToken: token, log: () => {} });
	const requests: RecordedRequest[] = [];
	const server = http.createServer((req, res) => {
		const headers: [string, string][] = [];
		for (let i = 0; i < req.rawHeaders.length; i += 2) headers.push([req.rawHeaders[i].toLowerCase(), req.rawHeaders[i + 1]]);
		requests.push({ method: req.method ?? "", url: req.url ?? "", headers });
		app(req, res);
	});
	server.keepAliveTimeout = 65_000;
	await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
	return {
		url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
		token,
		requests,
		async close() {
			if (!server.listening) return;
			await new Promise<void>((resolve) => {
				server.close(() => resolve());
				server.closeAllConnections();
			});
			await store.close();
			await rm(dataDir, { recursive: true, force: true });
		},
	};
}
