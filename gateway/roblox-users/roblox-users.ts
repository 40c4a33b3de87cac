// gateway/roblox-users/roblox-users.ts
// Builds the Roblox users feature from its settings: its own outbound client (short timeout: a person waits) and the service.

import { OutboundHttp } from "../platform/http/outbound-http";
import type { RobloxUserStore } from "./roblox-user-store";
import { RobloxUsersClient, type RobloxApis } from "./roblox-users-client";
import { RobloxUsers } from "./roblox-users-service";

/** A lookup that takes longer shows ids alone: the dashboard is waiting on it. */
const ROBLOX_TIMEOUT_MS = 4_000;
/** What was learnt is answered for 24 hours, then kept a week longer for Roblox's outages, then forgotten. */
const KEPT_MS = 8 * 24 * 60 * 60 * 1000;
const FORGET_EVERY_MS = 60 * 60 * 1000;

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
	const forget = setInterval(() => {
		parts.store.forgetBefore(parts.clock() - KEPT_MS).catch((err: unknown) => parts.log("Old Roblox names could not be forgotten", err));
	}, FORGET_EVERY_MS);
	forget.unref();
	return {
		robloxUsers: new RobloxUsers({ store: parts.store, client, clock: parts.clock, log: parts.log }),
		close: () => {
			clearInterval(forget);
			return http.close();
		},
	};
}
