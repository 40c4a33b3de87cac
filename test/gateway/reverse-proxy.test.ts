// test/gateway/reverse-proxy.test.ts
// The README's "Put it on the internet", run as written: its Caddyfile with Debian's caddy (its own certificate
// authority, `tls internal`, in place of a public certificate, on loopback ports) in front of a gateway started
// with the README's variables: a key made and used through it over https, /metrics closed, the Discord sign-in's cookies Secure.

import { spawn, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import https from "node:https";
import type { LookupFunction } from "node:net";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFakeDiscord, type FakeDiscord } from "../fakes/discord";
import { freePort } from "./free-port";
import { ADMIN_TOKEN, GUILD_A, startTestGateway, type TestGateway } from "./harness";

const CADDY = "/usr/bin/caddy";
const README = path.resolve(path.dirname(new URL(import.meta.url).pathname), "../../README.md");
const OPERATOR = "555555555555555555";

/** The README's Caddyfile and gateway command, from its "Put it on the internet" section. */
async function readmeExample(): Promise<{ caddyfile: string; env: Record<string, string> }> {
	const readme = await readFile(README, "utf8");
	const section = readme.slice(readme.indexOf("## Put it on the internet"));
	const caddyfile = /```caddyfile\n([\s\S]*?)```/.exec(section)?.[1];
	const command = /```sh\n(.*npm start)\n/.exec(section)?.[1];
	if (caddyfile === undefined || command === undefined) throw new Error("the README's \"Put it on the internet\" has no Caddyfile or gateway command");
	const env = Object.fromEntries([...command.matchAll(/(\w+)=(\S+)/g)].map(([, name, value]) => [name, value]));
	return { caddyfile, env };
}

/** Resolves once `caddy run` has its https listener up, or rejects with what it printed. */
function startCaddy(config: string, home: string): Promise<{ child: ChildProcess; output: string[] }> {
	const child = spawn(CADDY, ["run", "--config", config, "--adapter", "caddyfile"], {
		// Caddy's data (its certificate authority) and autosaved config stay in the test's folder.
		env: { ...process.env, HOME: home, XDG_DATA_HOME: path.join(home, "data"), XDG_CONFIG_HOME: path.join(home, "config") },
		stdio: ["ignore", "pipe", "pipe"],
	});
	const output: string[] = [];
	return new Promise((resolve, reject) => {
		const timer = setTimeout(() => reject(new Error(`caddy did not start: ${output.join("")}`)), 20_000);
		const seen = (chunk: Buffer) => {
			output.push(chunk.toString());
			if (/"msg":"serving initial configuration"/.test(output.join(""))) {
				clearTimeout(timer);
				resolve({ child, output });
			}
		};
		child.stdout!.on("data", seen);
		child.stderr!.on("data", seen);
		child.once("exit", (code) => {
			clearTimeout(timer);
			reject(new Error(`caddy exited (${code}): ${output.join("")}`));
		});
	});
}

interface ProxyAnswer {
	status: number;
	headers: Record<string, string | string[] | undefined>;
	text: string;
}

/** `localhost` is this machine's loopback, whatever the resolver says first. */
const loopback: LookupFunction = (_host, options, callback) =>
	options.all === true ? callback(null, [{ address: "127.0.0.1", family: 4 }]) : callback(null, "127.0.0.1", 4);

/** One https request through Caddy, trusting only Caddy's own authority (Node's https: a client a game server's request resembles). */
function request(url: string, ca: string, init: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<ProxyAnswer> {
	return new Promise((resolve, reject) => {
		const sent = https.request(url, { method: init.method ?? "GET", headers: init.headers, ca, lookup: loopback }, (response) => {
			let text = "";
			response.setEncoding("utf8");
			response.on("data", (chunk: string) => (text += chunk));
			response.on("end", () => resolve({ status: response.statusCode ?? 0, headers: response.headers, text }));
		});
		sent.on("error", reject);
		sent.end(init.body);
	});
}

function cookie(answer: ProxyAnswer, name: string): string | undefined {
	return ((answer.headers["set-cookie"] as string[] | undefined) ?? []).find((line) => line.startsWith(`${name}=`));
}

const installed = existsSync(CADDY);
const title = installed ? "the README's Caddy example" : `the README's Caddy example: skipped, ${CADDY} is not installed (apt-get install -y caddy; npm test's first step does so as root)`;

describe.skipIf(!installed)(title, { timeout: 60_000 }, () => {
	let home: string;
	let caddy: { child: ChildProcess; output: string[] } | undefined;
	let gateway: TestGateway;
	let discord: FakeDiscord;
	let site: string;
	let ca: string;
	const viaProxy = (pathname: string, init: Parameters<typeof request>[2] = {}) => request(new URL(pathname, site).href, ca, init);

	beforeAll(async () => {
		const { caddyfile, env } = await readmeExample();
		home = await mkdtemp(path.join(os.tmpdir(), "caddy-example-"));
		const [gatewayPort, httpsPort, httpPort] = [await freePort(), await freePort(), await freePort()];
		site = `https://localhost:${httpsPort}`;
		discord = await startFakeDiscord();
		discord.addUser({ id: OPERATOR, username: "owner", global_name: "Owner", guilds: [{ id: GUILD_A, name: "Game", icon: null, owner: true, permissions: "0" }] });
		expect(env).toEqual({ HOST: "127.0.0.1", PORT: "8080", PUBLIC_URL: "https://bans.example.com", TRUST_PROXY: "loopback" });
		gateway = await startTestGateway({
			...env,
			PORT: String(gatewayPort),
			PUBLIC_URL: site,
			DISCORD_CLIENT_ID: discord.clientId,
			DISCORD_CLIENT_SECRET: discord.clientSecret,
			DISCORD_API_URL: discord.apiUrl,
		});
		// The README's site block, for this machine: another name and port, Caddy's own authority, loopback only.
		const siteBlock = caddyfile
			.replace("bans.example.com {", `localhost:${httpsPort} {\n\ttls internal\n\tbind 127.0.0.1`)
			.replace("reverse_proxy 127.0.0.1:8080", `reverse_proxy 127.0.0.1:${gatewayPort}`);
		const config = path.join(home, "Caddyfile");
		await writeFile(
			config,
			`{\n\tadmin off\n\tskip_install_trust\n\thttp_port ${httpPort}\n\thttps_port ${httpsPort}\n\tstorage file_system ${path.join(home, "storage")}\n}\n\n${siteBlock}`,
		);
		caddy = await startCaddy(config, home);
		ca = await readFile(path.join(home, "storage", "pki", "authorities", "local", "root.crt"), "utf8");
	});

	afterAll(async () => {
		caddy?.child.kill("SIGTERM");
		await gateway?.stop();
		await discord?.close();
		if (home !== undefined) await rm(home, { recursive: true, force: true });
	});

	it("makes a key and answers a ban check with it, over https, seeing the client's own address", async () => {
		const created = await viaProxy(`/admin/v1/guilds/${GUILD_A}/keys`, {
			method: "POST",
			headers: { authorization: `Bearer ${ADMIN_TOKEN}`, "content-type": "application/json" },
			body: JSON.stringify({ name: "Through Caddy" }),
		});
		expect(created.status).toBe(201);
		const { key, api_key: record } = (JSON.parse(created.text) as { data: { key: string; api_key: { id: string } } }).data;
		const status = await viaProxy(`/api/v1/moderation/${GUILD_A}/ban-status/261`, { headers: { "x-api-key": key } });
		expect(status.status).toBe(200);
		expect((JSON.parse(status.text) as { data: { banned: boolean } }).data.banned).toBe(false);
		// TRUST_PROXY=loopback: the address recorded is the client's (from X-Forwarded-For), here loopback too, never "unknown".
		const keys = await viaProxy(`/admin/v1/guilds/${GUILD_A}/keys`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
		const listed = (JSON.parse(keys.text) as { data: { keys: { id: string; last_used_ip: string | null }[] } }).data.keys;
		expect(listed.find((one) => one.id === record.id)?.last_used_ip).toBe("127.0.0.1");
	});

	it("keeps /metrics from the internet while the gateway's own port still serves it", async () => {
		expect((await viaProxy("/metrics")).status).toBe(404);
		expect((await fetch(`${gateway.url}/metrics`)).status).toBe(200);
	});

	it("signs an operator in with Discord through it, every cookie Secure, HttpOnly and SameSite=Lax", async () => {
		discord.signInAs(OPERATOR);
		const start = await viaProxy("/admin/v1/auth/discord");
		expect(start.status).toBe(302);
		const signInCookie = cookie(start, "technified_sign_in");
		expect(signInCookie).toMatch(/; Secure/);
		expect(signInCookie).toMatch(/; HttpOnly/);
		const authorize = await fetch(start.headers.location as string, { redirect: "manual" });
		const callbackUrl = authorize.headers.get("location")!;
		expect(callbackUrl.startsWith(`${site}/admin/v1/auth/discord/callback?`)).toBe(true);
		const callback = await viaProxy(callbackUrl, { headers: { cookie: signInCookie!.split(";")[0] } });
		expect(callback.status, callback.text).toBe(302);
		const session = cookie(callback, "technified_session");
		expect(session).toMatch(/; Secure/);
		expect(session).toMatch(/; HttpOnly/);
		expect(session).toMatch(/; SameSite=Lax/);
		const me = await viaProxy("/admin/v1/me", { headers: { cookie: session!.split(";")[0] } });
		expect(me.status).toBe(200);
		expect((JSON.parse(me.text) as { data: { actor: { id: string } } }).data.actor.id).toBe(OPERATOR);
	});
});
