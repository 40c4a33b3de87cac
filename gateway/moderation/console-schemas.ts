// gateway/moderation/console-schemas.ts
// Requests and answers of the dashboard's moderation routes (docs/api.md, "API summary"): the keyed moderation shapes under the admin API.

import { z } from "zod";
import { adminGuildId } from "../keys/key-schemas";
import { placeIdQuery, robloxIdText } from "../platform/http/fields";
import { banStatusData, muteStatusData } from "./moderation-schemas";

export const consoleParams = z.object({ guildId: adminGuildId });
export const consoleStatusParams = z.object({ guildId: adminGuildId, identifier: robloxIdText });
export const consoleStatusQuery = z.object({ place_id: placeIdQuery });

const [notBanned, banned] = banStatusData.options;
const [notMuted, muted] = muteStatusData.options;
const asked = {
	roblox_id: z.string().meta({ description: "Roblox user id" }),
	place_id: z.int().positive().nullable().meta({ description: "The place asked about; null: global records only" }),
};

/** Ban and mute of one user at one instant: ban-status `data` and mute-status `data` side by side. */
export const consoleStatusData = z.union(
	[notBanned, banned].flatMap((ban) => [notMuted, muted].map((mute) => z.object({ ...asked, ...ban.shape, ...mute.shape }))),
);
