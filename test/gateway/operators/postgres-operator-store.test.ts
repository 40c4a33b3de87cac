// test/gateway/operators/postgres-operator-store.test.ts
// Runs the OperatorStore contract suite against PostgreSQL, a fresh schema per test.

import { storeHarness } from "../platform/db/test-databases";
import { describeOperatorStore } from "./operator-store.suite";

describeOperatorStore("PostgreSQL", () => storeHarness("postgres", "operators", (stores) => stores.operators));
