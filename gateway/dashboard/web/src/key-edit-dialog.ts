// gateway/dashboard/web/src/key-edit-dialog.ts
// The Edit key dialog: name, description and the key's own per-minute quotas (PATCH, docs/api.md's "API summary").

import type { ApiKeyRecord } from "./admin-api";
import { busyDialog, openDialog, type FocusReturn } from "./dialogs";
import { el, labelledField as field, setFieldError } from "./dom";
import { keyLabel } from "./key-table";

/** The quota categories of docs/api.md's "API summary", as the form names them. */
const CATEGORIES = [
	["moderation", "Status reads and batch"],
	["lists", "Active lists and history"],
	["writes", "Bans, mutes and lifts"],
	["events", "Live servers' polls and streams"],
	["servers", "Live servers' heartbeats"],
] as const;

export interface KeyEdit {
	name: string | null;
	description: string | null;
	rate_limits: Partial<Record<(typeof CATEGORIES)[number][0], number>> | null;
}

export interface EditRequest {
	record: ApiKeyRecord;
	/** Sends the change; a thrown error's message is shown in the dialog, which stays open. */
	save: (change: KeyEdit) => Promise<void>;
	returnFocus: FocusReturn;
}

let dialog: HTMLDialogElement | undefined;

/** Built on first use and kept: one dialog, filled for each key. */
function editDialog(): HTMLDialogElement {
	if (dialog !== undefined) return dialog;
	const quotas = CATEGORIES.map(([category, hint]) =>
		field(`edit-quota-${category}`, `${category} per minute`, el("input", { inputmode: "numeric", autocomplete: "off", placeholder: "Default" }), hint),
	);
	dialog = el(
		"dialog",
		{ id: "edit-dialog", "aria-labelledby": "edit-title" },
		el(
			"form",
			{ id: "edit-form", novalidate: true },
			el("h2", { id: "edit-title" }, "Edit key"),
			field("edit-name", "Name", el("input", { maxlength: 64, autocomplete: "off" })),
			field("edit-description", "Description", el("textarea", { rows: 2, maxlength: 256 }), "Up to 256 characters; empty removes it."),
			el(
				"fieldset",
				{ class: "field" },
				el("legend", {}, "Quotas of this key"),
				el("p", { class: "hint" }, "Requests per minute, counted on every gateway instance. Empty keeps the gateway's default."),
				el("div", { class: "field-row" }, ...quotas),
			),
			el("p", { id: "edit-error", class: "error", role: "alert" }),
			el(
				"div",
				{ class: "dialog-actions" },
				el("button", { id: "edit-cancel", type: "button" }, "Cancel"),
				el("button", { id: "edit-save", class: "primary", type: "submit" }, "Save changes"),
			),
		),
	);
	document.body.append(dialog);
	return dialog;
}

const control = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;

/** Reads the form; null (with the field marked) when a quota is not a whole number from 1 to 100,000. */
function readEdit(): KeyEdit | null {
	const name = control<HTMLInputElement>("edit-name").value.trim();
	const description = control<HTMLTextAreaElement>("edit-description").value.trim();
	const limits: NonNullable<KeyEdit["rate_limits"]> = {};
	for (const [category] of CATEGORIES) {
		const input = control<HTMLInputElement>(`edit-quota-${category}`);
		const text = input.value.trim();
		const valid = text === "" || (/^[1-9]\d{0,5}$/.test(text) && Number(text) <= 100_000);
		setFieldError(input, control(`edit-quota-${category}-error`), valid ? "" : "A whole number of requests from 1 to 100,000, or empty.");
		if (!valid) {
			input.focus();
			return null;
		}
		if (text !== "") limits[category] = Number(text);
	}
	return { name: name === "" ? null : name, description: description === "" ? null : description, rate_limits: Object.keys(limits).length === 0 ? null : limits };
}

export function openEditDialog({ record, save, returnFocus }: EditRequest): void {
	const shown = editDialog();
	control("edit-title").textContent = `Edit key ${keyLabel(record)}`;
	control<HTMLInputElement>("edit-name").value = record.name ?? "";
	control<HTMLTextAreaElement>("edit-description").value = record.description ?? "";
	for (const [category] of CATEGORIES) {
		const input = control<HTMLInputElement>(`edit-quota-${category}`);
		input.value = String(record.rate_limits?.[category] ?? "");
		setFieldError(input, control(`edit-quota-${category}-error`), "");
	}
	control("edit-error").textContent = "";
	const form = control<HTMLFormElement>("edit-form");
	const cancel = control<HTMLButtonElement>("edit-cancel");
	const onSubmit = async (event: SubmitEvent) => {
		event.preventDefault();
		const change = readEdit();
		if (change === null) return;
		control("edit-error").textContent = "";
		try {
			await busyDialog(shown, control<HTMLButtonElement>("edit-save"), "Saving…", () => save(change));
			shown.close();
		} catch (err) {
			control("edit-error").textContent = err instanceof Error ? err.message : String(err);
		}
	};
	const onCancel = () => shown.close();
	form.addEventListener("submit", onSubmit);
	cancel.addEventListener("click", onCancel);
	shown.addEventListener(
		"close",
		() => {
			form.removeEventListener("submit", onSubmit);
			cancel.removeEventListener("click", onCancel);
		},
		{ once: true },
	);
	openDialog(shown, control("edit-name"), returnFocus);
}
