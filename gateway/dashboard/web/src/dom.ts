// gateway/dashboard/web/src/dom.ts
// Builds elements with DOM APIs only: data goes in as text nodes, never as markup.

type Child = Node | string | null | undefined | false;

/** Attributes are set with setAttribute; `true` sets an empty attribute, `false`/undefined leave it out. */
export type Attributes = Record<string, string | number | boolean | undefined>;

export function el<K extends keyof HTMLElementTagNameMap>(
	tag: K,
	attributes: Attributes = {},
	...children: Child[]
): HTMLElementTagNameMap[K] {
	return fill(document.createElement(tag), attributes, children);
}

const SVG_NS = "http://www.w3.org/2000/svg";

export function svg<K extends keyof SVGElementTagNameMap>(
	tag: K,
	attributes: Attributes = {},
	...children: Child[]
): SVGElementTagNameMap[K] {
	return fill(document.createElementNS(SVG_NS, tag), attributes, children);
}

function fill<E extends Element>(element: E, attributes: Attributes, children: Child[]): E {
	for (const [name, value] of Object.entries(attributes)) {
		if (value === undefined || value === false) continue;
		element.setAttribute(name, value === true ? "" : String(value));
	}
	for (const child of children) {
		if (child === null || child === undefined || child === false) continue;
		element.append(child);
	}
	return element;
}

/** The element with this id in index.html, checked to be of the expected kind. */
export function byId<T extends HTMLElement>(id: string, kind: new () => T): T {
	const element = document.getElementById(id);
	if (!(element instanceof kind)) throw new Error(`index.html lacks #${id} (${kind.name})`);
	return element;
}

/** Shows `message` in a field's error line and marks the field invalid for screen readers. */
export function setFieldError(field: HTMLElement, errorLine: HTMLElement, message: string): void {
	errorLine.textContent = message;
	if (message === "") field.removeAttribute("aria-invalid");
	else field.setAttribute("aria-invalid", "true");
}

/**
 * Runs a slow action with its button showing progress: disabled, `aria-busy`, and the busy label
 * ("Revoking…") so the operator sees that something is happening.
 */
export async function withProgress<T>(button: HTMLButtonElement, busyLabel: string, action: () => Promise<T>): Promise<T> {
	const label = button.textContent ?? "";
	button.disabled = true;
	button.setAttribute("aria-busy", "true");
	button.textContent = busyLabel;
	try {
		return await action();
	} finally {
		button.disabled = false;
		button.removeAttribute("aria-busy");
		button.textContent = label;
	}
}

/** A labelled field: the label above, hint and error lines below, tied to the control for screen readers. */
export function labelledField(id: string, label: string, control: HTMLElement, hint?: string): HTMLElement {
	control.id = id;
	control.setAttribute("aria-describedby", `${hint === undefined ? "" : `${id}-hint `}${id}-error`);
	return el(
		"div",
		{ class: "field" },
		el("label", { for: id }, label),
		control,
		hint === undefined ? null : el("p", { id: `${id}-hint`, class: "hint" }, hint),
		el("p", { id: `${id}-error`, class: "field-error", role: "alert" }),
	);
}
