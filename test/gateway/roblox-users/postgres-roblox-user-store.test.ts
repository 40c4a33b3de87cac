// test/gateway/roblox-users/postgres-roblox-user-store.test.ts
// Runs the RobloxUserStore contract suite against PostgreSQL, a fresh schema per test.

import { storeHarness } from "../platform/db/test-databases";
import { describeRobloxUserStore } from "./roblox-user-store.suite";

describeRobloxUserStore("PostgreSQL", () => storeHarness("postgres", "roblox_users", (stores) => stores.robloxUsers));
