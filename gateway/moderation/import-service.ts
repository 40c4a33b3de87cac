// gateway/moderation/import-service.ts
// Import jobs: one per guild at a time, read from a file or a remote list, written in pages to the data store, and exports streamed back out.

import { randomBytes } from "node:crypto";
import type { Writable } from "node:stream";
import type { ImportedRecord, ImportOutcome, ModerationRecord, ResetRule } from "../data-store/moderation-store";
import type { GuildResetNotice } from "../changes/change-bus";
import type { ExperienceStore } from "../outbound/experiences/experience-store";
import { OPEN_CLOUD_KEY_PURPOSE } from "../outbound/queue/delivery-worker";
import type { OutboundHttp } from "../platform/http/outbound-http";
import { ApiError, badRequest, notFound } from "../platform/http/envelope";
import type { SecretBox } from "../platform/secrets/secret-box";
import { CSV_HEADER, readCsv, readJsonLines, readLines, toCsvLine, toJsonLine, type ReadLines } from "./import-format";
import { SourceRefused, readHostedTechnified, readRobloxBans, type RemoteReading } from "./import-sources";
import { MAX_REFUSED_KEPT, type ImportJob, type ImportStore } from "./import-store";

/** What a request asks to import: a file's text, or a remote list. */
export type ImportInput =
	| { source: "csv" | "jsonl"; text: string }
	| { source: "technified"; apiKey: string }
	| { source: "roblox"; universeId: string };

/** The data store's part in imports and exports (the one data-store client). */
export interface ImportDataStore {
	importRecords(guildId: string, records: readonly ImportedRecord[], reset: ResetRule): Promise<ImportOutcome>;
	records(guildId: string, after: number, limit: number): Promise<ModerationRecord[]>;
}

export interface ImportParts {
	store: ImportStore;
	dataStore: ImportDataStore;
	experiences: Pick<ExperienceStore, "getExperience">;
	secrets: SecretBox;
	http: OutboundHttp;
	/** The hosted Technified API (TECHNIFIED_API_URL) and Open Cloud (OPEN_CLOUD_URL). */
	technifiedUrl: string;
	openCloudUrl: string;
	/** The one fan-out: caches drop the guild, here and on every instance. */
	announceChange: (change: GuildResetNotice) => void;
	clock: () => number;
	log: (message: string, err: unknown) => void;
	/** Waits out a remote 429; tests shorten it. */
	sleep?: (ms: number) => Promise<void>;
}

/** Records per call to the data store: one transaction each. */
const PAGE = 5_000;
/** Records per read of an export. */
const EXPORT_PAGE = 2_000;
/** A running job writes a heartbeat this often; one silent for STALE_MS was cut short by a restart. */
const HEARTBEAT_MS = 15_000;
const STALE_MS = 60_000;
const INTERRUPTED =
	"The gateway stopped while this import ran. Pages written before it stopped are kept; run the same import again: what is already there is skipped";

const newImportId = () => `imp_${randomBytes(12).toString("hex")}`;

export class ImportService {
	/** Set by `close`: a job cut short is left running, for the next start to report. */
	private closing = false;

	constructor(private readonly parts: ImportParts) {}

	/** Reports the imports a stopped gateway left running (run at start, and before each read). */
	async reportInterrupted(): Promise<void> {
		const now = this.parts.clock();
		await this.parts.store.failStale(now - STALE_MS, INTERRUPTED, now);
	}

	/** Starts an import job; 409 while another runs for the guild, 400 for a universe not linked. */
	async start(guildId: string, input: ImportInput, actor: string): Promise<ImportJob> {
		await this.reportInterrupted();
		let robloxKey: string | undefined;
		if (input.source === "roblox") {
			const link = await this.parts.experiences.getExperience(guildId, input.universeId);
			if (link === undefined) throw badRequest(`Universe ${input.universeId} is not linked to this guild; link it under Experiences first`);
			robloxKey = this.parts.secrets.open(link.sealedKey, OPEN_CLOUD_KEY_PURPOSE);
		}
		const now = this.parts.clock();
		const job: ImportJob = {
			id: newImportId(),
			guildId,
			source: input.source,
			status: "running",
			actor,
			rowsRead: 0,
			imported: 0,
			skipped: 0,
			refusedCount: 0,
			refused: [],
			error: null,
			createdAt: now,
			heartbeatAt: now,
			finishedAt: null,
		};
		if (!(await this.parts.store.begin(job))) throw new ApiError(409, "import_running", "An import is already running for this guild; wait for it to end");
		void this.run(job, input, robloxKey).catch((err: unknown) => this.parts.log("an import job could not record its end", err));
		return { ...job };
	}

	async get(guildId: string, importId: string): Promise<ImportJob> {
		await this.reportInterrupted();
		const job = await this.parts.store.get(guildId, importId);
		if (job === undefined) throw notFound("Import not found");
		return job;
	}

	/** Writes every ban and mute of the guild, with its history, in the import's columns. */
	async export(guildId: string, format: "csv" | "jsonl", out: Writable): Promise<void> {
		if (format === "csv") out.write(CSV_HEADER);
		let after = 0;
		for (;;) {
			const page = await this.parts.dataStore.records(guildId, after, EXPORT_PAGE);
			if (page.length > 0) {
				const text = page.map(format === "csv" ? toCsvLine : toJsonLine).join("");
				// Waits for the client to take a page before reading the next: memory stays one page.
				if (!out.write(text)) await new Promise((resolve) => out.once("drain", resolve));
			}
			if (page.length < EXPORT_PAGE) return;
			after = page[page.length - 1].id;
		}
	}

	/**
	 * Stops without waiting for running jobs (a hosted API may keep one waiting for minutes): each stops
	 * at its next step, written pages kept, and the next start reports it as cut short.
	 */
	close(): void {
		this.closing = true;
	}

	private async run(job: ImportJob, input: ImportInput, robloxKey: string | undefined): Promise<void> {
		const { store, clock } = this.parts;
		const saveProgress = () => store.progress(job.id, job, clock()).catch((err: unknown) => this.parts.log("an import's progress was not saved", err));
		const heartbeat = setInterval(() => void saveProgress(), HEARTBEAT_MS);
		heartbeat.unref();
		try {
			const read = await this.read(job, input, robloxKey, async (rows) => {
				job.rowsRead = rows;
				await saveProgress();
			});
			if (this.closing) return;
			job.rowsRead = read.read;
			job.refusedCount = read.refused.length;
			job.refused = read.refused.slice(0, MAX_REFUSED_KEPT);
			for (let at = 0; at < read.records.length; at += PAGE) {
				if (this.closing) return;
				const last = at + PAGE >= read.records.length;
				const reset: ResetRule = !last ? "never" : job.imported > 0 ? "always" : "if_imported";
				const outcome = await this.parts.dataStore.importRecords(job.guildId, read.records.slice(at, at + PAGE), reset);
				job.imported += outcome.imported;
				job.skipped += outcome.skipped;
				await saveProgress();
			}
			job.status = "done";
		} catch (err) {
			if (this.closing) return;
			job.status = "failed";
			job.error = err instanceof SourceRefused ? err.message : "The import failed on the gateway's side; see its log, then run it again";
			if (!(err instanceof SourceRefused)) this.parts.log("an import failed", err);
		} finally {
			clearInterval(heartbeat);
		}
		// Bans bite at once: every instance drops the guild's cached statuses.
		if (job.imported > 0) this.parts.announceChange({ kind: "reset", guildId: job.guildId });
		job.heartbeatAt = job.finishedAt = clock();
		await store.finish(job, {
			guildId: job.guildId,
			type: "moderation.imported",
			at: job.finishedAt,
			data: {
				guild_id: job.guildId,
				import_id: job.id,
				source: job.source,
				status: job.status,
				imported: job.imported,
				skipped: job.skipped,
				refused: job.refusedCount,
				error: job.error,
				actor: job.actor,
			},
		});
	}

	private async read(job: ImportJob, input: ImportInput, robloxKey: string | undefined, onPage: (read: number) => Promise<void>): Promise<ReadLines> {
		const reading: RemoteReading = { http: this.parts.http, sleep: this.parts.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms))), onPage };
		switch (input.source) {
			case "csv":
				return readCsv(input.text, job.actor);
			case "jsonl":
				return readJsonLines(input.text, job.actor);
			case "technified":
				return readLines(await readHostedTechnified(reading, this.parts.technifiedUrl, job.guildId, input.apiKey), job.actor);
			case "roblox":
				return readLines(await readRobloxBans(reading, this.parts.openCloudUrl, input.universeId, robloxKey ?? ""), job.actor);
		}
	}
}
