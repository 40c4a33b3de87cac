// gateway/roblox-model/roblox-model-routes.ts
// The Roblox model download of the admin API (README, "Quick start"), [view], declared once.

import { z } from "zod";
import { guildParams } from "../keys/key-schemas";
import { ApiError } from "../platform/http/envelope";
import { readPart } from "../platform/http/fields";
import { defineRoute, type Route } from "../platform/http/route";
import { modelFor, SECRET_NAME } from "./roblox-model";

export interface RobloxModelParts {
	/** PUBLIC_URL without a trailing slash, if set: the address Roblox's servers reach. */
	publicUrl: string | undefined;
}

export const ROBLOX_MODEL_ROUTES: readonly Route<RobloxModelParts>[] = [
	defineRoute({
		method: "get",
		path: "/admin/v1/guilds/:guildId/roblox-model",
		tag: "Operators",
		summary: "Download the Roblox model, configured for this gateway and guild",
		description:
			"`Technified.rbxmx` (Roblox's XML model format) for ServerScriptService. Its `Config` has `baseUrl` = PUBLIC_URL + `/api/v1`, " +
			`this guild's id and the Secret name \`${SECRET_NAME}\`; never a key. 409 \`public_url_unset\` while PUBLIC_URL is not set ` +
			"(Roblox's servers must reach the gateway at a public address); 503 when the model was not built (`npm run build`).",
		guard: { caller: "admin", need: { permission: ["view"] } },
		request: { params: guildParams },
		answers: [
			{
				status: 200,
				description: "The model file, as an attachment named Technified.rbxmx",
				data: { text: "application/xml", schema: z.string().meta({ example: '<roblox version="4">\n\t<Item class="Folder" referent="RBX0">…</Item>\n</roblox>\n' }) },
			},
		],
		errors: [409],
		conflicts: ["public_url_unset"],
		handle: ({ publicUrl }) => [
			async (req, res) => {
				const { guildId } = readPart(guildParams, req.params);
				if (publicUrl === undefined) {
					throw new ApiError(409, "public_url_unset", "Set PUBLIC_URL to the gateway's public https address (for example https://bans.example.com) and restart: the model's Config points there");
				}
				const model = await modelFor({ publicUrl, guildId });
				res.attachment("Technified.rbxmx").type("application/xml").send(model);
			},
		],
	}),
];
