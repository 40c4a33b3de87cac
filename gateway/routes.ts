// gateway/routes.ts
// Every route the gateway serves, by feature: the app and the admin mount register these lists, the OpenAPI document reads them.

import { DISCORD_ROUTES } from "./discord/interaction-routes";
import { DOCS_ROUTES } from "./api-docs/docs-router";
import { HEALTH_ROUTES } from "./health/health";
import { KEY_ROUTES } from "./keys/key-routes";
import { CONSOLE_ROUTES } from "./moderation/console-routes";
import { IMPORT_ROUTES } from "./moderation/import-routes";
import { MODERATION_ROUTES } from "./moderation/moderation-routes";
import { OPERATOR_ROUTES, SIGN_IN_ROUTES } from "./operators/operator-routes";
import { OUTBOUND_ROUTES } from "./outbound/outbound-routes";
import { ROBLOX_MODEL_ROUTES } from "./roblox-model/roblox-model-routes";
import { ROBLOX_USERS_ROUTES } from "./roblox-users/roblox-users-routes";
import { SERVER_ADMIN_ROUTES, SERVER_ROUTES } from "./servers/servers-routes";

/** In the order the reference lists them; each list is registered in its own order (Express matches in that order). */
export const ROUTES = {
	moderation: MODERATION_ROUTES,
	servers: SERVER_ROUTES,
	keys: KEY_ROUTES,
	console: CONSOLE_ROUTES,
	serverAdmin: SERVER_ADMIN_ROUTES,
	imports: IMPORT_ROUTES,
	outbound: OUTBOUND_ROUTES,
	robloxModel: ROBLOX_MODEL_ROUTES,
	robloxUsers: ROBLOX_USERS_ROUTES,
	signIn: SIGN_IN_ROUTES,
	operators: OPERATOR_ROUTES,
	discord: DISCORD_ROUTES,
	health: HEALTH_ROUTES,
	docs: DOCS_ROUTES,
} as const;

/** Every declared route, in the reference's order. */
export const ALL_ROUTES = Object.values(ROUTES).flat();
