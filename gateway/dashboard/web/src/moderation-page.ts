// gateway/dashboard/web/src/moderation-page.ts
// The Moderation page of one guild: look a player up, ban, mute or lift, read the history, page the active lists.

import { AdminApi, AdminApiError } from "./admin-api";
import { ACTIVE_PAGE_SIZE, activeRows, download, exportCsv, exportSummary, matches, type ActiveFilters } from "./active-list";
import { byId, setFieldError, withProgress } from "./dom";
import { ModerationApi, type ActiveEntry, type Kind } from "./moderation-api";
import { statusBoxes, timelineItem } from "./moderation-timeline";
import { buildModerationView } from "./moderation-view";
import { savedAdminToken } from "./session";
import { nowInSeconds } from "./time-format";

/** Roblox ids as the API takes them: a positive integer below 2^53, no leading zero. */
const isRobloxId = (text: string) => /^[1-9]\d{0,15}$/.test(text) && Number(text) < 2 ** 53;

const messageOf = (err: unknown) => (err instanceof Error ? err.message : String(err));

/** The buttons that change a player's standing: they need `moderate`, where reading needs only `view`. */
const ACTION_BUTTONS = ["ban-submit", "mute-submit", "unban-submit", "unmute-submit"];

/** A refused ban or lift in words; a missing permission says whom to ask. */
function actionRefusal(err: unknown): string {
	if (err instanceof AdminApiError && err.code === "permission_denied") return `Refused: ${err.message}. Ask someone who manages this server's members.`;
	return messageOf(err);
}

/** Says something to screen readers without moving focus. */
function announce(message: string): void {
	const announcer = byId("announcer", HTMLElement);
	announcer.textContent = "";
	requestAnimationFrame(() => {
		announcer.textContent = message;
	});
}

const input = (id: string) => byId(id, HTMLInputElement);
const select = (id: string) => byId(id, HTMLSelectElement);
const line = (id: string) => byId(id, HTMLElement);

/** An optional place id field: null when empty, undefined (with the field marked) when not an id. */
function placeField(id: string): number | null | undefined {
	const text = input(id).value.trim();
	setFieldError(input(id), line(`${id}-error`), text === "" || isRobloxId(text) ? "" : "A place ID is a positive whole number.");
	if (text === "") return null;
	return isRobloxId(text) ? Number(text) : undefined;
}

export class ModerationPage {
	private guildId: string | undefined;
	/** An operator's Discord session, when the page works with one rather than the admin token. */
	private session: AdminApi | undefined;
	private user: { robloxId: string; placeId: number | null } | undefined;
	private historyCursor: string | null = null;
	/** Cursors of the pages before the one shown (null: the first page), for Previous. */
	private pageCursors: (string | null)[] = [];
	private pageCursor: string | null = null;
	private nextCursor: string | null = null;
	private pageEntries: ActiveEntry[] = [];

	/** @param signedOut called when the gateway refuses the token */
	constructor(private readonly signedOut: (message: string) => void) {
		buildModerationView(byId("moderation-view", HTMLElement));
		byId("lookup-form", HTMLFormElement).addEventListener("submit", (event) => void this.lookUp(event));
		byId("impose-form", HTMLFormElement).addEventListener("submit", (event) => void this.impose(event));
		byId("lift-form", HTMLFormElement).addEventListener("submit", (event) => void this.lift(event));
		byId("history-more", HTMLButtonElement).addEventListener("click", () => void this.loadOlderHistory());
		byId("active-kind", HTMLSelectElement).addEventListener("change", () => void this.loadActive(null, []));
		byId("active-length", HTMLSelectElement).addEventListener("change", () => this.renderActive());
		input("active-place").addEventListener("input", () => this.renderActive());
		byId("active-filters", HTMLFormElement).addEventListener("submit", (event) => event.preventDefault());
		byId("active-next", HTMLButtonElement).addEventListener("click", () => void this.nextPage());
		byId("active-previous", HTMLButtonElement).addEventListener("click", () => void this.previousPage());
		byId("active-export", HTMLButtonElement).addEventListener("click", (event) => void this.export(event.currentTarget as HTMLButtonElement));
	}

	/**
	 * Switches to a guild: the lookup is cleared and the active list loads when the page is shown.
	 * `session`: an operator's Discord session to call with; without it, the tab's admin token.
	 */
	setGuild(guildId: string, session?: AdminApi): void {
		this.session = session;
		// The admin token may do everything; an operator's permissions follow (allowActions).
		this.allowActions(true);
		if (this.guildId === guildId) return;
		this.guildId = guildId;
		this.user = undefined;
		line("user-panel").hidden = true;
		line("lookup-error").textContent = "";
		this.pageCursors = [];
		this.pageCursor = null;
		this.pageEntries = [];
		byId("active-rows", HTMLTableSectionElement).replaceChildren();
	}

	/**
	 * Whether the caller may ban, mute and lift here (the guild's permissions from GET /guilds): without
	 * `moderate` the action forms are disabled and a line says why; looking up and the lists stay.
	 */
	allowActions(allowed: boolean): void {
		// The fields go with the buttons: a reason typed into a form that cannot be sent is wasted.
		for (const form of ["impose-form", "lift-form"]) {
			for (const control of byId(form, HTMLFormElement).elements) {
				if (control instanceof HTMLInputElement || control instanceof HTMLTextAreaElement || control instanceof HTMLSelectElement) control.disabled = !allowed;
			}
		}
		for (const id of ACTION_BUTTONS) {
			const button = byId(id, HTMLButtonElement);
			button.disabled = !allowed;
			if (allowed) button.removeAttribute("aria-describedby");
			else button.setAttribute("aria-describedby", "actions-note");
		}
		line("actions-note").hidden = allowed;
	}

	/** Called when the page comes on screen. */
	shown(): void {
		void this.loadActive(this.pageCursor, this.pageCursors);
	}

	close(): void {
		this.session = undefined;
		this.guildId = undefined;
		this.user = undefined;
		line("user-panel").hidden = true;
		byId("active-rows", HTMLTableSectionElement).replaceChildren();
	}

	private get api(): ModerationApi {
		if (this.session !== undefined && this.guildId !== undefined) return new ModerationApi(this.session, this.guildId);
		const token = savedAdminToken();
		// Callers treat this like the gateway refusing the token: back to sign-in.
		if (token === null || this.guildId === undefined) throw new AdminApiError(401, "unauthorized", "This tab no longer holds the admin token.");
		return new ModerationApi(new AdminApi(token), this.guildId);
	}

	/** True (and signed out) when the gateway refused the admin token. */
	private refusedToken(err: unknown): boolean {
		if (!(err instanceof AdminApiError) || err.status !== 401) return false;
		this.signedOut("The gateway refused the admin token. Paste it again to sign in.");
		return true;
	}

	private async lookUp(event: SubmitEvent): Promise<void> {
		event.preventDefault();
		const user = input("lookup-user");
		const robloxId = user.value.trim();
		setFieldError(user, line("lookup-user-error"), isRobloxId(robloxId) ? "" : "A Roblox user ID is a positive whole number, e.g. 261.");
		const placeId = placeField("lookup-place");
		if (!isRobloxId(robloxId)) return user.focus();
		if (placeId === undefined) return input("lookup-place").focus();
		line("lookup-error").textContent = "";
		try {
			await withProgress(byId("lookup-submit", HTMLButtonElement), "Looking up…", () => this.showUser(robloxId, placeId));
			byId("user-title", HTMLElement).focus();
		} catch (err) {
			if (!this.refusedToken(err)) line("lookup-error").textContent = messageOf(err);
		}
	}

	/** Loads and shows a user's status and the first page of their history. */
	private async showUser(robloxId: string, placeId: number | null): Promise<void> {
		const api = this.api;
		const [status, history] = await Promise.all([api.status(robloxId, placeId), api.history(robloxId, null)]);
		this.user = { robloxId, placeId };
		const now = nowInSeconds();
		line("user-title").textContent = `Player ${robloxId}${placeId === null ? "" : ` in place ${placeId}`}`;
		line("user-status").replaceChildren(...statusBoxes(status, now));
		line("history-error").textContent = "";
		byId("history-list", HTMLOListElement).replaceChildren(...history.entries.map((entry) => timelineItem(entry, now)));
		this.historyCursor = history.next_cursor;
		byId("history-more", HTMLButtonElement).hidden = history.next_cursor === null;
		line("history-empty").hidden = history.entries.length > 0;
		line("user-panel").hidden = false;
	}

	private async loadOlderHistory(): Promise<void> {
		const user = this.user;
		if (user === undefined) return;
		const more = byId("history-more", HTMLButtonElement);
		try {
			const page = await withProgress(more, "Loading…", () => this.api.history(user.robloxId, this.historyCursor));
			const items = page.entries.map((entry) => timelineItem(entry, nowInSeconds()));
			byId("history-list", HTMLOListElement).append(...items);
			this.historyCursor = page.next_cursor;
			more.hidden = page.next_cursor === null;
			// The first new entry takes focus, so a keyboard user reads on where the list grew.
			items[0]?.setAttribute("tabindex", "-1");
			items[0]?.focus();
		} catch (err) {
			if (!this.refusedToken(err)) line("history-error").textContent = messageOf(err);
		}
	}

	private async impose(event: SubmitEvent): Promise<void> {
		event.preventDefault();
		if (this.user === undefined) return;
		const button = event.submitter instanceof HTMLButtonElement ? event.submitter : byId("ban-submit", HTMLButtonElement);
		const kind = button.value as Kind;
		const reasonField = byId("impose-reason", HTMLTextAreaElement);
		const reason = reasonField.value.trim();
		setFieldError(reasonField, line("impose-reason-error"), reason === "" ? "Say why: the reason is kept in the history." : "");
		const placeId = placeField("impose-place");
		if (reason === "") return reasonField.focus();
		if (placeId === undefined) return input("impose-place").focus();
		line("impose-error").textContent = "";
		const { robloxId } = this.user;
		const duration = select("impose-duration").value;
		try {
			await withProgress(button, kind === "ban" ? "Banning…" : "Muting…", () =>
				this.api.impose(kind, { roblox_id: robloxId, reason, duration, ...(placeId === null ? {} : { place_id: placeId }) }),
			);
			reasonField.value = "";
			await this.showUser(robloxId, this.user.placeId);
			announce(`Player ${robloxId} ${kind === "ban" ? "banned" : "muted"}`);
			void this.loadActive(this.pageCursor, this.pageCursors);
		} catch (err) {
			if (!this.refusedToken(err)) line("impose-error").textContent = actionRefusal(err);
		}
		button.focus();
	}

	private async lift(event: SubmitEvent): Promise<void> {
		event.preventDefault();
		if (this.user === undefined) return;
		const button = event.submitter instanceof HTMLButtonElement ? event.submitter : byId("unban-submit", HTMLButtonElement);
		const kind = button.value as Kind;
		const { robloxId } = this.user;
		line("lift-error").textContent = "";
		try {
			await withProgress(button, kind === "ban" ? "Unbanning…" : "Unmuting…", () => this.api.lift(kind, robloxId, input("lift-reason").value.trim()));
			input("lift-reason").value = "";
			await this.showUser(robloxId, this.user.placeId);
			announce(`Player ${robloxId} ${kind === "ban" ? "unbanned" : "unmuted"}`);
			void this.loadActive(this.pageCursor, this.pageCursors);
		} catch (err) {
			if (this.refusedToken(err)) return;
			line("lift-error").textContent =
				err instanceof AdminApiError && err.status === 404 ? `Player ${robloxId} has no active ${kind} to lift.` : actionRefusal(err);
		}
		button.focus();
	}

	private filters(): ActiveFilters {
		const place = input("active-place").value.trim().toLowerCase();
		const valid = place === "" || place === "global" || isRobloxId(place);
		setFieldError(input("active-place"), line("active-place-error"), valid ? "" : "Type a place ID, global, or leave it empty.");
		return { length: select("active-length").value as ActiveFilters["length"], place: place === "" || !valid ? "any" : place };
	}

	private kind(): Kind {
		return select("active-kind").value as Kind;
	}

	/** Loads the page after `cursor`; `before` holds the cursors of the pages before it. */
	private async loadActive(cursor: string | null, before: (string | null)[]): Promise<void> {
		if (this.guildId === undefined) return;
		const table = byId("active-table", HTMLTableElement);
		table.setAttribute("aria-busy", "true");
		try {
			const page = await this.api.active(this.kind(), ACTIVE_PAGE_SIZE, cursor);
			this.pageCursor = cursor;
			this.pageCursors = before;
			this.nextCursor = page.next_cursor;
			this.pageEntries = page.entries;
			line("active-error").textContent = "";
			this.renderActive();
		} catch (err) {
			if (!this.refusedToken(err)) line("active-error").textContent = `The list could not be loaded: ${messageOf(err)}`;
		} finally {
			table.removeAttribute("aria-busy");
		}
	}

	private renderActive(): void {
		const filters = this.filters();
		const shown = this.pageEntries.filter((entry) => matches(entry, filters));
		const noun = this.kind() === "ban" ? "bans" : "mutes";
		byId("active-rows", HTMLTableSectionElement).replaceChildren(...activeRows(shown, (robloxId) => void this.openUser(robloxId)));
		const pageNumber = this.pageCursors.length + 1;
		line("active-caption").textContent = `Active ${noun} of guild ${this.guildId ?? ""}, page ${pageNumber}`;
		line("active-page").textContent = `Page ${pageNumber}`;
		const filtered = shown.length === this.pageEntries.length ? "" : ` (${this.pageEntries.length - shown.length} hidden by the filters)`;
		line("active-summary").textContent =
			this.pageEntries.length === 0 ? `No active ${noun}.` : `Showing ${shown.length} active ${noun} on this page${filtered}.`;
		byId("active-table", HTMLTableElement).hidden = shown.length === 0;
		byId("active-previous", HTMLButtonElement).disabled = this.pageCursors.length === 0;
		byId("active-next", HTMLButtonElement).disabled = this.nextCursor === null;
	}

	private async nextPage(): Promise<void> {
		if (this.nextCursor === null) return;
		await this.loadActive(this.nextCursor, [...this.pageCursors, this.pageCursor]);
		this.focusPager("active-next", "active-previous");
	}

	private async previousPage(): Promise<void> {
		const before = [...this.pageCursors];
		const cursor = before.pop();
		if (cursor === undefined) return;
		await this.loadActive(cursor, before);
		this.focusPager("active-previous", "active-next");
	}

	/** Keeps focus on the pager button pressed, or its twin when it turned disabled. */
	private focusPager(pressed: string, other: string): void {
		const button = byId(pressed, HTMLButtonElement);
		(button.disabled ? byId(other, HTMLButtonElement) : button).focus();
	}

	private async openUser(robloxId: string): Promise<void> {
		input("lookup-user").value = robloxId;
		input("lookup-place").value = "";
		try {
			await this.showUser(robloxId, null);
			byId("user-title", HTMLElement).focus();
		} catch (err) {
			if (!this.refusedToken(err)) line("lookup-error").textContent = messageOf(err);
		}
	}

	private async export(button: HTMLButtonElement): Promise<void> {
		const kind = this.kind();
		try {
			const { text, count } = await withProgress(button, "Exporting…", () => exportCsv(this.api, kind, this.filters()));
			download(`${kind === "ban" ? "bans" : "mutes"}-${this.guildId}.csv`, text);
			line("active-summary").textContent = exportSummary(count, kind);
		} catch (err) {
			if (!this.refusedToken(err)) line("active-error").textContent = `The export failed: ${messageOf(err)}`;
		}
	}
}

/** Shows one of the guild's two pages, following the address's hash (#keys, #moderation). */
export function showGuildPage(moderation: ModerationPage): void {
	const onModeration = location.hash === "#moderation";
	const onImport = location.hash === "#import";
	byId("keys-panel", HTMLElement).hidden = onModeration || onImport;
	byId("moderation-view", HTMLElement).hidden = !onModeration;
	byId("import-view", HTMLElement).hidden = !onImport;
	const [hash, name] = onModeration ? ["#moderation", "Moderation"] : onImport ? ["#import", "Import"] : ["#keys", "API Keys"];
	for (const link of document.querySelectorAll<HTMLAnchorElement>(".page-tabs a")) {
		if (link.hash === hash) link.setAttribute("aria-current", "page");
		else link.removeAttribute("aria-current");
	}
	byId("crumb-page", HTMLElement).textContent = name;
	document.title = `${name} · Technified`;
	if (onModeration) moderation.shown();
}
