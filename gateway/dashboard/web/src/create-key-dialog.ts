// gateway/dashboard/web/src/create-key-dialog.ts
// The Create API Key dialog: name and description, and under "Advanced" scopes, allowed CIDRs and an expiry date.

import { AdminApiError, type IssuedKey, type NewKeyInput, type Scope } from "./admin-api";
import { byId, setFieldError } from "./dom";
import { busyDialog, openDialog, type FocusReturn } from "./dialogs";

export interface CreateKeyHandlers {
	/** Calls the admin API for the open guild. */
	create(input: NewKeyInput): Promise<IssuedKey>;
	/** Receives the full key once the dialog has closed. */
	created(issued: IssuedKey): void;
}

type FieldName = "name" | "description" | "scopes" | "cidrs" | "expires";

const dialog = () => byId("create-dialog", HTMLDialogElement);

const fields: Record<FieldName, { input: () => HTMLElement; error: () => HTMLElement }> = {
	name: { input: () => byId("create-name", HTMLInputElement), error: () => byId("create-name-error", HTMLElement) },
	description: { input: () => byId("create-description", HTMLTextAreaElement), error: () => byId("create-description-error", HTMLElement) },
	scopes: { input: () => byId("scope-read", HTMLInputElement), error: () => byId("create-scopes-error", HTMLElement) },
	cidrs: { input: () => byId("create-cidrs", HTMLTextAreaElement), error: () => byId("create-cidrs-error", HTMLElement) },
	expires: { input: () => byId("create-expires", HTMLInputElement), error: () => byId("create-expires-error", HTMLElement) },
};

/** A field the operator can fix, with what is wrong in words. */
class FieldProblem extends Error {
	constructor(
		readonly field: FieldName,
		message: string,
	) {
		super(message);
	}
}

export function setUpCreateDialog(handlers: CreateKeyHandlers): void {
	byId("create-cancel", HTMLButtonElement).addEventListener("click", () => dialog().close());
	byId("create-form", HTMLFormElement).addEventListener("submit", (event) => {
		event.preventDefault();
		void submit(handlers);
	});
}

export function openCreateDialog(returnFocus: FocusReturn): void {
	byId("create-form", HTMLFormElement).reset();
	byId("create-advanced", HTMLDetailsElement).open = false;
	clearErrors();
	openDialog(dialog(), byId("create-name", HTMLInputElement), returnFocus);
}

async function submit(handlers: CreateKeyHandlers): Promise<void> {
	clearErrors();
	let input: NewKeyInput;
	try {
		input = readForm();
	} catch (err) {
		if (err instanceof FieldProblem) return showProblem(err.field, err.message);
		throw err;
	}
	try {
		const issued = await busyDialog(dialog(), byId("create-submit", HTMLButtonElement), "Creating…", () => handlers.create(input));
		dialog().close();
		handlers.created(issued);
	} catch (err) {
		const field = err instanceof AdminApiError && err.code === "bad_request" ? fieldOfMessage(err.message) : undefined;
		const message = err instanceof Error ? err.message : String(err);
		if (field === undefined) byId("create-error", HTMLElement).textContent = message;
		else showProblem(field, message);
	}
}

function readForm(): NewKeyInput {
	const input: NewKeyInput = {};
	const name = byId("create-name", HTMLInputElement).value.trim();
	if (name !== "") input.name = name;
	const description = byId("create-description", HTMLTextAreaElement).value.trim();
	if (description !== "") input.description = description;

	const scopes = [byId("scope-read", HTMLInputElement), byId("scope-write", HTMLInputElement)]
		.filter((box) => box.checked)
		.map((box) => box.value as Scope);
	if (scopes.length === 0) throw new FieldProblem("scopes", "Pick at least one scope.");
	// Both scopes is the API's default; sending nothing keeps the request minimal.
	if (scopes.length === 1) input.scopes = scopes;

	const cidrs = byId("create-cidrs", HTMLTextAreaElement)
		.value.split(/[\s,]+/)
		.filter((entry) => entry !== "");
	if (cidrs.length > 0) input.allowed_cidrs = cidrs;

	const expires = byId("create-expires", HTMLInputElement).value;
	if (expires !== "") {
		const [year, month, day] = expires.split("-").map(Number);
		const endOfDay = Math.floor(new Date(year, month - 1, day, 23, 59, 59).getTime() / 1000);
		if (!(endOfDay > Date.now() / 1000)) throw new FieldProblem("expires", "Pick a day from today on: the key would be expired already.");
		input.expires_at = endOfDay;
	}
	return input;
}

/** The API's 400 messages name the field first ("allowed_cidrs has invalid CIDRs: …"). */
function fieldOfMessage(message: string): FieldName | undefined {
	if (message.startsWith("name")) return "name";
	if (message.startsWith("description")) return "description";
	if (/scope/i.test(message)) return "scopes";
	if (message.startsWith("allowed_cidrs")) return "cidrs";
	if (message.startsWith("expires_at")) return "expires";
	return undefined;
}

function showProblem(field: FieldName, message: string): void {
	// A problem in a folded section must not stay hidden.
	if (field !== "name" && field !== "description") byId("create-advanced", HTMLDetailsElement).open = true;
	const { input, error } = fields[field];
	setFieldError(input(), error(), message);
	input().focus();
}

function clearErrors(): void {
	for (const { input, error } of Object.values(fields)) setFieldError(input(), error(), "");
	byId("create-error", HTMLElement).textContent = "";
}
