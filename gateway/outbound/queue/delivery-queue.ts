// gateway/outbound/queue/delivery-queue.ts
// The storage interface of the delivery queue: which deliveries are due, who is sending them, and how each attempt ended.

import type { OutboxEvent } from "./outbox-events";

/** A webhook by id; a linked universe's ban mirror (`experience`) or its push (`push`), by universe id. */
export type DeliveryTarget = { kind: "webhook"; id: string } | { kind: "experience"; id: string } | { kind: "push"; id: string };

export interface Attempt {
	/** Unix seconds. */
	at: number;
	statusCode: number | null;
	error: string | null;
}

export interface StoredDelivery {
	/** Also the Standard Webhooks `webhook-id`: the same on every attempt of one event. */
	id: string;
	guildId: string;
	target: DeliveryTarget;
	event: string;
	/** The JSON event `{type, timestamp, data}`, exactly as signed and sent. */
	payload: string;
	status: "pending" | "delivered" | "failed";
	/** Failed attempts in the current round (a redelivery starts a new round): the retry schedule's position. */
	tries: number;
	/** Unix milliseconds; null once delivered or failed. */
	nextAttemptAt: number | null;
	createdAt: number;
	attempts: Attempt[];
}

/** What an attempt ended in, as the worker decides it. */
export type AttemptOutcome =
	| { result: "delivered"; attempt: Attempt }
	| { result: "retry"; attempt: Attempt; nextAttemptAt: number }
	| { result: "failed"; attempt: Attempt }
	/** Not attempted (a push held back by the universe's rate): due again at `nextAttemptAt`, no try spent. */
	| { result: "deferred"; nextAttemptAt: number };

/** In the gateway database, beside the keys, so key changes enqueue their events in their own transaction. */
export interface DeliveryQueue {
	/** Writes the event for every matching target (webhooks asking for it; linked experiences for bans). */
	enqueue(event: OutboxEvent): Promise<void>;
	/**
	 * Leases up to `limit` due pending deliveries to `owner` until `leaseUntil` (ms). A leased row is
	 * not handed to anyone else until the lease ends, so no two workers send one attempt at once.
	 */
	lease(owner: string, now: number, leaseUntil: number, limit: number): Promise<StoredDelivery[]>;
	/**
	 * Also leases to `owner` the target's other pending deliveries that no one holds, due or not, oldest
	 * first, up to `limit`: pushes waiting together go out in one message.
	 */
	leaseTarget(owner: string, guildId: string, target: DeliveryTarget, now: number, leaseUntil: number, limit: number): Promise<StoredDelivery[]>;
	/** Records the attempt and its outcome, if `owner` still holds the lease. */
	finish(id: string, owner: string, outcome: AttemptOutcome): Promise<void>;
	/** Drops delivered and failed deliveries (with their attempts) created before `before` (ms), to bound the tables. */
	pruneFinished(before: number): Promise<void>;
}
