// gateway/roblox-users/roblox-users.ts
// Builds the Roblox users feature from its settings: its own outbound client (short timeout: a person waits) and the service.

import { OutboundHttp } from "../platform/http/outbound-http";
import type { RobloxUserStore } from "./roblox-user-store";
import { RobloxUsersClient, type RobloxApis } from "./roblox-users-client";
import { RobloxUsers } from "./roblox-users-service";

/** A lookup that takes longer shows ids alone: the dashboard is waiting on it. */
const ROBLOX_TIMEOUT_MS = 4_000;

export interface RunningRobloxUsers {
	robloxUsers: RobloxUsers;
	close(): Promise<void>;
}

export function startRobloxUsers(
	settings: { robloxApis: RobloxApis; outboundAllowLoopback: boolean },
	parts: { store: RobloxUserStore; clock: () => number; log: (message: string, err?: unknown) => void },
): RunningRobloxUsers {
	const http = new OutboundHttp({ allowLoopback: settings.outboundAllowLoopback }, ROBLOX_TIMEOUT_MS);
	const client = new RobloxUsersClient(http, settings.robloxApis, parts.clock);
	return { robloxUsers: new RobloxUsers({ store: parts.store, client, clock: parts.clock, log: parts.log }), close: () => http.close() };
}
