// gateway/dashboard/web/src/import-page.ts
// The Import page of one guild: bring bans and mutes in from a file, the hosted Technified API or a linked experience, and follow the job to its counts.

import { AdminApi, AdminApiError } from "./admin-api";
import { byId, el, labelledField as field, setFieldError, withProgress } from "./dom";
import type { ImportProgress } from "../../../../shared/records";
import { savedAdminToken } from "./session";


type Source = "file" | "technified" | "roblox";

const FILE_TYPES: Record<string, string> = { csv: "text/csv", jsonl: "application/x-ndjson", ndjson: "application/x-ndjson" };
const POLL_MS = 500;

const input = (id: string) => byId(id, HTMLInputElement);
const line = (id: string) => byId(id, HTMLElement);
const messageOf = (err: unknown) => (err instanceof Error ? err.message : String(err));

/** Fills `#import-view` (empty in index.html). */
function buildImportView(root: HTMLElement): void {
	const choice = (value: Source, label: string, checked = false) =>
		el("label", { class: "choice" }, el("input", { type: "radio", name: "import-source", value, checked }), ` ${label}`);
	root.replaceChildren(
		el(
			"div",
			{ class: "card" },
			el("h1", { id: "import-title", tabindex: "-1" }, "Import"),
			el(
				"p",
				{ class: "muted" },
				"Bring this server's bans and mutes in from elsewhere. Importing the same thing twice changes nothing: what is already here is skipped.",
			),
			el(
				"form",
				{ id: "import-form", novalidate: true, "aria-label": "Import bans and mutes" },
				el("fieldset", {}, el("legend", {}, "From"), choice("file", "A CSV or JSON-lines file", true), choice("technified", "The hosted Technified API"), choice("roblox", "A linked Roblox experience's bans")),
				el(
					"div",
					{ id: "import-file-fields" },
					field(
						"import-file",
						"File",
						el("input", { type: "file", accept: ".csv,.jsonl,.ndjson" }),
						"Columns: roblox_id, kind (ban or mute), reason, by, created_at, expires_at, place_id. Up to 20 MB.",
					),
				),
				el("div", { id: "import-technified-fields", hidden: true }, field("import-api-key", "Hosted API key", el("input", { type: "password", autocomplete: "off", spellcheck: "false" }), "Used for this import only, never stored.")),
				el("div", { id: "import-roblox-fields", hidden: true }, field("import-universe", "Universe ID", el("input", { inputmode: "numeric", autocomplete: "off" }), "A universe linked under Experiences.")),
				el("div", { class: "form-buttons" }, el("button", { id: "import-submit", class: "primary", type: "submit" }, "Import")),
			),
			el("p", { id: "import-error", class: "error", role: "alert" }),
		),
		el(
			"div",
			{ id: "import-result", class: "card", hidden: true },
			el("h2", { id: "import-result-title" }, "Import"),
			el("p", { id: "import-progress", role: "status" }),
			el(
				"dl",
				{ class: "import-counts" },
				el("dt", {}, "Imported"),
				el("dd", { id: "import-imported" }),
				el("dt", {}, "Skipped (already here)"),
				el("dd", { id: "import-skipped" }),
				el("dt", {}, "Refused"),
				el("dd", { id: "import-refused" }),
			),
			el(
				"table",
				{ id: "import-refusals", class: "key-table", hidden: true },
				el("caption", {}, "Refused lines"),
				el("thead", {}, el("tr", {}, el("th", { scope: "col" }, "Line"), el("th", { scope: "col" }, "Reason"))),
				el("tbody", { id: "import-refusal-rows" }),
			),
		),
	);
}

export class ImportPage {
	private guildId: string | undefined;
	private session: AdminApi | undefined;
	/** Bumped by each new job or guild, so an older job's polling stops drawing. */
	private generation = 0;

	constructor() {
		buildImportView(byId("import-view", HTMLElement));
		byId("import-form", HTMLFormElement).addEventListener("change", () => this.showSourceFields());
		byId("import-form", HTMLFormElement).addEventListener("submit", (event) => {
			event.preventDefault();
			void withProgress(byId("import-submit", HTMLButtonElement), "Starting…", () => this.start());
		});
	}

	/** `session`: an operator's Discord session to call with; without it, the tab's admin token. */
	setGuild(guildId: string, session?: AdminApi): void {
		this.session = session;
		if (this.guildId === guildId) return;
		this.guildId = guildId;
		this.reset();
	}

	close(): void {
		this.session = undefined;
		this.guildId = undefined;
		this.reset();
	}

	private reset(): void {
		this.generation++;
		line("import-result").hidden = true;
		line("import-error").textContent = "";
	}

	private get source(): Source {
		return (byId("import-form", HTMLFormElement).elements.namedItem("import-source") as RadioNodeList).value as Source;
	}

	private showSourceFields(): void {
		const source = this.source;
		line("import-file-fields").hidden = source !== "file";
		line("import-technified-fields").hidden = source !== "technified";
		line("import-roblox-fields").hidden = source !== "roblox";
	}

	private get api(): AdminApi {
		if (this.session !== undefined) return this.session;
		const token = savedAdminToken();
		if (token === null) throw new AdminApiError(401, "unauthorized", "This tab no longer holds the admin token.");
		return new AdminApi(token);
	}

	/** The request body the chosen source needs, or undefined with the field marked. */
	private body(): { file: Blob; type: string } | undefined {
		const source = this.source;
		if (source === "file") {
			const file = input("import-file").files?.[0];
			const type = FILE_TYPES[file?.name.split(".").pop()?.toLowerCase() ?? ""];
			setFieldError(input("import-file"), line("import-file-error"), file === undefined ? "Choose a file." : type === undefined ? "Choose a .csv, .jsonl or .ndjson file." : "");
			return file === undefined || type === undefined ? undefined : { file, type };
		}
		const [id, name, value, valid, words] =
			source === "technified"
				? ["import-api-key", "api_key", input("import-api-key").value.trim(), /^technified_/.test(input("import-api-key").value.trim()), "A hosted API key starts with technified_."]
				: ["import-universe", "universe_id", input("import-universe").value.trim(), /^[1-9]\d{0,15}$/.test(input("import-universe").value.trim()), "A universe ID is a positive whole number."];
		setFieldError(input(id), line(`${id}-error`), valid ? "" : words);
		return valid ? { file: new Blob([JSON.stringify({ source, [name]: value })]), type: "application/json" } : undefined;
	}

	private async start(): Promise<void> {
		line("import-error").textContent = "";
		const body = this.body();
		if (body === undefined || this.guildId === undefined) return;
		const path = `/guilds/${encodeURIComponent(this.guildId)}/moderation`;
		try {
			const { import: job } = await this.api.upload<{ import: ImportProgress }>(`${path}/import`, body.file, body.type);
			input("import-api-key").value = "";
			const generation = ++this.generation;
			this.draw(job);
			let current = job;
			while (current.status === "running" && generation === this.generation) {
				await new Promise((resolve) => setTimeout(resolve, POLL_MS));
				current = (await this.api.data<{ import: ImportProgress }>("GET", `${path}/imports/${current.id}`)).import;
				if (generation === this.generation) this.draw(current);
			}
		} catch (err) {
			line("import-error").textContent = messageOf(err);
		}
	}

	private draw(job: ImportProgress): void {
		line("import-result").hidden = false;
		line("import-progress").textContent =
			job.status === "running" ? `Running… ${job.rows_read} read so far.` : job.status === "done" ? `Done: ${job.rows_read} read.` : `Failed: ${job.error ?? "no reason given"}`;
		line("import-imported").textContent = String(job.imported);
		line("import-skipped").textContent = String(job.skipped);
		line("import-refused").textContent = String(job.refused);
		byId("import-refusals", HTMLTableElement).hidden = job.refused_lines.length === 0;
		byId("import-refusal-rows", HTMLTableSectionElement).replaceChildren(
			...job.refused_lines.map((refused) => el("tr", {}, el("td", {}, String(refused.line)), el("td", {}, refused.reason))),
		);
	}
}
