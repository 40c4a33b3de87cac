// gateway/outbound/webhooks/webhook-messages.ts
// What one webhook attempt sends: a Standard Webhooks signed event, or a Discord webhook message with an embed.

import { randomBytes } from "node:crypto";
import { Webhook } from "standardwebhooks";
import type { OutboundRequest } from "../../platform/http/outbound-http";
import type { StoredDelivery } from "../queue/delivery-queue";
import type { StoredWebhook } from "./webhook-store";

/** A new signing secret: `whsec_` and 24 random bytes in base64, the form the standardwebhooks libraries read. */
export function newWebhookSecret(): string {
	return `whsec_${randomBytes(24).toString("base64")}`;
}

/**
 * The Standard Webhooks request: the stored JSON event as it is, `webhook-id` the delivery's id (the
 * same on every attempt, so receivers drop duplicates), signed over id, timestamp and body.
 */
export function standardRequest(webhook: StoredWebhook, secret: string, delivery: StoredDelivery, now: number): OutboundRequest {
	const sentAt = new Date(now);
	return {
		url: webhook.url,
		method: "POST",
		headers: {
			"content-type": "application/json",
			"webhook-id": delivery.id,
			"webhook-timestamp": String(Math.floor(now / 1000)),
			"webhook-signature": new Webhook(secret).sign(delivery.id, sentAt, delivery.payload),
		},
		body: delivery.payload,
	};
}

/** Embed colours by what happened: red for bans, orange for mutes and warnings, green for lifts. */
const COLOURS: Record<string, number> = {
	"ban.created": 0xd83c3e,
	"ban.lifted": 0x3ba55d,
	"mute.created": 0xf0a020,
	"mute.lifted": 0x3ba55d,
	"experience.link_failing": 0xd83c3e,
	"key.expiring": 0xf0a020,
	"key.auto_expiring": 0xf0a020,
	"key.expired": 0xd83c3e,
	"key.auto_expired": 0xd83c3e,
};

const TITLES: Record<string, string> = {
	"ban.created": "Player banned",
	"ban.lifted": "Ban lifted",
	"mute.created": "Player muted",
	"mute.lifted": "Mute lifted",
	"key.created": "API key created",
	"key.revoked": "API key revoked",
	"key.disabled": "API key disabled",
	"key.rolled": "API key rolled",
	"key.expiring": "API key expiring soon",
	"key.expired": "API key expired",
	"key.auto_expiring": "API key about to auto-expire",
	"key.auto_expired": "API key auto-expired",
	"member.changed": "Operator permissions changed",
	"experience.link_failing": "Roblox experience link failing",
	"moderation.imported": "Bans and mutes imported",
	"webhook.test": "Test message",
};

/** Discord's embed limits: 25 fields, 256-character names, 1024-character values. */
const MAX_FIELDS = 25;
const MAX_FIELD_NAME = 256;
const MAX_FIELD_VALUE = 1024;

function fieldValue(value: unknown): string {
	const text = value === null ? "none" : typeof value === "string" ? value : JSON.stringify(value);
	return (text === "" ? "(empty)" : text).slice(0, MAX_FIELD_VALUE);
}

/** A Discord webhook message (POST to the channel webhook's URL): one embed naming the event and its fields. */
export function discordRequest(webhook: StoredWebhook, delivery: StoredDelivery): OutboundRequest {
	const event = JSON.parse(delivery.payload) as { type: string; timestamp: string; data: Record<string, unknown> };
	const fields = Object.entries(event.data)
		.filter(([name]) => name !== "guild_id")
		.slice(0, MAX_FIELDS)
		.map(([name, value]) => ({ name: name.slice(0, MAX_FIELD_NAME), value: fieldValue(value), inline: true }));
	const message = {
		username: "Technified",
		allowed_mentions: { parse: [] },
		embeds: [{ title: TITLES[event.type] ?? event.type, description: `\`${event.type}\``, color: COLOURS[event.type] ?? 0x5865f2, timestamp: event.timestamp, fields }],
	};
	return { url: webhook.url, method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(message) };
}
