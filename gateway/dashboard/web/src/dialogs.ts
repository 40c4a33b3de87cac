// gateway/dashboard/web/src/dialogs.ts
// Modal dialogs: focus moves in on open and back to where the operator was on close; Escape is held while busy.

import { byId, withProgress } from "./dom";

/** Where focus goes when a dialog closes; a function because the invoking button may be re-rendered meanwhile. */
export type FocusReturn = () => void;

/** Native modal `<dialog>`: the rest of the page is inert while it is open, so focus cannot wander out. */
export function openDialog(dialog: HTMLDialogElement, initialFocus: HTMLElement, returnFocus: FocusReturn): void {
	dialog.addEventListener("close", returnFocus, { once: true });
	dialog.showModal();
	initialFocus.focus();
}

/** Runs a dialog's action with progress on its button; Escape cannot close the dialog half-way. */
export async function busyDialog<T>(dialog: HTMLDialogElement, button: HTMLButtonElement, busyLabel: string, action: () => Promise<T>): Promise<T> {
	const holdEscape = (event: Event) => event.preventDefault();
	dialog.addEventListener("cancel", holdEscape);
	try {
		return await withProgress(button, busyLabel, action);
	} finally {
		dialog.removeEventListener("cancel", holdEscape);
	}
}

export interface Confirmation {
	title: string;
	text: string;
	/** Shown above the text: who is acted on (a player's avatar and names). */
	details?: Node;
	confirmLabel: string;
	busyLabel: string;
	/** Runs on confirm; a thrown error's message is shown in the dialog, which stays open. */
	action: () => Promise<void>;
	returnFocus: FocusReturn;
}

/** Asks before a destructive action (revoke, delete, ban). Focus starts on Cancel, the safe choice; Escape and Cancel change nothing. */
export function confirmAction(confirmation: Confirmation): void {
	const dialog = byId("confirm-dialog", HTMLDialogElement);
	const ok = byId("confirm-ok", HTMLButtonElement);
	const cancel = byId("confirm-cancel", HTMLButtonElement);
	const error = byId("confirm-error", HTMLElement);
	byId("confirm-title", HTMLElement).textContent = confirmation.title;
	byId("confirm-text", HTMLElement).textContent = confirmation.text;
	byId("confirm-details", HTMLElement).replaceChildren(...(confirmation.details === undefined ? [] : [confirmation.details]));
	ok.textContent = confirmation.confirmLabel;
	error.textContent = "";

	const onConfirm = async () => {
		error.textContent = "";
		try {
			await busyDialog(dialog, ok, confirmation.busyLabel, confirmation.action);
			dialog.close();
		} catch (err) {
			error.textContent = err instanceof Error ? err.message : String(err);
		}
	};
	const onCancel = () => dialog.close();
	ok.addEventListener("click", onConfirm);
	cancel.addEventListener("click", onCancel);
	dialog.addEventListener(
		"close",
		() => {
			ok.removeEventListener("click", onConfirm);
			cancel.removeEventListener("click", onCancel);
		},
		{ once: true },
	);
	openDialog(dialog, cancel, confirmation.returnFocus);
}
