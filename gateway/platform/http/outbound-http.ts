// gateway/platform/http/outbound-http.ts
// The one HTTP client for everything the gateway sends out: the one place that decides which addresses may be reached.

import { lookup as dnsLookup, type LookupAddress } from "node:dns";
import { isIP, type LookupFunction } from "node:net";
import ipaddr from "ipaddr.js";
import { Agent, request } from "undici";

export interface OutboundPolicy {
	/** OUTBOUND_ALLOW_LOOPBACK: loopback addresses (and plain `http` to them) are allowed, for tests and local receivers. */
	allowLoopback: boolean;
}

/** A URL or address the gateway will not reach; the message is safe to show (it names no secret). */
export class OutboundRefused extends Error {
	constructor(message: string) {
		super(message);
		this.name = "OutboundRefused";
	}
}

/**
 * Why an address may not be reached, or undefined when it may. Only public unicast passes: private,
 * loopback (unless allowed), link-local (which holds the cloud metadata address 169.254.169.254),
 * carrier-grade NAT (Alibaba's 100.100.100.200), unique-local (AWS's fd00:ec2::254) and reserved
 * ranges are all refused. IPv4-mapped IPv6 is judged as the IPv4 address it carries.
 */
export function refusedAddress(address: string, policy: OutboundPolicy): string | undefined {
	if (!ipaddr.isValid(address)) return `${address} is not an IP address`;
	const range = ipaddr.process(address).range();
	if (range === "unicast") return undefined;
	if (range === "loopback" && policy.allowLoopback) return undefined;
	return `${address} is a ${range} address, which the gateway does not send to`;
}

/** The URL's host without IPv6 brackets. */
function hostOf(url: URL): string {
	return url.hostname.startsWith("[") ? url.hostname.slice(1, -1) : url.hostname;
}

function resolveAll(hostname: string): Promise<LookupAddress[]> {
	return new Promise((resolve, reject) =>
		dnsLookup(hostname, { all: true, verbatim: true }, (err, addresses) => (err ? reject(err) : resolve(addresses))),
	);
}

/** Every address the host resolves to must pass: one private answer among public ones is refused too. */
async function checkedAddresses(hostname: string, policy: OutboundPolicy): Promise<LookupAddress[]> {
	if (isIP(hostname) !== 0) {
		const refused = refusedAddress(hostname, policy);
		if (refused !== undefined) throw new OutboundRefused(refused);
		return [{ address: hostname, family: isIP(hostname) }];
	}
	let addresses: LookupAddress[];
	try {
		addresses = await resolveAll(hostname);
	} catch {
		throw new OutboundRefused(`${hostname} does not resolve`);
	}
	if (addresses.length === 0) throw new OutboundRefused(`${hostname} does not resolve`);
	for (const { address } of addresses) {
		const refused = refusedAddress(address, policy);
		if (refused !== undefined) throw new OutboundRefused(`${hostname} resolves to ${refused}`);
	}
	return addresses;
}

/**
 * Checks a URL as it is saved: `https` (plain `http` only to loopback, and only when loopback is
 * allowed), no credentials in it, and a host whose every address may be reached.
 */
export async function checkOutboundUrl(text: string, policy: OutboundPolicy): Promise<URL> {
	let url: URL;
	try {
		url = new URL(text);
	} catch {
		throw new OutboundRefused("url must be an absolute https URL");
	}
	if (url.username !== "" || url.password !== "") throw new OutboundRefused("url must not carry a user name or password");
	if (url.protocol !== "https:" && url.protocol !== "http:") throw new OutboundRefused("url must be an https URL");
	const addresses = await checkedAddresses(hostOf(url), policy);
	if (url.protocol === "http:") {
		const loopbackOnly = policy.allowLoopback && addresses.every(({ address }) => ipaddr.process(address).range() === "loopback");
		if (!loopbackOnly) throw new OutboundRefused("url must be an https URL (plain http is allowed only to loopback with OUTBOUND_ALLOW_LOOPBACK)");
	}
	return url;
}

export interface OutboundRequest {
	url: string;
	method: "GET" | "POST" | "PATCH";
	headers: Record<string, string>;
	body?: string;
	/** Bytes of the answer kept (default 2 KB, enough for an error's words); a page read asks for more. */
	keepBytes?: number;
}

export interface OutboundResponse {
	status: number;
	headers: Record<string, string | string[] | undefined>;
	/** The first `keepBytes` of the body (2 KB unless asked): never a larger download. */
	text: string;
}

const MAX_BODY_KEPT = 2_048;

/**
 * Sends requests to checked addresses only. DNS is resolved again at each connection and the socket
 * goes to the address that was checked (the lookup itself refuses), so a name that changes to a
 * private address between save and send is refused. Redirects are never followed (undici's default):
 * a 3xx is an answer like any other. One send takes at most `timeoutMs` (default 10 s) in all.
 */
export class OutboundHttp {
	private readonly agent: Agent;

	constructor(
		private readonly policy: OutboundPolicy,
		private readonly timeoutMs = 10_000,
	) {
		const checkedLookup: LookupFunction = (hostname, options, callback) => {
			checkedAddresses(hostname, policy).then(
				(addresses) => {
					if (options.all) callback(null, addresses);
					else callback(null, addresses[0].address, addresses[0].family);
				},
				(err: Error) => callback(err as NodeJS.ErrnoException, "", 0),
			);
		};
		this.agent = new Agent({ connect: { lookup: checkedLookup, timeout: timeoutMs }, connections: 16 });
	}

	/** Rejects with OutboundRefused for an address that may not be reached, or the transport's error. */
	async send(outbound: OutboundRequest): Promise<OutboundResponse> {
		const url = await checkOutboundUrl(outbound.url, this.policy);
		const response = await request(url, {
			method: outbound.method,
			headers: { "user-agent": "Technified-Gateway", ...outbound.headers },
			body: outbound.body,
			dispatcher: this.agent,
			headersTimeout: this.timeoutMs,
			bodyTimeout: this.timeoutMs,
			// The whole exchange, connect to last byte, within the timeout: the outbox's lease relies on it.
			signal: AbortSignal.timeout(this.timeoutMs),
		});
		const keep = outbound.keepBytes ?? MAX_BODY_KEPT;
		const chunks: Buffer[] = [];
		let size = 0;
		for await (const chunk of response.body) {
			if (size < keep) chunks.push(chunk as Buffer);
			size += (chunk as Buffer).length;
		}
		return { status: response.statusCode, headers: response.headers, text: Buffer.concat(chunks).subarray(0, keep).toString("utf8") };
	}

	close(): Promise<void> {
		return this.agent.close();
	}

	/** Closes now, failing requests in flight, rather than waiting for them as `close` does. */
	destroy(): Promise<void> {
		return this.agent.destroy();
	}
}
