// test/gateway/outbound/postgres-outbox-stores.test.ts
// Runs the outbox stores' suite against PostgreSQL, a fresh schema per test.

import { storeHarness } from "../platform/db/test-databases";
import { NOW, describeOutboxStores } from "./outbox-stores.suite";

describeOutboxStores("PostgreSQL", () => storeHarness("postgres", "outbox", (stores) => stores, () => NOW));
