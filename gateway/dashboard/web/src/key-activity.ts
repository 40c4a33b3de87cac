// gateway/dashboard/web/src/key-activity.ts
// One key's activity: requests per hour over the last 24 hours, the addresses it was used from, and its audit trail, newest first.

import type { AdminApi, ApiKeyRecord, AuditEvent } from "./admin-api";
import { byId, el } from "./dom";
import { nowInSeconds, timeElement } from "./time-format";
import { usageChart } from "./usage-chart";

const EVENT_LABEL: Record<AuditEvent["event"], string> = {
	created: "Created",
	revoked: "Revoked",
	disabled: "Disabled",
	enabled: "Enabled",
	updated: "Updated",
	deleted: "Deleted",
	rolled: "Rolled",
	moderated: "Moderated",
	user_moderated: "Creator suspended",
	creator_removed: "Creator lost access",
	released: "Suspension lifted",
	member_added: "Member added",
	member_updated: "Member changed",
	member_removed: "Member removed",
	operator_suspended: "Operator suspended",
	operator_unsuspended: "Suspension lifted",
	webhook_created: "Webhook added",
	webhook_updated: "Webhook changed",
	webhook_secret_rolled: "Webhook secret rolled",
	webhook_deleted: "Webhook removed",
	webhook_test_sent: "Webhook test sent",
	webhook_redelivered: "Delivery resent",
	experience_linked: "Experience linked",
	experience_updated: "Experience changed",
	experience_unlinked: "Experience unlinked",
	experience_link_failing: "Experience link failing",
	discord_command: "Discord command",
	server_command_sent: "Command sent to live servers",
};

/** The actor as people know them: the Discord name of an operator, the admin token, or the gateway itself. */
function actorName(event: AuditEvent): string {
	if (event.actor.type === "system") return "the gateway";
	return event.actor.type === "operator" ? event.actor.name : "the admin token";
}

export function hideKeyActivity(): void {
	byId("key-activity", HTMLElement).hidden = true;
}

/** Opens the panel for `record` and loads both parts at once (the trail only when `auditAllowed`); a failure is shown in the panel. */
export async function showKeyActivity(api: AdminApi, guildId: string, record: ApiKeyRecord, auditAllowed: boolean): Promise<void> {
	const panel = byId("key-activity", HTMLElement);
	const loading = byId("activity-loading", HTMLElement);
	const error = byId("activity-error", HTMLElement);
	const chart = byId("usage-chart", HTMLElement);
	const trail = byId("audit-list", HTMLOListElement);
	const addresses = byId("address-list", HTMLUListElement);
	byId("activity-title", HTMLElement).textContent = `Activity of ${record.name ?? "unnamed key"} (${record.prefix}…)`;
	panel.hidden = false;
	panel.setAttribute("aria-busy", "true");
	loading.hidden = false;
	error.textContent = "";
	try {
		// The audit trail needs administer_keys: an operator who may only create keys still sees the usage.
		const [usage, events] = await Promise.all([api.hourlyUsage(guildId, record.id), auditAllowed ? api.audit(guildId) : null]);
		const now = nowInSeconds();
		chart.replaceChildren(usageChart(usage.points));
		addresses.replaceChildren(
			...(usage.recent_addresses.length === 0
				? [el("li", { class: "muted" }, "Not used yet.")]
				: usage.recent_addresses.map((use) =>
						el(
							"li",
							{ class: "address-item" },
							el("code", {}, use.address),
							el("span", { class: "audit-meta" }, `${use.count} request${use.count === 1 ? "" : "s"}, last `, timeElement(use.last_seen_at, now)),
						),
					)),
		);
		const own = events?.filter((event) => event.key_id === record.id) ?? [];
		const empty = el("li", { class: "muted" }, events === null ? "The audit trail is for those who administer this server's keys." : "No events.");
		trail.replaceChildren(...(own.length === 0 ? [empty] : own.map((event) => auditItem(event, now))));
	} catch (err) {
		chart.replaceChildren();
		trail.replaceChildren();
		addresses.replaceChildren();
		error.textContent = err instanceof Error ? err.message : String(err);
		throw err;
	} finally {
		loading.hidden = true;
		panel.removeAttribute("aria-busy");
	}
}

function auditItem(event: AuditEvent, now: number): HTMLLIElement {
	const detail = auditDetail(event);
	return el(
		"li",
		{ class: `audit-item audit-${event.event}` },
		el("span", { class: "audit-event" }, EVENT_LABEL[event.event]),
		detail === undefined ? null : el("span", { class: "audit-detail" }, detail),
		el("span", { class: "audit-meta" }, `by ${actorName(event)}, `, timeElement(event.at, now)),
	);
}

function auditDetail(event: AuditEvent): string | undefined {
	const details = event.details;
	switch (event.event) {
		case "created":
			return typeof details.name === "string" ? `as “${details.name}”` : undefined;
		case "updated":
			return `changed ${Object.keys(details).join(", ")}`;
		case "rolled": {
			const overlap = Number(details.expire_previous_in_seconds ?? 0);
			const previous = overlap > 0 ? `previous key kept ${duration(overlap)}` : "previous key refused at once";
			return `new prefix ${String(details.prefix)}…, ${previous}`;
		}
		default:
			return undefined;
	}
}

function duration(seconds: number): string {
	const [size, unit] = seconds % 86_400 === 0 ? [86_400, "day"] : seconds % 3_600 === 0 ? [3_600, "hour"] : [60, "minute"];
	const count = Math.round(seconds / size);
	return `${count} ${unit}${count === 1 ? "" : "s"}`;
}
