// gateway/dashboard/web/src/key-table.ts
// The key list's rows: prefix and id with copy buttons, name and description, created, last used (and from where), status, and the actions a status allows.

import type { ApiKeyRecord } from "./admin-api";
import type { KeyStatus } from "../../../../shared/records";
import { el, svg } from "./dom";
import { timeElement } from "./time-format";

export type StatusAction = "disable" | "enable";

/** What a row's buttons ask the page to do; each gets the button so progress and focus can follow it. */
export interface KeyRowActions {
	/** Copies the prefix or the key id (what the CLI takes); the button shows that it worked. */
	copy(record: ApiKeyRecord, what: "prefix" | "id", button: HTMLButtonElement): void;
	changeStatus(record: ApiKeyRecord, action: StatusAction, button: HTMLButtonElement): void;
	roll(record: ApiKeyRecord): void;
	edit(record: ApiKeyRecord): void;
	revoke(record: ApiKeyRecord): void;
	remove(record: ApiKeyRecord): void;
	toggleActivity(record: ApiKeyRecord): void;
}

export interface KeyRowsState {
	records: readonly ApiKeyRecord[];
	/** Unix seconds, for the relative times. */
	now: number;
	/** A failed action's message, shown under the key it concerns. */
	errors: ReadonlyMap<string, string>;
	/** The key whose activity panel is open, if any. */
	activityKeyId: string | undefined;
}

const STATUS_LABEL: Record<KeyStatus, string> = {
	active: "Active",
	disabled: "Disabled",
	expired: "Expired",
	auto_expired: "Auto-expired",
	revoked: "Revoked",
	moderated: "Moderated",
	user_moderated: "User moderated",
	creator_removed: "Creator removed",
};

const STATUS_HINT: Record<KeyStatus, string> = {
	active: "Authenticates requests",
	disabled: "Refused until enabled again",
	expired: "Past its expiry date; refused",
	auto_expired: "Unused and unchanged for 60 days; enable it to use it again",
	revoked: "Refused for good; it can be deleted",
	moderated: "Reset by the platform operator for security reasons; roll it to use it again",
	user_moderated: "Its creator's account is suspended; roll it, or wait for the suspension to be lifted",
	creator_removed: "Its creator lost access to this server's keys; roll it to become its creator",
};

const COLUMNS = 7;

/** How a key is named in dialogs and announcements: its name if it has one, and its prefix. */
export const keyLabel = (record: ApiKeyRecord) => (record.name === null ? `${record.prefix}…` : `“${record.name}” (${record.prefix}…)`);

export function renderKeyRows(tbody: HTMLTableSectionElement, state: KeyRowsState, actions: KeyRowActions): void {
	const rows: HTMLTableRowElement[] = [];
	for (const record of state.records) {
		rows.push(keyRow(record, state, actions));
		const error = state.errors.get(record.id);
		if (error !== undefined) {
			rows.push(el("tr", { class: "row-error" }, el("td", { colspan: COLUMNS, role: "alert" }, error)));
		}
	}
	tbody.replaceChildren(...rows);
}

function keyRow(record: ApiKeyRecord, state: KeyRowsState, actions: KeyRowActions): HTMLTableRowElement {
	const { now } = state;
	const copyButton = (what: "prefix" | "id", label: string) => {
		const button = el("button", { type: "button", class: "icon-button", "aria-label": label, title: label, "data-copy": what }, copyIcon());
		button.addEventListener("click", () => actions.copy(record, what, button));
		return button;
	};

	return el(
		"tr",
		{ "data-key-id": record.id, class: record.status === "revoked" ? "is-revoked" : undefined },
		el(
			"td",
			{ class: "prefix-cell", "data-label": "Key" },
			el("span", { class: "copy-line" }, el("code", { class: "prefix" }, `${record.prefix}…`), copyButton("prefix", `Copy prefix ${record.prefix}`)),
			el("span", { class: "copy-line key-id" }, el("span", { class: "muted" }, "ID "), el("code", {}, record.id), copyButton("id", `Copy key ID ${record.id}`)),
		),
		el(
			"td",
			{ class: "name-cell", "data-label": "Name" },
			record.name ?? el("span", { class: "muted" }, "Unnamed"),
			record.description === null ? null : el("span", { class: "cell-detail description" }, record.description),
		),
		el("td", { class: "time-cell", "data-label": "Created" }, timeElement(record.created_at, now)),
		el(
			"td",
			{ class: "time-cell", "data-label": "Last used" },
			record.last_used_at === null ? el("span", { class: "muted" }, "Never") : timeElement(record.last_used_at, now),
			record.last_used_ip === null ? null : el("span", { class: "cell-detail last-ip" }, "from ", el("code", {}, record.last_used_ip)),
		),
		el("td", { class: "creator-cell", "data-label": "Created by" }, creatorName(record)),
		el("td", { class: "status-cell", "data-label": "Status" }, statusBadge(record), statusDetail(record, now), quotaDetail(record)),
		el("td", { class: "actions" }, el("span", { class: "action-buttons" }, ...actionButtons(record, state, actions))),
	);
}

/** Who generated the current secret: an operator by their Discord name, or the admin token. */
function creatorName(record: ApiKeyRecord): HTMLElement | string {
	const creator = record.created_by;
	return creator.type === "operator" ? el("span", { title: `Discord user ${creator.id}` }, creator.name ?? creator.id ?? "") : el("span", { class: "muted" }, "Admin token");
}

function statusBadge(record: ApiKeyRecord): HTMLElement {
	return el("span", { class: `status status-${record.status}`, title: STATUS_HINT[record.status] }, STATUS_LABEL[record.status]);
}

/** The key's own per-minute quotas, when an operator set any (PATCH `rate_limits`). */
function quotaDetail(record: ApiKeyRecord): HTMLElement | null {
	const limits = Object.entries(record.rate_limits ?? {});
	if (limits.length === 0) return null;
	return el("span", { class: "status-detail quota-detail" }, `quota: ${limits.map(([category, perMinute]) => `${category} ${perMinute}/min`).join(", ")}`);
}

function statusDetail(record: ApiKeyRecord, now: number): HTMLElement | null {
	if (record.status === "revoked" && record.revoked_at !== null) {
		return el("span", { class: "status-detail" }, "revoked ", timeElement(record.revoked_at, now));
	}
	if (record.expires_at !== null) {
		const word = record.expires_at > now ? "expires " : "expired ";
		return el("span", { class: "status-detail" }, word, timeElement(record.expires_at, now));
	}
	return null;
}

function actionButtons(record: ApiKeyRecord, state: KeyRowsState, actions: KeyRowActions): HTMLButtonElement[] {
	const button = (label: string, onClick: (self: HTMLButtonElement) => void, attributes: Record<string, string> = {}) => {
		const self = el("button", { type: "button", ...attributes }, label);
		self.addEventListener("click", () => onClick(self));
		return self;
	};
	const shown = state.activityKeyId === record.id;
	const list = [
		button("Activity", () => actions.toggleActivity(record), {
			"aria-expanded": String(shown),
			"aria-controls": "key-activity",
			"data-action": "activity",
		}),
	];
	if (record.status === "revoked") {
		list.push(button("Delete", () => actions.remove(record), { class: "danger", "data-action": "delete" }));
		return list;
	}
	list.push(button("Edit", () => actions.edit(record), { "data-action": "edit", "aria-label": `Edit ${keyLabel(record)}` }));
	if (record.status === "active") {
		list.push(button("Disable", (self) => actions.changeStatus(record, "disable", self), { "data-action": "disable" }));
	} else if (record.status === "disabled" || record.status === "auto_expired") {
		list.push(button("Enable", (self) => actions.changeStatus(record, "enable", self), { "data-action": "enable" }));
	}
	list.push(
		button("Roll", () => actions.roll(record), { "data-action": "roll" }),
		button("Revoke", () => actions.revoke(record), { class: "danger", "data-action": "revoke" }),
	);
	return list;
}

function copyIcon(): SVGSVGElement {
	return svg(
		"svg",
		{ viewBox: "0 0 16 16", width: 16, height: 16, "aria-hidden": "true", focusable: "false" },
		svg("rect", { x: 5, y: 5, width: 9, height: 9, rx: 1.5 }),
		svg("path", { d: "M3 11V3.5A1.5 1.5 0 0 1 4.5 2H11" }),
	);
}
