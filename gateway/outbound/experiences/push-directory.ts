// gateway/outbound/experiences/push-directory.ts
// Which universes are pushed through Roblox, known in memory so every poll of the events route can ask at no cost.

import type { PushNotice } from "../../../shared/records";
import type { ExperienceStore } from "./experience-store";
import { PUSH_TOPIC } from "./open-cloud-messaging";

const NOTICE: PushNotice = Object.freeze({ topic: PUSH_TOPIC });

export interface PushDirectoryOptions {
	experiences: Pick<ExperienceStore, "listPushing">;
	/** Another read of the links this often (ms): another instance may have changed one. Default 5000. */
	refreshMs?: number;
	log: (message: string, err: unknown) => void;
}

/**
 * Answers `data.push` (docs/fleets.md, "Push through Roblox"): only for a universe linked to the guild
 * whose publish has worked (`push_status` ok). Read again at once when a link changes here or a publish
 * turns push ok or failing, and every few seconds for changes made by other instances.
 */
export class PushDirectory {
	/** The pushed universes of each guild that has any. */
	private pushing = new Map<string, Set<string>>();
	private readonly timer: NodeJS.Timeout;
	private running: Promise<void> | undefined;
	private again = false;
	private closed = false;

	constructor(private readonly options: PushDirectoryOptions) {
		this.timer = setInterval(() => this.refresh(), options.refreshMs ?? 5_000);
		this.timer.unref();
		this.refresh();
	}

	/** `{"topic":"Technified"}` when the guild's universe is pushed, else undefined (the server polls). */
	readonly pushFor = (guildId: string, universeId: string): PushNotice | undefined =>
		this.pushing.get(guildId)?.has(universeId) ? NOTICE : undefined;

	/** Whether any universe of the guild is pushed. */
	readonly guildPushed = (guildId: string): boolean => this.pushing.has(guildId);

	/** Reads the links again; calls meanwhile fold into one more read. Resolves when a read that began after the call ends. */
	refresh(): Promise<void> {
		if (this.closed) return Promise.resolve();
		if (this.running !== undefined) {
			this.again = true;
			return this.running;
		}
		this.running = this.reads().finally(() => {
			this.running = undefined;
		});
		return this.running;
	}

	private async reads(): Promise<void> {
		do {
			this.again = false;
			try {
				const links = await this.options.experiences.listPushing();
				const pushing = new Map<string, Set<string>>();
				for (const { guildId, universeId } of links) pushing.set(guildId, (pushing.get(guildId) ?? new Set()).add(universeId));
				this.pushing = pushing;
			} catch (err) {
				// The last known set stands: a server told to poll or subscribe a few seconds too long misses nothing.
				this.options.log("reading the pushed experiences failed; keeping the last known", err);
			}
		} while (this.again && !this.closed);
	}

	async close(): Promise<void> {
		this.closed = true;
		clearInterval(this.timer);
		await this.running;
	}
}
