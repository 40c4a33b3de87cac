// gateway/dashboard/web/src/servers-page.ts
// The Servers page (docs/fleets.md): the guild's live game servers, how each follows events, and commands to them (manage_servers).

import type { LiveServer, ServerCommandKind, ServerCommandRecord, ServerFollowMode } from "../../../../shared/records";
import { AdminApi, AdminApiError } from "./admin-api";
import { busyDialog, openDialog } from "./dialogs";
import { byId, el, labelledField, setFieldError } from "./dom";
import { savedAdminToken } from "./session";
import { nowInSeconds, timeElement } from "./time-format";

/** Presence is renewed about once a minute by each server: reading the list more often shows nothing new. */
const REFRESH_EVERY_MS = 10_000;
/** A command is acknowledged within seconds by the servers that got it; its line follows it this long. */
const FOLLOW_COMMAND_MS = 30_000;
const FOLLOW_EVERY_MS = 2_000;
const MESSAGE_MAX = 200;

const FOLLOWS_LABEL: Record<ServerFollowMode, string> = { stream: "Event stream", poll: "Long poll", push: "Pushed through Roblox" };

interface ServerList {
	servers: LiveServer[];
	counts: Record<ServerFollowMode, number>;
}

/** What the dialog asks for one kind of command. */
interface CommandForm {
	title: string;
	explain: string;
	confirm: string;
	busy: string;
	fields: HTMLElement[];
	/** The body's own fields, or the first field in error (its line already says why). */
	read(): Record<string, string> | HTMLElement;
}

const guildPath = (guildId: string) => `/guilds/${encodeURIComponent(guildId)}/servers`;
const messageOf = (err: unknown) => (err instanceof Error ? err.message : String(err));
const plural = (count: number, one: string, many: string) => `${count} ${count === 1 ? one : many}`;

export class ServersPage {
	private guildId: string | undefined;
	private session: AdminApi | undefined;
	private canCommand = true;
	private list: ServerList | undefined;
	private timer: ReturnType<typeof setInterval> | undefined;
	private following: ReturnType<typeof setTimeout> | undefined;
	private readonly filter = el("input", { type: "search", autocomplete: "off", spellcheck: "false" });
	private readonly follows = el(
		"select",
		{},
		el("option", { value: "" }, "Every way"),
		...Object.entries(FOLLOWS_LABEL).map(([value, label]) => el("option", { value }, label)),
	);

	constructor(private readonly root: HTMLElement) {
		this.filter.addEventListener("input", () => this.renderRows());
		this.follows.addEventListener("change", () => this.renderRows());
	}

	/** `session` for an operator signed in with Discord (commands only with `manage_servers`), else the tab's admin token. */
	setGuild(guildId: string, session?: AdminApi, canCommand = true): void {
		if (guildId !== this.guildId) this.list = undefined;
		this.guildId = guildId;
		this.session = session;
		this.canCommand = canCommand;
	}

	async shown(): Promise<void> {
		this.hidden();
		this.render();
		await this.reload();
		this.timer = setInterval(() => void this.reload(), REFRESH_EVERY_MS);
	}

	/** Another page of the guild shows: nothing is read meanwhile. */
	hidden(): void {
		if (this.timer !== undefined) clearInterval(this.timer);
		if (this.following !== undefined) clearTimeout(this.following);
		this.timer = this.following = undefined;
	}

	/** Sign-out, or the guild picker: the page forgets the guild. */
	close(): void {
		this.hidden();
		this.guildId = this.session = this.list = undefined;
		this.root.replaceChildren();
	}

	private get api(): AdminApi | undefined {
		if (this.session !== undefined) return this.session;
		const token = savedAdminToken();
		return token === null ? undefined : new AdminApi(token);
	}

	private render(): void {
		const broadcast = el("button", { type: "button", id: "message-every-server" }, "Message every server");
		broadcast.addEventListener("click", () => this.ask("message", null, broadcast));
		this.root.replaceChildren(
			el(
				"div",
				{ class: "card" },
				el("h1", { id: "servers-title", tabindex: "-1" }, "Live servers"),
				el(
					"p",
					{ class: "muted" },
					"Game servers running the Technified model with a key of this guild. A server shows here from its first request and leaves 90 seconds after its last.",
				),
				el("p", { id: "servers-counts", role: "status" }, "Reading the live servers…"),
				el("p", { id: "servers-error", class: "error", role: "alert" }),
				this.canCommand
					? null
					: el(
							"p",
							{ id: "servers-command-note", class: "notice" },
							"Sending commands to servers needs the “Command live servers” permission in this server. Ask someone who manages its members.",
						),
				el(
					"div",
					{ class: "servers-tools" },
					// No hint line under it: the three controls of the row stay aligned.
					labelledField("servers-filter", "Job ID or place ID contains", this.filter),
					labelledField("servers-follows", "Follows events by", this.follows),
					this.canCommand ? el("div", { class: "field" }, broadcast) : null,
				),
				el(
					"table",
					{ class: "key-table server-table" },
					el("caption", { class: "visually-hidden" }, "Live game servers"),
					el(
						"thead",
						{},
						el(
							"tr",
							{},
							el("th", { scope: "col" }, "Job ID"),
							el("th", { scope: "col" }, "Place"),
							el("th", { scope: "col" }, "Players"),
							el("th", { scope: "col" }, "Up since"),
							el("th", { scope: "col" }, "Follows events by"),
							this.canCommand ? el("th", { scope: "col" }, el("span", { class: "visually-hidden" }, "Commands")) : null,
						),
					),
					el("tbody", { id: "server-rows" }),
				),
				el("p", { id: "no-servers", class: "empty", hidden: true }),
				el("p", { id: "command-status", role: "status" }),
			),
		);
	}

	private async reload(): Promise<void> {
		const { api, guildId } = this;
		if (api === undefined || guildId === undefined) return;
		const error = this.root.querySelector<HTMLElement>("#servers-error");
		try {
			const list = await api.data<ServerList>("GET", guildPath(guildId));
			if (this.guildId !== guildId) return;
			this.list = list;
			if (error !== null) error.textContent = "";
		} catch (err) {
			if (error !== null) error.textContent = `The live servers could not be read: ${messageOf(err)}`;
			return;
		}
		this.renderRows();
	}

	private renderRows(): void {
		const rows = this.root.querySelector<HTMLTableSectionElement>("#server-rows");
		const counts = this.root.querySelector<HTMLElement>("#servers-counts");
		const empty = this.root.querySelector<HTMLElement>("#no-servers");
		if (this.list === undefined || rows === null || counts === null || empty === null) return;
		const { servers, counts: by } = this.list;
		counts.textContent =
			servers.length === 0
				? "No live servers."
				: `${plural(servers.length, "live server", "live servers")}: ${by.stream} on an event stream, ${by.poll} long-polling, ${by.push} pushed through Roblox.`;
		const text = this.filter.value.trim().toLowerCase();
		const shown = servers.filter(
			(server) =>
				(this.follows.value === "" || server.follows === this.follows.value) &&
				(text === "" || server.job_id.toLowerCase().includes(text) || String(server.place_id ?? "").includes(text)),
		);
		empty.hidden = shown.length > 0;
		empty.textContent = servers.length === 0 ? "No game server is live. One shows here within a minute of starting." : "No live server matches the filter.";
		const now = nowInSeconds();
		// The list is read again every few seconds: a keyboard user's place in it must survive that.
		const was = document.activeElement instanceof HTMLElement && rows.contains(document.activeElement) ? document.activeElement : null;
		rows.replaceChildren(...shown.map((server) => this.row(server, now)));
		if (was !== null) this.sameButton(was)?.focus();
	}

	/** The button of the same server and command in the rows as they are now (they are rebuilt on each read). */
	private sameButton(button: HTMLElement): HTMLElement | null {
		const jobId = button.closest("tr")?.dataset.jobId;
		const kind = button.dataset.command;
		if (jobId === undefined || kind === undefined) return null;
		return this.root.querySelector<HTMLElement>(`#server-rows tr[data-job-id="${CSS.escape(jobId)}"] button[data-command="${kind}"]`);
	}

	private row(server: LiveServer, now: number): HTMLTableRowElement {
		const jobCell = `server-${server.job_id}-job`;
		const button = (label: string, kind: ServerCommandKind, cls?: string) => {
			const element = el("button", { type: "button", class: cls, "data-command": kind, "aria-describedby": jobCell }, label);
			element.addEventListener("click", () => this.ask(kind, server.job_id, element));
			return element;
		};
		return el(
			"tr",
			{ "data-job-id": server.job_id },
			el("td", { id: jobCell, class: "job-cell", "data-label": "Job ID" }, el("code", {}, server.job_id)),
			el("td", { class: "number-cell", "data-label": "Place" }, server.place_id === null ? "Unknown" : String(server.place_id)),
			el("td", { class: "number-cell", "data-label": "Players" }, server.players === null ? "Unknown" : String(server.players)),
			el("td", { "data-label": "Up since" }, timeElement(server.first_seen_at, now)),
			el("td", { "data-label": "Follows events by" }, FOLLOWS_LABEL[server.follows]),
			this.canCommand
				? el(
						"td",
						{ class: "actions" },
						el("span", { class: "action-buttons" }, button("Kick player", "kick"), button("Message", "message"), button("Shut down", "shutdown", "danger")),
					)
				: null,
		);
	}

	/** The command's dialog: what it will do, its fields, Cancel first. Sending is the confirmation. */
	private ask(kind: ServerCommandKind, jobId: string | null, invoker: HTMLButtonElement): void {
		const { api, guildId } = this;
		if (api === undefined || guildId === undefined) return;
		const form = commandForm(kind, jobId);
		const dialog = el("dialog", { class: "command-dialog", "aria-labelledby": "command-title" });
		const cancel = el("button", { type: "button" }, "Cancel");
		const confirm = el("button", { type: "submit", class: kind === "shutdown" || kind === "kick" ? "danger" : "primary" }, form.confirm);
		const error = el("p", { id: "command-error", class: "error", role: "alert" });
		const body = el(
			"form",
			{ method: "dialog", novalidate: true },
			el("h2", { id: "command-title" }, form.title),
			el("p", {}, form.explain),
			...form.fields,
			error,
			el("div", { class: "dialog-actions" }, cancel, confirm),
		);
		dialog.append(body);
		this.root.append(dialog);
		cancel.addEventListener("click", () => dialog.close());
		dialog.addEventListener("close", () => dialog.remove(), { once: true });
		body.addEventListener("submit", (event) => {
			event.preventDefault();
			const fields = form.read();
			if (fields instanceof HTMLElement) return fields.focus();
			void busyDialog(dialog, confirm, form.busy, () => api.data<{ command: ServerCommandRecord }>("POST", `${guildPath(guildId)}/commands`, { kind, job_id: jobId, ...fields })).then(
				({ command }) => {
					dialog.close();
					this.follow(api, guildId, command);
				},
				(err: unknown) => {
					error.textContent = err instanceof AdminApiError && err.code === "server_not_found" ? `${err.message}. The list is read again.` : messageOf(err);
					if (err instanceof AdminApiError && err.code === "server_not_found") void this.reload();
				},
			);
		});
		// The rows are rebuilt while the dialog is open: focus returns to the same button, or to the heading when its server left.
		const returnTo = () => (invoker.isConnected ? invoker : (this.sameButton(invoker) ?? this.root.querySelector<HTMLElement>("#servers-title")));
		openDialog(dialog, cancel, () => returnTo()?.focus());
	}

	/** Says how a sent command stands, reading its acknowledgements until every target answered or a while passed. */
	private follow(api: AdminApi, guildId: string, command: ServerCommandRecord): void {
		if (this.following !== undefined) clearTimeout(this.following);
		const until = Date.now() + FOLLOW_COMMAND_MS;
		const show = (record: ServerCommandRecord) => {
			const line = this.root.querySelector<HTMLElement>("#command-status");
			if (line !== null) line.textContent = commandStanding(record);
			const waiting = record.acks.some((ack) => ack.outcome === null);
			if (waiting && Date.now() < until) this.following = setTimeout(() => void read(), FOLLOW_EVERY_MS);
		};
		const read = async () => {
			try {
				show((await api.data<{ command: ServerCommandRecord }>("GET", `${guildPath(guildId)}/commands/${encodeURIComponent(command.id)}`)).command);
			} catch (err) {
				const line = this.root.querySelector<HTMLElement>("#command-status");
				if (line !== null) line.textContent = `How the command stands could not be read: ${messageOf(err)}`;
			}
		};
		show(command);
	}
}

/** "Kick sent to 1 server: 1 done (Kicked 261)." */
function commandStanding(record: ServerCommandRecord): string {
	const done = record.acks.filter((ack) => ack.outcome === "done");
	const failed = record.acks.filter((ack) => ack.outcome === "failed");
	const waiting = record.acks.length - done.length - failed.length;
	const said = (acks: typeof done) => (acks.length === 1 && acks[0].result !== null ? ` (${acks[0].result})` : "");
	const parts = [
		done.length > 0 ? `${done.length} done${said(done)}` : "",
		failed.length > 0 ? `${failed.length} failed${said(failed)}` : "",
		waiting > 0 ? `${waiting} not answered yet` : "",
	].filter((part) => part !== "");
	const kind = { kick: "Kick", message: "Message", shutdown: "Shutdown" }[record.kind];
	return `${kind} sent to ${plural(record.targets.length, "server", "servers")}: ${parts.join(", ")}.`;
}

function commandForm(kind: ServerCommandKind, jobId: string | null): CommandForm {
	const where = jobId === null ? "every live server" : `server ${jobId}`;
	const reason = el("input", { autocomplete: "off", maxlength: 500 });
	const reasonField = labelledField("command-reason", "Reason shown to the players", reason, "Optional.");
	const reasonValue = (): Record<string, string> => (reason.value.trim() === "" ? {} : { reason: reason.value.trim() });
	if (kind === "kick") {
		const user = el("input", { inputmode: "numeric", autocomplete: "off", spellcheck: "false" });
		return {
			title: `Kick a player from ${where}`,
			explain: "The player is removed from the game at once. They can join again unless they are banned.",
			confirm: "Kick",
			busy: "Kicking…",
			fields: [labelledField("command-user", "Roblox user ID", user), reasonField],
			read() {
				const valid = /^[1-9]\d{0,15}$/.test(user.value.trim());
				setFieldError(user, byId("command-user-error", HTMLElement), valid ? "" : "A Roblox user ID is a positive number.");
				return valid ? { user_id: user.value.trim(), ...reasonValue() } : user;
			},
		};
	}
	if (kind === "message") {
		// No maxlength: it counts UTF-16 units (an emoji as two) and cuts a paste short silently; the count says it instead.
		const text = el("textarea", { rows: 3 });
		const field = labelledField("command-text", "Message", text, `0 of ${MESSAGE_MAX} characters.`);
		const length = () => [...text.value.trim()].length;
		text.addEventListener("input", () => {
			const hint = field.querySelector(".hint");
			if (hint !== null) hint.textContent = `${length()} of ${MESSAGE_MAX} characters.`;
		});
		return {
			title: `Show a message in ${where}`,
			explain: "Every player there sees it in the chat as a system message.",
			confirm: "Send message",
			busy: "Sending…",
			fields: [field],
			read() {
				const value = text.value.trim();
				const over = length() - MESSAGE_MAX;
				const problem = value === "" ? "Write the message." : over > 0 ? `At most ${MESSAGE_MAX} characters: shorten it by ${over}.` : "";
				setFieldError(text, byId("command-text-error", HTMLElement), problem);
				return problem === "" ? { text: value } : text;
			},
		};
	}
	return {
		title: `Shut down ${where}`,
		explain: "Every player there is kicked with the reason, and so is anyone who joins until the server closes.",
		confirm: "Shut down",
		busy: "Shutting down…",
		fields: [reasonField],
		read: reasonValue,
	};
}
