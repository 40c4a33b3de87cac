// gateway/dashboard/web/src/secret-dialog.ts
// Shows a full API key once, with a copy button; closing the dialog wipes it from the page for good.

import { byId } from "./dom";
import { openDialog, type FocusReturn } from "./dialogs";

const dialog = () => byId("secret-dialog", HTMLDialogElement);
const value = () => byId("secret-value", HTMLInputElement);
const result = () => byId("secret-copy-result", HTMLElement);

/** Wires the dialog's buttons once, at start-up. */
export function setUpSecretDialog(): void {
	byId("secret-copy", HTMLButtonElement).addEventListener("click", () => void copyShownKey());
	byId("secret-done", HTMLButtonElement).addEventListener("click", () => dialog().close());
	// Every way out (Done, Escape) lands here: the key leaves the DOM and no variable holds it.
	dialog().addEventListener("close", () => {
		value().value = "";
		result().textContent = "";
	});
}

export function showKeyOnce(title: string, key: string, returnFocus: FocusReturn): void {
	byId("secret-title", HTMLElement).textContent = title;
	value().value = key;
	result().textContent = "";
	openDialog(dialog(), value(), returnFocus);
	value().select();
}

async function copyShownKey(): Promise<void> {
	const input = value();
	try {
		await navigator.clipboard.writeText(input.value);
		result().textContent = "Copied to the clipboard.";
	} catch {
		// Clipboard access can be refused (permissions, insecure origin): leave the key selected instead.
		input.focus();
		input.select();
		result().textContent = "Copying was refused by the browser: the key is selected, press Ctrl+C (⌘C) to copy it.";
	}
}
