// test/gateway/operators/sqlite-operator-store.test.ts
// Runs the OperatorStore contract suite against the SQLite store (the key store's file).

import { SqliteOperatorStore } from "../../../gateway/operators/sqlite-operator-store";
import type { OperatorStore } from "../../../gateway/operators/operator-store";
import { tempDir } from "../keys/fixtures";
import { describeOperatorStore } from "./operator-store.suite";

describeOperatorStore("SQLite", async () => {
	const dir = tempDir();
	const handles: OperatorStore[] = [SqliteOperatorStore.open(dir.path)];
	return {
		store: handles[0],
		async openAnother() {
			const store = SqliteOperatorStore.open(dir.path);
			handles.push(store);
			return store;
		},
		async destroy() {
			for (const store of handles) await store.close();
			dir.remove();
		},
	};
});
