// test/gateway/platform/http/outbound-http.test.ts
// The one outbound client: which addresses it refuses (before any connection), no redirects, and its configuration.

import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { ConfigError, readConfig } from "../../../../gateway/config";
import { OutboundHttp, OutboundRefused, checkOutboundUrl, refusedAddress } from "../../../../gateway/platform/http/outbound-http";

const servers: Server[] = [];
const clients: OutboundHttp[] = [];

afterEach(async () => {
	for (const client of clients.splice(0)) await client.close();
	for (const server of servers.splice(0)) {
		server.closeAllConnections();
		await new Promise((resolve) => server.close(resolve));
	}
});

/** A loopback server counting the connections it was ever offered. */
async function countingServer(answer: (res: import("node:http").ServerResponse) => void = (res) => res.end("ok")) {
	const seen = { connections: 0, requests: 0 };
	const server = createServer((_req, res) => {
		seen.requests++;
		answer(res);
	});
	server.on("connection", () => seen.connections++);
	servers.push(server);
	await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
	return { seen, port: (server.address() as AddressInfo).port };
}

function client(allowLoopback: boolean): OutboundHttp {
	const made = new OutboundHttp({ allowLoopback });
	clients.push(made);
	return made;
}

const post = (url: string) => ({ url, method: "POST" as const, headers: {}, body: "{}" });

describe("outbound client", () => {
	it("judges addresses: only public unicast passes, loopback when allowed", () => {
		const closed = { allowLoopback: false };
		expect(refusedAddress("93.184.216.34", closed)).toBeUndefined();
		expect(refusedAddress("2606:4700::1111", closed)).toBeUndefined();
		for (const address of ["127.0.0.1", "::1", "10.0.0.1", "172.16.5.4", "192.168.1.1", "169.254.169.254", "fe80::1", "fd00:ec2::254", "100.100.100.200", "0.0.0.0", "::ffff:192.168.1.1", "224.0.0.1"]) {
			expect(refusedAddress(address, closed), address).toMatch(/does not send to$/);
		}
		expect(refusedAddress("127.0.0.1", { allowLoopback: true })).toBeUndefined();
		expect(refusedAddress("10.0.0.1", { allowLoopback: true })).toMatch(/private/);
	});

	it("refuses at send a name that resolves to loopback, without ever connecting", async () => {
		const { seen, port } = await countingServer();
		await expect(client(false).send(post(`http://localhost:${port}/`))).rejects.toBeInstanceOf(OutboundRefused);
		await expect(client(false).send(post(`https://127.0.0.1:${port}/`))).rejects.toThrow(/loopback address/);
		expect(seen.connections).toBe(0);
	});

	it("connects to the checked address when loopback is allowed", async () => {
		const { seen, port } = await countingServer();
		const answer = await client(true).send(post(`http://localhost:${port}/`));
		expect(answer).toMatchObject({ status: 200, text: "ok" });
		expect(seen.requests).toBe(1);
	});

	it("follows no redirect: a 302 is the answer, its target never hears from the client", async () => {
		const target = await countingServer();
		const redirecting = await countingServer((res) => {
			res.writeHead(302, { location: `http://127.0.0.1:${target.port}/` });
			res.end();
		});
		const answer = await client(true).send(post(`http://127.0.0.1:${redirecting.port}/`));
		expect(answer.status).toBe(302);
		expect(target.seen.connections).toBe(0);
	});

	it("refuses URLs with credentials, odd schemes, and plain http beyond loopback", async () => {
		await expect(checkOutboundUrl("https://user:pw@example.com/", { allowLoopback: false })).rejects.toThrow(/user name or password/);
		await expect(checkOutboundUrl("gopher://example.com/", { allowLoopback: false })).rejects.toThrow(/https/);
		await expect(checkOutboundUrl("not a url", { allowLoopback: false })).rejects.toThrow(/absolute https URL/);
		await expect(checkOutboundUrl("http://93.184.216.34/", { allowLoopback: true })).rejects.toThrow(/plain http is allowed only to loopback/);
	});
});

describe("outbound configuration", () => {
	it("reads OPEN_CLOUD_URL and OUTBOUND_ALLOW_LOOPBACK, refusing bad values by name", () => {
		const defaults = readConfig({});
		expect(defaults).toMatchObject({ openCloudUrl: "https://apis.roblox.com", outboundAllowLoopback: false });
		expect(readConfig({ OPEN_CLOUD_URL: "http://127.0.0.1:9000/", OUTBOUND_ALLOW_LOOPBACK: "true" })).toMatchObject({
			openCloudUrl: "http://127.0.0.1:9000",
			outboundAllowLoopback: true,
		});
		expect(() => readConfig({ OUTBOUND_ALLOW_LOOPBACK: "sometimes" })).toThrow(ConfigError);
		expect(() => readConfig({ OUTBOUND_ALLOW_LOOPBACK: "sometimes" })).toThrow(/OUTBOUND_ALLOW_LOOPBACK must be true or false/);
		expect(() => readConfig({ OPEN_CLOUD_URL: "ftp://apis.example" })).toThrow(/OPEN_CLOUD_URL must use http:\/\/ or https:\/\//);
	});
});
