// test/gateway/roblox-users/sqlite-roblox-user-store.test.ts
// Runs the RobloxUserStore contract suite against the SQLite store (the gateway database's file).

import { storeHarness } from "../platform/db/test-databases";
import { describeRobloxUserStore } from "./roblox-user-store.suite";

describeRobloxUserStore("SQLite", () => storeHarness("sqlite", "roblox_users", (stores) => stores.robloxUsers));
