// gateway/dashboard/web/src/keys-page.ts
// The API Keys page of one guild: the list, the 3-key limit, and every key action with its confirmation.

import { MAX_KEYS_PER_GUILD } from "../../../../shared/routes";
import { AdminApiError, type AdminApi, type ApiKeyRecord, type IssuedKey } from "./admin-api";
import { openCreateDialog, setUpCreateDialog } from "./create-key-dialog";
import { confirmAction } from "./dialogs";
import { byId, withProgress } from "./dom";
import { hideKeyActivity, showKeyActivity } from "./key-activity";
import { openEditDialog } from "./key-edit-dialog";
import { keyLabel, renderKeyRows, type StatusAction } from "./key-table";
import { openRollDialog } from "./roll-dialog";
import { showKeyOnce } from "./secret-dialog";
import { nowInSeconds } from "./time-format";

const BUSY_LABEL: Record<StatusAction, string> = { disable: "Disabling…", enable: "Enabling…" };
const DONE_LABEL: Record<StatusAction, string> = { disable: "disabled", enable: "enabled" };

/** Says something to screen readers without moving focus (copy done, key revoked, …). */
function announce(message: string): void {
	const announcer = byId("announcer", HTMLElement);
	// Re-setting the same text is not announced again; clearing first makes each message heard.
	announcer.textContent = "";
	requestAnimationFrame(() => {
		announcer.textContent = message;
	});
}

/** How long a copy button shows "Copied". */
const COPIED_MS = 2_000;

/** Visible feedback beside a copy button (screen readers hear the announcement instead). */
function showCopied(button: HTMLButtonElement): void {
	button.parentElement?.querySelector(".copied")?.remove();
	const badge = document.createElement("span");
	badge.className = "copied";
	badge.setAttribute("aria-hidden", "true");
	badge.textContent = "Copied";
	button.classList.add("is-copied");
	button.after(badge);
	setTimeout(() => {
		badge.remove();
		button.classList.remove("is-copied");
	}, COPIED_MS);
}

/** The guild on screen and the signed-in API that reads it. */
interface OpenGuild {
	api: AdminApi;
	guildId: string;
	/** Whether the caller may read the guild's audit trail (administer_keys). */
	auditAllowed: boolean;
}

/** One per page: dialogs are wired once, and `open` switches guilds or tokens. */
export class KeysPage {
	private current: OpenGuild | undefined;
	private records: ApiKeyRecord[] = [];
	private readonly rowErrors = new Map<string, string>();
	private activityKeyId: string | undefined;

	/** @param signedOut called when the gateway refuses the token: the page goes back to sign-in */
	constructor(private readonly signedOut: (message: string) => void) {
		setUpCreateDialog({
			create: (input) => this.api.createKey(this.guildId, input).catch((err: unknown) => this.rethrow(err)),
			created: (issued) => this.keyIssued(issued, "Copy your new API key"),
		});
	}

	/**
	 * Shows a guild's keys. The list on screen changes only once the new one has loaded; a refusal is
	 * thrown for the caller to show where it came from (the token or the guild field).
	 */
	async open(api: AdminApi, guildId: string, options: { auditAllowed?: boolean } = {}): Promise<void> {
		const records = await this.fetchRecords(api, guildId);
		if (this.current?.guildId !== guildId) {
			this.rowErrors.clear();
			this.activityKeyId = undefined;
		}
		this.current = { api, guildId, auditAllowed: options.auditAllowed ?? true };
		this.records = records;
		this.render();
	}

	/** Forgets the guild and its keys (sign-out). */
	close(): void {
		this.current = undefined;
		this.records = [];
		this.rowErrors.clear();
		this.activityKeyId = undefined;
		byId("key-rows", HTMLTableSectionElement).replaceChildren();
		hideKeyActivity();
	}

	private get api(): AdminApi {
		if (this.current === undefined) throw new Error("No guild is open.");
		return this.current.api;
	}

	private get guildId(): string {
		if (this.current === undefined) throw new Error("No guild is open.");
		return this.current.guildId;
	}

	private async fetchRecords(api: AdminApi, guildId: string): Promise<ApiKeyRecord[]> {
		const loading = byId("keys-loading", HTMLElement);
		const table = byId("key-table", HTMLTableElement);
		loading.hidden = false;
		table.setAttribute("aria-busy", "true");
		try {
			return await api.listKeys(guildId);
		} finally {
			loading.hidden = true;
			table.removeAttribute("aria-busy");
		}
	}

	private async reload(): Promise<void> {
		try {
			this.records = await this.fetchRecords(this.api, this.guildId);
			byId("keys-error", HTMLElement).textContent = "";
			this.render();
			this.refreshActivity();
		} catch (err) {
			if (!this.refusedToken(err)) byId("keys-error", HTMLElement).textContent = `The list could not be refreshed: ${messageOf(err)}`;
		}
	}

	openCreate(): void {
		openCreateDialog(() => this.focusCreateOrTitle());
	}

	private render(): void {
		const inUse = this.records.filter((record) => record.status !== "revoked").length;
		const atLimit = inUse >= MAX_KEYS_PER_GUILD;
		byId("key-count", HTMLElement).textContent = `${inUse} of ${MAX_KEYS_PER_GUILD} keys`;
		byId("key-table-caption", HTMLElement).textContent = `API keys of guild ${this.guildId}`;
		const create = byId("create-key", HTMLButtonElement);
		create.disabled = atLimit;
		byId("create-key-reason", HTMLElement).textContent = atLimit
			? `Limit of ${MAX_KEYS_PER_GUILD} keys reached: revoke one to free a slot.`
			: "";
		byId("no-keys", HTMLElement).hidden = this.records.length > 0;
		byId("key-table", HTMLTableElement).hidden = this.records.length === 0;
		if (!this.records.some((record) => record.id === this.activityKeyId)) {
			this.activityKeyId = undefined;
			hideKeyActivity();
		}
		renderKeyRows(
			byId("key-rows", HTMLTableSectionElement),
			{ records: this.records, now: nowInSeconds(), errors: this.rowErrors, activityKeyId: this.activityKeyId },
			{
				copy: (record, what, button) => void this.copy(record, what, button),
				changeStatus: (record, action, button) => void this.changeStatus(record, action, button),
				roll: (record) => this.roll(record),
				edit: (record) => this.edit(record),
				revoke: (record) => this.revoke(record),
				remove: (record) => this.remove(record),
				toggleActivity: (record) => void this.toggleActivity(record),
			},
		);
	}

	private async copy(record: ApiKeyRecord, what: "prefix" | "id", button: HTMLButtonElement): Promise<void> {
		const [text, noun] = what === "prefix" ? [record.prefix, "Prefix"] : [record.id, "Key ID"];
		try {
			await navigator.clipboard.writeText(text);
			announce(`${noun} ${text} copied`);
			showCopied(button);
		} catch {
			this.showRowError(record.id, `The browser refused clipboard access; select the ${noun.toLowerCase()} and copy it by hand.`);
		}
	}

	private async changeStatus(record: ApiKeyRecord, action: StatusAction, button: HTMLButtonElement): Promise<void> {
		this.rowErrors.delete(record.id);
		try {
			const updated = await withProgress(button, BUSY_LABEL[action], () => this.api.changeStatus(this.guildId, record.id, action));
			this.replace(updated);
			announce(`Key ${keyLabel(updated)} ${DONE_LABEL[action]}`);
		} catch (err) {
			if (this.refusedToken(err)) return;
			this.showRowError(record.id, messageOf(err));
		}
		// The clicked button is gone after the re-render: its row keeps the focus.
		this.focusRow(record.id, action === "disable" ? "enable" : "disable", action);
	}

	private roll(record: ApiKeyRecord): void {
		openRollDialog({
			record,
			roll: (overlap) => this.api.rollKey(this.guildId, record.id, overlap).catch((err: unknown) => this.rethrow(err)),
			rolled: (issued) => this.keyIssued(issued, "Copy your rolled API key"),
			returnFocus: () => this.focusRow(record.id, "roll"),
		});
	}

	private edit(record: ApiKeyRecord): void {
		openEditDialog({
			record,
			save: async (change) => {
				const path = `/guilds/${encodeURIComponent(this.guildId)}/keys/${encodeURIComponent(record.id)}`;
				const { api_key: updated } = await this.api
					.data<{ api_key: ApiKeyRecord }>("PATCH", path, change)
					.catch((err: unknown) => this.rethrow(err));
				this.rowErrors.delete(record.id);
				this.replace(updated);
				announce(`Key ${keyLabel(updated)} saved`);
			},
			returnFocus: () => this.focusRow(record.id, "edit"),
		});
	}

	private revoke(record: ApiKeyRecord): void {
		confirmAction({
			title: `Revoke key ${keyLabel(record)}?`,
			text: "Every game or tool using it is refused from its next request. Revoking is final; it frees a slot, and the revoked key can then be deleted.",
			confirmLabel: "Revoke key",
			busyLabel: "Revoking…",
			action: async () => {
				const updated = await this.api.changeStatus(this.guildId, record.id, "revoke").catch((err: unknown) => this.rethrow(err));
				this.rowErrors.delete(record.id);
				this.replace(updated);
				announce(`Key ${keyLabel(record)} revoked`);
			},
			// Revoked: the row's next step is Delete; cancelled: back to Revoke.
			returnFocus: () => this.focusRow(record.id, "delete", "revoke"),
		});
	}

	private remove(record: ApiKeyRecord): void {
		confirmAction({
			title: `Delete key ${keyLabel(record)}?`,
			text: "It disappears from this list. Its audit events stay.",
			confirmLabel: "Delete key",
			busyLabel: "Deleting…",
			action: async () => {
				await this.api.deleteKey(this.guildId, record.id).catch((err: unknown) => this.rethrow(err));
				this.rowErrors.delete(record.id);
				this.records = this.records.filter((other) => other.id !== record.id);
				this.render();
				announce(`Key ${keyLabel(record)} deleted`);
			},
			returnFocus: () => this.focusCreateOrTitle(),
		});
	}

	private async toggleActivity(record: ApiKeyRecord): Promise<void> {
		if (this.activityKeyId === record.id) {
			this.activityKeyId = undefined;
			hideKeyActivity();
			this.render();
			this.focusRow(record.id, "activity");
			return;
		}
		this.activityKeyId = record.id;
		this.render();
		try {
			await showKeyActivity(this.api, this.guildId, record, this.current!.auditAllowed);
		} catch (err) {
			// The panel shows the message; only a refused token changes the page.
			this.refusedToken(err);
		}
		byId("activity-title", HTMLElement).focus();
	}

	/** A full key from create or roll: shown once, then the list is reloaded behind the dialog. */
	private keyIssued(issued: IssuedKey, title: string): void {
		showKeyOnce(title, issued.key, () => this.focusRow(issued.api_key.id, "activity"));
		announce(`Key ${keyLabel(issued.api_key)} ready: copy it now`);
		void this.reload();
	}

	private replace(updated: ApiKeyRecord): void {
		this.records = this.records.map((record) => (record.id === updated.id ? updated : record));
		this.render();
		this.refreshActivity();
	}

	/** An open activity panel gets the event just made (and the key's new name or prefix). */
	private refreshActivity(): void {
		const shown = this.records.find((record) => record.id === this.activityKeyId);
		if (shown !== undefined) {
			void showKeyActivity(this.api, this.guildId, shown, this.current!.auditAllowed).catch((err: unknown) => this.refusedToken(err));
		}
	}

	private showRowError(keyId: string, message: string): void {
		this.rowErrors.set(keyId, message);
		this.render();
	}

	/**
	 * Focuses the row's first button among `preferred` actions, else its first button; a missing row
	 * (deleted) sends focus to the list's heading.
	 */
	private focusRow(keyId: string, ...preferred: string[]): void {
		const row = byId("key-rows", HTMLTableSectionElement).querySelector<HTMLTableRowElement>(`tr[data-key-id="${CSS.escape(keyId)}"]`);
		const choices = preferred.map((action) => row?.querySelector<HTMLButtonElement>(`button[data-action="${action}"]`));
		const target = choices.find((button) => button !== null && button !== undefined) ?? row?.querySelector("button");
		(target ?? byId("keys-title", HTMLElement)).focus();
	}

	private focusCreateOrTitle(): void {
		const create = byId("create-key", HTMLButtonElement);
		(create.disabled ? byId("keys-title", HTMLElement) : create).focus();
	}

	/** Signs out on a refused token (the dialog closes with the page); any error goes on to the caller. */
	private rethrow(err: unknown): never {
		this.refusedToken(err);
		throw err;
	}

	/** True (and signed out) when the gateway refused the admin token. */
	private refusedToken(err: unknown): boolean {
		if (!(err instanceof AdminApiError) || err.status !== 401) return false;
		this.signedOut("The gateway refused the admin token. Paste it again to sign in.");
		return true;
	}
}

export const messageOf = (err: unknown) => (err instanceof Error ? err.message : String(err));
