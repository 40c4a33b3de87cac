// test/gateway/operators/sqlite-operator-store.test.ts
// Runs the OperatorStore contract suite against the SQLite store (the gateway database's file).

import { storeHarness } from "../platform/db/test-databases";
import { describeOperatorStore } from "./operator-store.suite";

describeOperatorStore("SQLite", () => storeHarness("sqlite", "operators", (stores) => stores.operators));
