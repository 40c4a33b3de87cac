// gateway/dashboard/web/src/roll-dialog.ts
// Asks how long the current secret keeps working, then rolls the key; the new key is shown once.

import type { ApiKeyRecord, IssuedKey } from "./admin-api";
import { byId } from "./dom";
import { busyDialog, openDialog, type FocusReturn } from "./dialogs";
import { keyLabel } from "./key-table";

export interface RollRequest {
	record: ApiKeyRecord;
	roll(overlapSeconds: number): Promise<IssuedKey>;
	/** Receives the new full key once the dialog has closed. */
	rolled(issued: IssuedKey): void;
	returnFocus: FocusReturn;
}

const dialog = () => byId("roll-dialog", HTMLDialogElement);
let current: RollRequest | undefined;

export function setUpRollDialog(): void {
	byId("roll-cancel", HTMLButtonElement).addEventListener("click", () => dialog().close());
	byId("roll-form", HTMLFormElement).addEventListener("submit", (event) => {
		event.preventDefault();
		void submit();
	});
	dialog().addEventListener("close", () => {
		current = undefined;
	});
}

export function openRollDialog(request: RollRequest): void {
	current = request;
	const form = byId("roll-form", HTMLFormElement);
	form.reset();
	byId("roll-title", HTMLElement).textContent = `Roll key ${keyLabel(request.record)}`;
	byId("roll-text", HTMLElement).textContent =
		"The key gets a new secret and a new prefix. Games must switch to the new key before the current one stops working.";
	byId("roll-error", HTMLElement).textContent = "";
	const first = form.querySelector<HTMLInputElement>("input[name=overlap]:checked");
	openDialog(dialog(), first ?? byId("roll-submit", HTMLButtonElement), request.returnFocus);
}

async function submit(): Promise<void> {
	const request = current;
	if (request === undefined) return;
	const choice = byId("roll-form", HTMLFormElement).querySelector<HTMLInputElement>("input[name=overlap]:checked");
	const overlap = Number(choice?.value ?? 0);
	byId("roll-error", HTMLElement).textContent = "";
	try {
		const issued = await busyDialog(dialog(), byId("roll-submit", HTMLButtonElement), "Rolling…", () => request.roll(overlap));
		dialog().close();
		request.rolled(issued);
	} catch (err) {
		byId("roll-error", HTMLElement).textContent = err instanceof Error ? err.message : String(err);
	}
}
