// test/gateway/outbound/webhook-receiver.ts
// A webhook receiver on loopback that verifies each request's signature with the standardwebhooks package.

import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { Webhook } from "standardwebhooks";

export interface Received {
	id: string;
	event: { type: string; timestamp: string; data: Record<string, unknown> };
	/** True when the signature verified with the secret the receiver was given. */
	verified: boolean;
	/** What the receiver answered. */
	answered: number;
}

async function bodyOf(req: IncomingMessage): Promise<string> {
	let text = "";
	for await (const chunk of req) text += (chunk as Buffer).toString("utf8");
	return text;
}

/**
 * Answers each request with the next status of `failFirst` (then 204), as a real receiver would once
 * it recovers. `stop()` and `listen()` on the same port model a receiver that is down for a while.
 */
export class WebhookReceiver {
	readonly received: Received[] = [];
	secret: string | undefined;
	/** A slow receiver: each answer is sent this long (ms) after the request arrived. */
	answerAfterMs = 0;
	private server: Server;
	private port = 0;

	constructor(private readonly failFirst: number[] = []) {
		this.server = this.newServer();
	}

	private newServer(): Server {
		return createServer(async (req, res) => {
			const text = await bodyOf(req);
			let verified = false;
			try {
				new Webhook(this.secret ?? "").verify(text, req.headers as Record<string, string>);
				verified = true;
			} catch {
				verified = false;
			}
			const answered = this.failFirst.shift() ?? 204;
			this.received.push({ id: String(req.headers["webhook-id"] ?? ""), event: JSON.parse(text), verified, answered });
			res.statusCode = answered;
			setTimeout(() => res.end(), this.answerAfterMs);
		});
	}

	get url(): string {
		return `http://127.0.0.1:${this.port}/hook`;
	}

	async listen(): Promise<void> {
		await new Promise<void>((resolve) => this.server.listen(this.port, "127.0.0.1", () => resolve()));
		this.port = (this.server.address() as AddressInfo).port;
	}

	/** Down: the port refuses connections until `listen()` again. */
	async stop(): Promise<void> {
		this.server.closeAllConnections();
		await new Promise<void>((resolve) => this.server.close(() => resolve()));
		this.server = this.newServer();
	}

	delivered(type?: string): Received[] {
		return this.received.filter((one) => one.answered < 300 && (type === undefined || one.event.type === type));
	}
}

/** Polls `check` until it returns true, or fails after `timeoutMs`. */
export async function eventually(check: () => boolean | Promise<boolean>, timeoutMs = 10_000, what = "the condition"): Promise<void> {
	const deadline = Date.now() + timeoutMs;
	while (!(await check())) {
		if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
		await new Promise((resolve) => setTimeout(resolve, 50));
	}
}
