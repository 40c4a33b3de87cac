// test/luau/harness/messaging-hub.ts
// Roblox's MessagingService backend between emulated servers of one universe
// (create.roblox.com/docs/reference/engine/classes/MessagingService): a message published to a topic,
// from Open Cloud (`universes/{id}:publishMessage`) or a server's PublishAsync, reaches every server's
// subscribers "typically within 1-2 seconds", at best effort: here each server's copy is dropped or
// delayed by a seeded draw, or as the test says for one server.

import { random } from "../../../bench/join-requests";
import type { Transport, World } from "./luau-host";

/** The message size limit of the MessagingService page (1 kB). */
const MESSAGE_LIMIT_BYTES = 1024;

export interface Delivery {
	/** Servers that must not get this message (Roblox dropped it for them). */
	drop?: World[];
	/** Seconds until it reaches the servers; otherwise drawn between the hub's minDelay and maxDelay. */
	delay?: number;
}

export interface HubSettings {
	seed?: number;
	/** Share of each server's copies dropped at random (0 to 1). */
	dropRate?: number;
	minDelay?: number;
	maxDelay?: number;
}

export class MessagingHub {
	private readonly servers: World[] = [];
	private readonly draw: () => number;
	private readonly queued: Array<{ topic: string; data: string }> = [];
	/** Every copy: which server, dropped or when it arrives (seconds after publishing). */
	readonly copies: Array<{ server: number; topic: string; dropped: boolean; delay: number }> = [];
	private readonly dropRate: number;
	private readonly minDelay: number;
	private readonly maxDelay: number;

	constructor(settings: HubSettings = {}) {
		this.draw = random(settings.seed ?? 11);
		this.dropRate = settings.dropRate ?? 0;
		this.minDelay = settings.minDelay ?? 0.1;
		this.maxDelay = settings.maxDelay ?? 1.5;
	}

	/** The emulated server joins the universe. */
	add(server: World) {
		this.servers.push(server);
		return server;
	}

	/** A transport whose servers' PublishAsync calls reach this hub (delivered at the next `deliverQueued`). */
	wrap(transport: Transport): Transport {
		return Object.assign((request: Parameters<Transport>[0]) => transport(request), transport, {
			publish: (topic: string, data: unknown) => {
				this.queued.push({ topic, data: typeof data === "string" ? data : JSON.stringify(data) });
			},
		});
	}

	/** Publishes `data` to `topic` of every server, as Open Cloud's publishMessage does. */
	async publish(topic: string, data: string, delivery: Delivery = {}) {
		if (topic.length < 1 || topic.length > 80) throw new Error("a topic is 1 to 80 characters");
		if (Buffer.byteLength(data) > MESSAGE_LIMIT_BYTES) throw new Error("a message is at most 1 kB");
		for (const [index, server] of this.servers.entries()) {
			const dropped = (delivery.drop ?? []).includes(server) || this.draw() < this.dropRate;
			const delay = delivery.delay ?? this.minDelay + this.draw() * (this.maxDelay - this.minDelay);
			this.copies.push({ server: index, topic, dropped, delay });
			if (!dropped) await server.deliverMessage(topic, data, delay, 0);
		}
	}

	/** What servers published with PublishAsync since the last call, delivered to every server (the sender too). */
	async deliverQueued() {
		for (const message of this.queued.splice(0)) await this.publish(message.topic, message.data);
	}

	/** Moves every server's clock by `seconds`, in steps of `step`, so they stay in lockstep. */
	async advance(seconds: number, step = 1) {
		for (let moved = 0; moved < seconds; moved += step) {
			await this.deliverQueued();
			for (const server of this.servers) await server.advance(Math.min(step, seconds - moved));
		}
	}
}
