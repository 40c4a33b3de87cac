// gateway/data-store/open-moderation-store.ts
// Opens the data store's own database: PostgreSQL when DATABASE_URL is set, else moderation.sqlite under DATA_DIR.

import type { ModerationStore } from "./moderation-store";
import { PostgresModerationStore } from "./postgres-moderation-store";
import { SqliteModerationStore } from "./sqlite-moderation-store";
import { opened, type StorePlace } from "../platform/db/store-place";

/**
 * Bans and mutes for the embedded data store: in the same PostgreSQL database as the keys when
 * DATABASE_URL is set, so every instance's embedded data store reads and writes the same bans.
 */
export async function openModerationStore(config: StorePlace, clock: () => number): Promise<ModerationStore> {
	return opened<ModerationStore>(config, () =>
		config.databaseUrl !== undefined
			? PostgresModerationStore.open({ connectionString: config.databaseUrl, clock })
			: SqliteModerationStore.open({ dataDir: config.dataDir, clock }),
	);
}
