// test/gateway/operators/postgres-operator-store.test.ts
// Runs the OperatorStore contract suite against PostgreSQL, a fresh schema per test.

import { PostgresOperatorStore } from "../../../gateway/operators/postgres-operator-store";
import type { OperatorStore } from "../../../gateway/operators/operator-store";
import { createTestSchema } from "../platform/db/test-schema";
import { describeOperatorStore } from "./operator-store.suite";

const quiet = () => {};

describeOperatorStore("PostgreSQL", async () => {
	const schema = await createTestSchema("operators");
	const open = () => PostgresOperatorStore.open({ connectionString: schema.url, log: quiet });
	const handles: OperatorStore[] = [await open()];
	return {
		store: handles[0],
		async openAnother() {
			const store = await open();
			handles.push(store);
			return store;
		},
		async destroy() {
			for (const store of handles) await store.close();
			await schema.drop();
		},
	};
});
