// gateway/keys/key-routes.ts
// The key management routes of the admin API (docs/api.md, "API summary"): declared once for the router and the OpenAPI document.

import type { Request } from "express";
import { sendSuccess } from "../platform/http/envelope";
import { readPart } from "../platform/http/fields";
import { defineRoute, type Route } from "../platform/http/route";
import { accessOf, changedBy, visibleKeys } from "../operators/access";
import type { KeyAdmin } from "./key-admin";
import { readAuditLimit, readKeyUpdate, readNewKey, readRollOverlap, readUsageQuery } from "./key-commands";
import {
	auditData,
	auditQuery,
	createKeyBody,
	guildParams,
	keyIssuedData,
	keyListData,
	keyParams,
	keyRecordData,
	rollKeyBody,
	updateKeyBody,
	usageData,
	usageQuery,
} from "./key-schemas";

export interface KeyRouteParts {
	keys: KeyAdmin;
}

const KEYS = "/admin/v1/guilds/:guildId/keys";
const guildOf = (req: Request) => readPart(guildParams, req.params).guildId;
/** Express types a param as possibly repeated once a route has more than one handler; ours never are. */
const keyOf = (req: Request) => String(req.params.keyId);

/** A key as the admin API shows it, for the examples. */
const KEY_RECORD = {
	id: "00000000-0000-4000-8000-000000000000",
	guild_id: "123456789012345678",
	prefix: "technified_123456789012345678_a1B2c3",
	name: "game servers",
	status: "active",
	scopes: ["moderation:read", "moderation:write"],
	allowed_cidrs: [],
	created_at: 1_750_000_000,
	last_used_at: null,
	expires_at: null,
	revoked_at: null,
	created_by: { type: "admin_token", id: null, name: null },
	description: null,
	last_used_ip: null,
	rate_limits: null,
};

const key = (fields: Omit<Route<KeyRouteParts>, "tag">): Route<KeyRouteParts> => defineRoute({ tag: "API keys", ...fields });

const transitions = [
	{
		action: "revoke",
		done: "revoked",
		description: "Final: a revoked key never works again, and frees its slot. Takes effect on the next request on every instance.",
	},
	{ action: "disable", done: "disabled", description: "409 `key_revoked` for a revoked key." },
	{
		action: "enable",
		done: "enabled",
		description:
			"409 `key_revoked` for a revoked key; 409 `key_roll_required` for a `moderated`, `user_moderated` or `creator_removed` key: only a roll makes it active.",
	},
] as const;

export const KEY_ROUTES: readonly Route<KeyRouteParts>[] = [
	key({
		method: "get",
		path: KEYS,
		summary: "List the guild's keys",
		guard: { caller: "admin", need: { keyListing: true } },
		request: { params: guildParams },
		answers: [{ status: 200, description: "API keys retrieved", data: keyListData, example: { message: "API keys retrieved", data: { keys: [KEY_RECORD] } } }],
		handle: ({ keys }) => [
			async (req, res) => {
				const guildId = guildOf(req);
				sendSuccess(res, 200, "API keys retrieved", { keys: visibleKeys(accessOf(res), guildId, await keys.list(guildId)) });
			},
		],
	}),
	key({
		method: "post",
		path: KEYS,
		summary: "Create a key",
		description: "At most 3 keys per guild that are not revoked (409 `key_limit_reached`). The full key is in `data.key`, this once.",
		guard: { caller: "admin", need: { permission: ["create_keys"] } },
		request: { params: guildParams, body: { schema: createKeyBody, required: false, example: { name: "game servers" } } },
		answers: [
			{
				status: 201,
				description: "API key created; store it now, it will not be shown again",
				data: keyIssuedData,
				example: {
					message: "API key created; store it now, it will not be shown again",
					data: { key: "technified_123456789012345678_a1B2c3…", api_key: KEY_RECORD },
				},
			},
		],
		errors: [409],
		conflicts: ["key_limit_reached"],
		handle: ({ keys }) => [
			async (req, res) => {
				const { key: text, record } = await keys.create(guildOf(req), readNewKey(req.body), changedBy(req, res));
				sendSuccess(res, 201, "API key created; store it now, it will not be shown again", { key: text, api_key: record });
			},
		],
	}),
	...transitions.map(({ action, done, description }) =>
		key({
			method: "post",
			path: `${KEYS}/:keyId/${action}`,
			summary: `${action[0].toUpperCase()}${action.slice(1)} a key`,
			description,
			guard: { caller: "admin", need: { key: "change" } },
			request: { params: keyParams },
			answers: [{ status: 200, description: `API key ${done}`, data: keyRecordData }],
			// Revoking a revoked key answers its record: only the other two conflict.
			...(action === "revoke"
				? { errors: [404] }
				: { errors: [404, 409], conflicts: action === "enable" ? (["key_revoked", "key_roll_required"] as const) : (["key_revoked"] as const) }),
			handle: ({ keys }) => [
				async (req, res) => {
					const record = await keys[action](guildOf(req), keyOf(req), changedBy(req, res));
					sendSuccess(res, 200, `API key ${done}`, { api_key: record });
				},
			],
		}),
	),
	key({
		method: "patch",
		path: `${KEYS}/:keyId`,
		summary: "Change a key's name, addresses or expiry",
		description: "Scopes are fixed at creation. Any update reactivates an `auto_expired` key.",
		guard: { caller: "admin", need: { key: "change" } },
		request: { params: keyParams, body: { schema: updateKeyBody, required: true, example: { name: "renamed" } } },
		answers: [{ status: 200, description: "API key updated", data: keyRecordData }],
		errors: [404, 409],
		conflicts: ["key_revoked"],
		handle: ({ keys }) => [
			async (req, res) => {
				const record = await keys.update(guildOf(req), keyOf(req), readKeyUpdate(req.body), changedBy(req, res));
				sendSuccess(res, 200, "API key updated", { api_key: record });
			},
		],
	}),
	key({
		method: "delete",
		path: `${KEYS}/:keyId`,
		summary: "Delete a revoked key",
		description: "409 `key_not_revoked` unless the key is revoked; its audit events stay.",
		guard: { caller: "admin", need: { key: "change" } },
		request: { params: keyParams },
		answers: [{ status: 204, description: "Deleted", data: null }],
		errors: [404, 409],
		conflicts: ["key_not_revoked"],
		handle: ({ keys }) => [
			async (req, res) => {
				await keys.delete(guildOf(req), keyOf(req), changedBy(req, res));
				res.status(204).end();
			},
		],
	}),
	key({
		method: "post",
		path: `${KEYS}/:keyId/roll`,
		summary: "Give a key a new secret",
		description: "The new full key is in `data.key`, this once; the previous secret keeps working for `expire_previous_in_seconds`.",
		guard: { caller: "admin", need: { key: "change" } },
		request: { params: keyParams, body: { schema: rollKeyBody, required: false, example: { expire_previous_in_seconds: 3600 } } },
		answers: [{ status: 200, description: "API key rolled; store the new key now, it will not be shown again", data: keyIssuedData }],
		errors: [404, 409],
		conflicts: ["key_revoked"],
		handle: ({ keys }) => [
			async (req, res) => {
				const overlap = readRollOverlap(req.body);
				const { key: text, record } = await keys.roll(guildOf(req), keyOf(req), overlap, changedBy(req, res));
				sendSuccess(res, 200, "API key rolled; store the new key now, it will not be shown again", { key: text, api_key: record });
			},
		],
	}),
	key({
		method: "post",
		path: `${KEYS}/:keyId/moderate`,
		summary: "Moderate a key (platform operator only)",
		description:
			"Resets the key for security reasons: it turns `moderated` and stops working on the next request, on every instance, until " +
			"someone allowed rolls it. Only `Authorization: Bearer <ADMIN_TOKEN>` may; an operator's session gets 403 `permission_denied`.",
		guard: { caller: "admin", need: { platformOperator: true } },
		request: { params: keyParams },
		answers: [{ status: 200, description: "API key moderated; roll it to give it a new secret", data: keyRecordData }],
		errors: [404, 409],
		conflicts: ["key_revoked"],
		handle: ({ keys }) => [
			async (req, res) => {
				const record = await keys.moderate(guildOf(req), keyOf(req), changedBy(req, res));
				sendSuccess(res, 200, "API key moderated; roll it to give it a new secret", { api_key: record });
			},
		],
	}),
	key({
		method: "get",
		path: "/admin/v1/guilds/:guildId/audit",
		summary: "The guild's key, member, webhook and experience events",
		description:
			"Newest first, each with its actor and address. `key_id` is null for events about no key: members, suspensions, " +
			"webhooks (`webhook_*`) and linked experiences (`experience_*`; `experience_link_failing` names the actor `system`), " +
			"Discord slash commands (`discord_command`, naming the Discord member and the command), and commands sent to live servers (`server_command_sent`).",
		guard: { caller: "admin", need: { permission: ["administer_keys"] } },
		request: { params: guildParams, query: auditQuery },
		answers: [{ status: 200, description: "Audit events retrieved", data: auditData }],
		handle: ({ keys }) => [
			async (req, res) => {
				const limit = readAuditLimit(req.query);
				sendSuccess(res, 200, "Audit events retrieved", { events: await keys.audit(guildOf(req), limit) });
			},
		],
	}),
	key({
		method: "get",
		path: `${KEYS}/:keyId/usage`,
		summary: "Requests per minute or hour",
		guard: { caller: "admin", need: { key: "view" } },
		request: { params: keyParams, query: usageQuery },
		answers: [{ status: 200, description: "Usage retrieved", data: usageData }],
		errors: [404],
		handle: ({ keys }) => [
			async (req, res) => {
				const query = readUsageQuery(req.query);
				sendSuccess(res, 200, "Usage retrieved", await keys.usage(guildOf(req), keyOf(req), query));
			},
		],
	}),
];
