// gateway/cli/moving-commands.ts
// The operator CLI's import and export commands (docs/import-export.md): a file or a remote source in, a file out.

import { createWriteStream } from "node:fs";
import { readFile } from "node:fs/promises";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { Command, Option } from "commander";
import type { ImportProgress } from "../../shared/records";
import { CliError, client, print, type GlobalOptions } from "./admin-client";

/** A file's content type by its name. */
function fileType(file: string): string {
	if (/\.csv$/i.test(file)) return "text/csv";
	if (/\.(jsonl|ndjson)$/i.test(file)) return "application/x-ndjson";
	throw new CliError(`cannot tell the format of ${file}: name it .csv, .jsonl or .ndjson`);
}

/** How many refused lines the text view lists; --json gives them all. */
const SHOWN_REFUSALS = 20;

function outcome(job: ImportProgress): string {
	const lines = [`Import ${job.id} ${job.status}: ${job.imported} imported, ${job.skipped} skipped (already there), ${job.refused} refused, of ${job.rows_read} read.`];
	if (job.error !== null) lines.push(job.error);
	for (const refused of job.refused_lines.slice(0, SHOWN_REFUSALS)) lines.push(`  line ${refused.line}: ${refused.reason}`);
	if (job.refused > SHOWN_REFUSALS) lines.push(`  … and ${job.refused - SHOWN_REFUSALS} more (--json lists ${job.refused_lines.length})`);
	return lines.join("\n");
}

/** Adds `import` and `export` to the operator CLI's program. */
export function addMovingCommands(program: Command): void {
	const guildOption = () => new Option("--guild <id>", "the Discord guild id").makeOptionMandatory();

	program
		.command("import")
		.description("import bans and mutes from a CSV or JSON-lines file, the hosted Technified API, or a linked experience's Roblox bans")
		.argument("[file]", "a .csv (first line names the columns) or .jsonl file")
		.addOption(guildOption())
		.addOption(new Option("--from <source>", "import from a remote source instead of a file").choices(["technified", "roblox"]))
		.option("--api-key <key>", "with --from technified: a key of the hosted API (used for this import only, never stored)")
		.option("--universe <id>", "with --from roblox: a universe linked to the guild")
		.action(async (file: string | undefined, _options, command: Command) => {
			const options = command.optsWithGlobals<GlobalOptions & { guild: string; from?: "technified" | "roblox"; apiKey?: string; universe?: string }>();
			let body: { text: string; type: string };
			if (options.from === "technified") {
				if (options.apiKey === undefined) throw new CliError("--from technified needs --api-key <key>");
				body = { text: JSON.stringify({ source: "technified", api_key: options.apiKey }), type: "application/json" };
			} else if (options.from === "roblox") {
				if (options.universe === undefined) throw new CliError("--from roblox needs --universe <id>");
				body = { text: JSON.stringify({ source: "roblox", universe_id: options.universe }), type: "application/json" };
			} else {
				if (file === undefined) throw new CliError("name a file to import, or a source with --from");
				body = { text: await readFile(file, "utf8"), type: fileType(file) };
			}
			const admin = await client(options);
			const base = `/guilds/${encodeURIComponent(options.guild)}/moderation`;
			let job = (await admin.send<{ import: ImportProgress }>("POST", `${base}/import`, body)).import;
			while (job.status === "running") {
				await new Promise((resolve) => setTimeout(resolve, 500));
				job = (await admin.call<{ import: ImportProgress }>("GET", `${base}/imports/${job.id}`)).import;
				if (!options.json && job.status === "running") console.error(`… ${job.rows_read} read, ${job.imported} imported`);
			}
			print(options, { import: job }, outcome(job));
			if (job.status === "failed") process.exitCode = 1;
		});

	program
		.command("export")
		.description("every ban and mute of the guild with its history, in the import's columns")
		.addOption(guildOption())
		.addOption(new Option("--format <format>", "csv or jsonl").choices(["csv", "jsonl"]).default("csv"))
		.option("--out <file>", "write to this file (default: standard output)")
		.action(async (_options, command: Command) => {
			const options = command.optsWithGlobals<GlobalOptions & { guild: string; format: "csv" | "jsonl"; out?: string }>();
			const admin = await client(options);
			const response = await admin.stream(`/guilds/${encodeURIComponent(options.guild)}/moderation/export?format=${options.format}`);
			if (response.body === null) return;
			await pipeline(Readable.fromWeb(response.body), options.out === undefined ? process.stdout : createWriteStream(options.out));
		});
}
