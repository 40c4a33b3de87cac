// test/gateway/outbound/sqlite-outbox-stores.test.ts
// Runs the outbox stores' suite against SQLite (the gateway database's file).

import { storeHarness } from "../platform/db/test-databases";
import { NOW, describeOutboxStores } from "./outbox-stores.suite";

describeOutboxStores("SQLite", () => storeHarness("sqlite", "outbox", (stores) => stores, () => NOW));
