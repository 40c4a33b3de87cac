// gateway/dashboard/web/src/moderation-page.ts
// The Moderation page of one guild: look a player up, ban, mute or lift, read the history, page the active lists.

import { AdminApi, AdminApiError } from "./admin-api";
import { ACTIVE_PAGE_SIZE, activeRows, download, exportCsv, exportSummary, matches, type ActiveFilters } from "./active-list";
import { confirmAction } from "./dialogs";
import { byId, setFieldError, withProgress } from "./dom";
import { messageOf } from "./keys-page";
import { ModerationApi, type ActiveEntry, type Kind } from "./moderation-api";
import { statusBoxes, timelineItem } from "./moderation-timeline";
import { buildModerationView, DURATION_PRESETS } from "./moderation-view";
import { isRobloxId, isRobloxUsername, namesOf, personElement, personNamed, personText, type RobloxPerson } from "./roblox-names";
import { savedAdminToken } from "./session";
import { nowInSeconds } from "./time-format";

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
	private user: { robloxId: string; placeId: number | null; person: RobloxPerson | undefined } | undefined;
	/** Names of the active list's players, resolved in one batch per page. */
	private pagePeople = new Map<string, RobloxPerson>();
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
		const typed = user.value.trim();
		const valid = isRobloxId(typed) || isRobloxUsername(typed);
		setFieldError(
			user,
			line("lookup-user-error"),
			valid ? "" : "Type a Roblox username (3 to 20 letters, digits and at most one underscore) or a user ID, e.g. 261.",
		);
		const placeId = placeField("lookup-place");
		if (!valid) return user.focus();
		if (placeId === undefined) return input("lookup-place").focus();
		line("lookup-error").textContent = "";
		line("lookup-note").hidden = true;
		try {
			const shown = await withProgress(byId("lookup-submit", HTMLButtonElement), "Looking up…", () => this.lookUpTyped(typed, placeId));
			if (shown) byId("user-title", HTMLElement).focus();
		} catch (err) {
			if (!this.refusedToken(err)) line("lookup-error").textContent = messageOf(err);
		}
	}

	/** An id is shown at once; a username is asked of the gateway first. False when nobody was shown. */
	private async lookUpTyped(typed: string, placeId: number | null): Promise<boolean> {
		if (isRobloxId(typed)) {
			await this.showUser(typed, placeId);
			return true;
		}
		const found = await personNamed(this.api.admin, typed);
		if (found === "not_found") {
			line("lookup-error").textContent = `No Roblox user is called ${typed}.`;
			return false;
		}
		if (found === undefined) {
			line("lookup-error").textContent = "Roblox could not be asked who that is right now. Look the player up by user ID instead.";
			return false;
		}
		if (found.name !== null && found.name.toLowerCase() !== typed.toLowerCase()) {
			line("lookup-note").textContent = `${typed} is a former name: this player is now known as @${found.name}.`;
			line("lookup-note").hidden = false;
		}
		await this.showUser(String(found.id), placeId, found);
		return true;
	}

	/** Loads and shows a user's status, name and the first page of their history. */
	private async showUser(robloxId: string, placeId: number | null, known?: RobloxPerson): Promise<void> {
		const api = this.api;
		const [status, history] = await Promise.all([api.status(robloxId, placeId), api.history(robloxId, null)]);
		// The player and every Roblox moderator named in their record, in one batch.
		const actors = [status.ban_info?.banned_by, status.mute_info?.muted_by, ...history.entries.flatMap((entry) => [entry.by, entry.lifted_by])];
		const ids = [...(known === undefined ? [robloxId] : []), ...actors.filter((by): by is string => typeof by === "string" && isRobloxId(by))];
		const { people, complete } = await namesOf(api.admin, ids);
		const person = known ?? people.get(robloxId);
		this.user = { robloxId, placeId, person };
		const now = nowInSeconds();
		const who = person === undefined ? `Player ${robloxId}` : personElement(robloxId, person);
		line("user-title").replaceChildren(who, placeId === null ? "" : ` in place ${placeId}`);
		line("user-names-note").hidden = complete;
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
		const { robloxId, person } = this.user;
		const duration = select("impose-duration").value;
		const length = DURATION_PRESETS.find(([value]) => value === duration)?.[1] ?? duration;
		const verb = kind === "ban" ? "Ban" : "Mute";
		confirmAction({
			title: `${verb} ${personText(robloxId, person)}?`,
			details: personElement(robloxId, person),
			text: `Reason: ${reason}. Length: ${length.toLowerCase()}. ${placeId === null ? "In every place." : `In place ${placeId} only.`}`,
			confirmLabel: `${verb} player`,
			busyLabel: kind === "ban" ? "Banning…" : "Muting…",
			action: async () => {
				await this.act(() => this.api.impose(kind, { roblox_id: robloxId, reason, duration, ...(placeId === null ? {} : { place_id: placeId }) }));
				reasonField.value = "";
				void this.afterChange(robloxId, `${personText(robloxId, person)} ${kind === "ban" ? "banned" : "muted"}`);
			},
			returnFocus: () => button.focus(),
		});
	}

	/** Runs a change from the confirmation; a refused token signs out, any other refusal is worded for the dialog (`missing` for a 404). */
	private async act(change: () => Promise<void>, missing?: string): Promise<void> {
		try {
			await change();
		} catch (err) {
			if (this.refusedToken(err)) byId("confirm-dialog", HTMLDialogElement).close();
			else if (missing !== undefined && err instanceof AdminApiError && err.status === 404) throw new Error(missing);
			else throw new Error(actionRefusal(err));
			throw err;
		}
	}

	/** After a ban, mute or lift: the player and the list again, and a word for screen readers. */
	private async afterChange(robloxId: string, words: string): Promise<void> {
		announce(words);
		try {
			if (this.user?.robloxId === robloxId) await this.showUser(robloxId, this.user.placeId, this.user.person);
		} catch (err) {
			if (!this.refusedToken(err)) line("lookup-error").textContent = messageOf(err);
		}
		void this.loadActive(this.pageCursor, this.pageCursors);
	}

	private async lift(event: SubmitEvent): Promise<void> {
		event.preventDefault();
		if (this.user === undefined) return;
		const button = event.submitter instanceof HTMLButtonElement ? event.submitter : byId("unban-submit", HTMLButtonElement);
		const kind = button.value as Kind;
		const { robloxId, person } = this.user;
		const reason = input("lift-reason").value.trim();
		line("lift-error").textContent = "";
		const verb = kind === "ban" ? "Unban" : "Unmute";
		confirmAction({
			title: `${verb} ${personText(robloxId, person)}?`,
			details: personElement(robloxId, person),
			text: `Every active ${kind} of this player ends, global and per place. Reason: ${reason === "" ? "none given" : reason}.`,
			confirmLabel: verb,
			busyLabel: kind === "ban" ? "Unbanning…" : "Unmuting…",
			action: async () => {
				await this.act(() => this.api.lift(kind, robloxId, reason), `${personText(robloxId, person)} has no active ${kind} to lift.`);
				input("lift-reason").value = "";
				void this.afterChange(robloxId, `${personText(robloxId, person)} ${kind === "ban" ? "unbanned" : "unmuted"}`);
			},
			returnFocus: () => button.focus(),
		});
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
			const api = this.api;
			const page = await api.active(this.kind(), ACTIVE_PAGE_SIZE, cursor);
			const players = page.entries.flatMap((entry) => [entry.roblox_id, ...(isRobloxId(entry.by) ? [entry.by] : [])]);
			const { people, complete } = await namesOf(api.admin, players);
			this.pagePeople = people;
			line("active-names-note").hidden = complete;
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
		const counted = (count: number) => `${count} active ${count === 1 ? noun.slice(0, -1) : noun}`;
		byId("active-rows", HTMLTableSectionElement).replaceChildren(...activeRows(shown, this.pagePeople, (robloxId) => void this.openUser(robloxId)));
		const pageNumber = this.pageCursors.length + 1;
		line("active-caption").textContent = `Active ${noun} of guild ${this.guildId ?? ""}, page ${pageNumber}`;
		line("active-page").textContent = `Page ${pageNumber}`;
		const filtered = shown.length === this.pageEntries.length ? "" : ` (${this.pageEntries.length - shown.length} hidden by the filters)`;
		line("active-summary").textContent =
			this.pageEntries.length === 0 ? `No active ${noun}.` : `Showing ${counted(shown.length)} on this page${filtered}.`;
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
