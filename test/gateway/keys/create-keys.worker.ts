// test/gateway/keys/create-keys.worker.ts
// A child process for the cross-process limit test: creates keys in one guild, prints how many it got.

import { startKeys } from "../../../gateway/keys/keys";
import { SqliteKeyStore } from "../../../gateway/keys/sqlite-key-store";
import { openSqliteGatewayDatabase } from "../../../gateway/platform/db/gateway-database";
import { ApiError } from "../../../gateway/platform/http/envelope";

const [dir, guildId, attempts, startAt] = process.argv.slice(2);
const database = openSqliteGatewayDatabase(dir);
const keys = await startKeys({ store: new SqliteKeyStore(database.sqlite) });
// Every process starts creating at the same moment, once all have paid their start-up time.
await new Promise((resolve) => setTimeout(resolve, Math.max(0, Number(startAt) - Date.now())));
let created = 0;
for (let i = 0; i < Number(attempts); i++) {
	try {
		await keys.admin.create(guildId, {}, { actor: { type: "admin_token" }, address: null });
		created++;
	} catch (err) {
		if (!(err instanceof ApiError && err.code === "key_limit_reached")) throw err;
	}
}
await keys.close();
await database.close();
process.stdout.write(`${created}\n`);
