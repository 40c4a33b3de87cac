// gateway/dashboard/web/src/outbound-pages.ts
// The Webhooks and Experiences sections of a guild: add, test-send, deliveries with their attempts, redeliver; link an experience and see its last mirror.

import { WEBHOOK_EVENTS } from "../../../../shared/records";
import { AdminApiError, type AdminApi } from "./admin-api";
import { el, withProgress } from "./dom";
import { nowInSeconds, timeElement } from "./time-format";
import { setTabAvailable } from "./guild-tabs";

/** Mirrors the admin API's answers (gateway/api-schema/outbound-schemas.ts). */
interface WebhookRecord {
	id: string;
	url: string;
	events: string[];
	format: "standard" | "discord";
	enabled: boolean;
	created_at: number;
}

interface DeliveryRecord {
	id: string;
	event: string;
	status: "pending" | "delivered" | "failed";
	attempts: { at: number; status_code: number | null; error: string | null }[];
	next_attempt_at: number | null;
	created_at: number;
}

interface ExperienceRecord {
	universe_id: string;
	key_prefix: string;
	exclude_alt_accounts: boolean;
	status: "ok" | "failing";
	last_error: string | null;
	last_mirrored_at: number | null;
	push_status: "unknown" | "ok" | "failing";
	push_error: string | null;
}

/** One line on whether changes are pushed to the experience's servers through Roblox (docs/fleets.md, "Push through Roblox"). */
function pushLine(link: ExperienceRecord): string {
	if (link.push_status === "ok") return "Push: on, servers are told at once";
	if (link.push_status === "unknown") return "Push: checking the key…";
	return `Push: off, servers poll. ${link.push_error ?? ""}`.trim();
}


const messageOf = (err: unknown) => (err instanceof AdminApiError || err instanceof Error ? err.message : String(err));
const guildPath = (guildId: string) => `/guilds/${encodeURIComponent(guildId)}`;

/** A secret shown once, in place, with the warning that it will not come back. */
function secretOnce(label: string, secret: string): HTMLElement {
	const input = el("input", { readonly: true, value: secret, spellcheck: "false", "aria-label": label });
	input.value = secret;
	return el(
		"div",
		{ class: "warning", role: "status" },
		el("strong", {}, `${label}: shown this once.`),
		" Copy it now; it is not shown again.",
		el("div", { class: "secret-row" }, input),
	);
}

function errorLine(): HTMLParagraphElement {
	return el("p", { class: "error", role: "alert" });
}

/** The actions column's header: named for screen readers, nothing shown. */
const actionsHeader = () => el("th", { scope: "col" }, el("span", { class: "visually-hidden" }, "Actions"));

/** The Webhooks and Roblox experiences tabs, for the guild on screen; rebuilt when the guild changes. */
export class OutboundPages {
	private readonly webhooks = el("section", { class: "card", id: "webhooks", "aria-labelledby": "webhooks-title" });
	private readonly experiences = el("section", { class: "card", id: "experiences", "aria-labelledby": "experiences-title" });
	private api: AdminApi | undefined;
	private guildId = "";

	constructor(webhooksPanel: HTMLElement, experiencesPanel: HTMLElement) {
		webhooksPanel.append(this.webhooks);
		experiencesPanel.append(this.experiences);
	}

	async open(api: AdminApi, guildId: string): Promise<void> {
		this.api = api;
		this.guildId = guildId;
		setTabAvailable("#webhooks", true);
		setTabAvailable("#experiences", true);
		await Promise.all([this.renderWebhooks(this.webhooks), this.renderExperiences(this.experiences)]);
	}

	close(): void {
		this.api = undefined;
		this.webhooks.replaceChildren();
		this.experiences.replaceChildren();
		setTabAvailable("#webhooks", false);
		setTabAvailable("#experiences", false);
	}

	/**
	 * Reads one of the guild's lists (`GET /<name>`, answered as `data.<name>`) and shows its table, or
	 * its empty-state line when there is nothing; on failure says why in `error` and answers undefined.
	 */
	private async loadList<T>(name: "webhooks" | "experiences", error: HTMLElement, table: HTMLElement, empty: HTMLElement): Promise<T[] | undefined> {
		let records: T[];
		try {
			records = (await this.call<Record<typeof name, T[]>>("GET", `/${name}`))[name];
		} catch (err) {
			error.textContent = messageOf(err);
			return undefined;
		}
		table.hidden = records.length === 0;
		empty.hidden = records.length > 0;
		return records;
	}

	private async call<T>(method: string, path: string, body?: unknown): Promise<T> {
		if (this.api === undefined) throw new Error("Signed out");
		return this.api.data<T>(method, `${guildPath(this.guildId)}${path}`, body);
	}


	private async renderWebhooks(section: HTMLElement): Promise<void> {
		const error = errorLine();
		const list = el("tbody", { id: "webhook-rows" });
		const shown = el("div", { id: "webhook-secret" });
		const deliveries = el("div", { id: "webhook-deliveries" });
		const table = el(
			"table",
			{ class: "key-table outbound-table" },
			el("thead", {}, el("tr", {}, ...["URL", "Events", "Format", "Created"].map((name) => el("th", { scope: "col" }, name)), actionsHeader())),
			list,
		);
		const empty = el("p", { class: "empty", id: "no-webhooks", hidden: true }, "No webhooks yet. Add one below to hear of bans, mutes and key changes.");
		section.replaceChildren(
			el("h1", { id: "webhooks-title" }, "Webhooks"),
			el("p", { class: "muted" }, "Events sent out as they happen: signed Standard Webhooks for your services, or Discord messages for a log channel."),
			error,
			shown,
			table,
			empty,
			this.webhookForm(error, () => this.renderWebhooks(section)),
			deliveries,
		);
		const records = await this.loadList<WebhookRecord>("webhooks", error, table, empty);
		if (records === undefined) return;
		const now = nowInSeconds();
		list.replaceChildren(
			...records.map((webhook) => {
				const test = el("button", { type: "button" }, "Send test");
				const show = el("button", { type: "button" }, "Deliveries");
				const remove = el("button", { type: "button", class: "danger" }, "Delete");
				test.addEventListener("click", () =>
					void withProgress(test, "Sending…", async () => {
						await this.call("POST", `/webhooks/${encodeURIComponent(webhook.id)}/test`);
						await this.showDeliveries(deliveries, webhook);
					}).catch((err: unknown) => (error.textContent = messageOf(err))),
				);
				show.addEventListener("click", () => void this.showDeliveries(deliveries, webhook).catch((err: unknown) => (error.textContent = messageOf(err))));
				remove.addEventListener("click", () =>
					void withProgress(remove, "Deleting…", async () => {
						await this.call("DELETE", `/webhooks/${encodeURIComponent(webhook.id)}`);
						await this.renderWebhooks(section);
					}).catch((err: unknown) => (error.textContent = messageOf(err))),
				);
				return el(
					"tr",
					{ "data-webhook": webhook.id },
					el("td", { class: "url-cell", "data-label": "URL" }, el("code", {}, webhook.url)),
					el("td", { class: "events-cell", "data-label": "Events" }, webhook.events.join(", ")),
					el("td", { "data-label": "Format" }, webhook.format),
					el("td", { class: "time-cell", "data-label": "Created" }, timeElement(webhook.created_at, now)),
					el("td", { class: "actions" }, el("span", { class: "action-buttons" }, test, show, remove)),
				);
			}),
		);
	}

	private webhookForm(error: HTMLElement, done: () => Promise<void>): HTMLFormElement {
		const url = el("input", { id: "webhook-url", type: "url", placeholder: "https://example.com/hooks/technified", spellcheck: "false" });
		const format = el("select", { id: "webhook-format" }, el("option", { value: "standard" }, "Standard Webhooks (signed)"), el("option", { value: "discord" }, "Discord message"));
		const boxes = WEBHOOK_EVENTS.map((event) => el("input", { type: "checkbox", value: event, checked: event.startsWith("ban.") }));
		const submit = el("button", { type: "submit", class: "primary" }, "Add webhook");
		const form = el(
			"form",
			{ id: "webhook-form", novalidate: true },
			el("h2", {}, "Add a webhook"),
			el("div", { class: "field" }, el("label", { for: "webhook-url" }, "URL"), url),
			el("div", { class: "field" }, el("label", { for: "webhook-format" }, "Format"), format),
			el("fieldset", { class: "field" }, el("legend", {}, "Events"), ...boxes.map((box) => el("label", { class: "check" }, box, " ", el("code", {}, box.value)))),
			submit,
		);
		form.addEventListener("submit", (event) => {
			event.preventDefault();
			error.textContent = "";
			const events = boxes.filter((box) => box.checked).map((box) => box.value);
			void withProgress(submit, "Adding…", async () => {
				const created = await this.call<{ webhook: WebhookRecord; secret?: string }>("POST", "/webhooks", { url: url.value.trim(), events, format: format.value });
				await done();
				// Rendered after the list is rebuilt, so the secret stays on screen.
				const secretBox = document.getElementById("webhook-secret");
				if (created.secret !== undefined) secretBox?.replaceChildren(secretOnce("Signing secret", created.secret));
			}).catch((err: unknown) => (error.textContent = messageOf(err)));
		});
		return form;
	}

	private async showDeliveries(target: HTMLElement, webhook: WebhookRecord): Promise<void> {
		const { deliveries } = await this.call<{ deliveries: DeliveryRecord[] }>("GET", `/webhooks/${encodeURIComponent(webhook.id)}/deliveries`);
		const now = nowInSeconds();
		const error = errorLine();
		const refresh = el("button", { type: "button" }, "Refresh");
		refresh.addEventListener("click", () => void this.showDeliveries(target, webhook).catch((err: unknown) => (error.textContent = messageOf(err))));
		target.replaceChildren(
			el("h2", { id: "deliveries-title" }, `Deliveries to ${webhook.url}`),
			refresh,
			error,
			deliveries.length === 0
				? el("p", { class: "empty" }, "Nothing sent yet.")
				: el(
						"ol",
						{ class: "audit-list", id: "delivery-list" },
						...deliveries.map((delivery) => {
							const again = el("button", { type: "button" }, "Redeliver");
							again.addEventListener("click", () =>
								void withProgress(again, "Queuing…", async () => {
									await this.call("POST", `/webhooks/${encodeURIComponent(webhook.id)}/deliveries/${encodeURIComponent(delivery.id)}/redeliver`);
									await this.showDeliveries(target, webhook);
								}).catch((err: unknown) => (error.textContent = messageOf(err))),
							);
							return el(
								"li",
								{ "data-delivery": delivery.id, "data-status": delivery.status },
								el("strong", {}, delivery.event),
								` · ${delivery.status} · `,
								timeElement(delivery.created_at, now),
								delivery.next_attempt_at === null ? null : el("span", { class: "muted" }, " · next attempt ", timeElement(delivery.next_attempt_at, now)),
								" ",
								again,
								el(
									"ul",
									{},
									...delivery.attempts.map((attempt) =>
										el("li", {}, timeElement(attempt.at, now), ` · ${attempt.status_code ?? "no answer"} · ${attempt.error ?? "delivered"}`),
									),
								),
							);
						}),
					),
		);
	}

	private async renderExperiences(section: HTMLElement): Promise<void> {
		const error = errorLine();
		const list = el("tbody", { id: "experience-rows" });
		const universe = el("input", { id: "experience-universe", inputmode: "numeric", autocomplete: "off" });
		const apiKey = el("input", { id: "experience-key", type: "password", autocomplete: "off", spellcheck: "false" });
		const alts = el("input", { id: "experience-alts", type: "checkbox" });
		const submit = el("button", { type: "submit", class: "primary" }, "Link experience");
		const form = el(
			"form",
			{ id: "experience-form", novalidate: true },
			el("h2", {}, "Link a Roblox experience"),
			el("div", { class: "field" }, el("label", { for: "experience-universe" }, "Universe ID"), universe),
			el(
				"div",
				{ class: "field" },
				el("label", { for: "experience-key" }, "Open Cloud API key"),
				apiKey,
				el("p", { class: "hint" }, "Needs universe.user-restriction:write for this universe. Stored encrypted; shown back only by its first characters."),
			),
			el("label", { class: "check" }, alts, " Turn off Roblox's alt-account detection for mirrored bans"),
			submit,
		);
		form.addEventListener("submit", (event) => {
			event.preventDefault();
			error.textContent = "";
			void withProgress(submit, "Linking…", async () => {
				await this.call("POST", "/experiences", { universe_id: universe.value.trim(), api_key: apiKey.value.trim(), exclude_alt_accounts: alts.checked });
				apiKey.value = "";
				await this.renderExperiences(section);
			}).catch((err: unknown) => (error.textContent = messageOf(err)));
		});
		const table = el(
			"table",
			{ class: "key-table outbound-table" },
			el("thead", {}, el("tr", {}, ...["Universe", "Key", "Alt detection", "Status", "Last mirrored"].map((name) => el("th", { scope: "col" }, name)), actionsHeader())),
			list,
		);
		const empty = el("p", { class: "empty", id: "no-experiences", hidden: true }, "No experiences linked yet. Link one below to mirror bans into Roblox.");
		section.replaceChildren(
			el("h1", { id: "experiences-title" }, "Roblox experiences"),
			el("p", { class: "muted" }, "Each ban and unban is mirrored into the experience's own Roblox bans, so a banned player cannot reach a server, alt accounts included."),
			error,
			table,
			empty,
			form,
		);
		const records = await this.loadList<ExperienceRecord>("experiences", error, table, empty);
		if (records === undefined) return;
		const now = nowInSeconds();
		list.replaceChildren(
			...records.map((link) => {
				const remove = el("button", { type: "button", class: "danger" }, "Unlink");
				remove.addEventListener("click", () =>
					void withProgress(remove, "Unlinking…", async () => {
						await this.call("DELETE", `/experiences/${encodeURIComponent(link.universe_id)}`);
						await this.renderExperiences(section);
					}).catch((err: unknown) => (error.textContent = messageOf(err))),
				);
				return el(
					"tr",
					{ "data-universe": link.universe_id },
					el("td", { "data-label": "Universe" }, link.universe_id),
					el("td", { "data-label": "Key" }, el("code", {}, `${link.key_prefix}…`)),
					el("td", { "data-label": "Alt detection" }, link.exclude_alt_accounts ? "off" : "on"),
					el(
						"td",
						{ class: "status-cell", "data-label": "Status" },
						el("span", { class: `status status-${link.status === "ok" ? "active" : "revoked"}` }, link.status),
						link.last_error === null ? null : el("span", { class: "status-detail" }, link.last_error),
						el("span", { class: "push-detail", "data-push": link.push_status }, pushLine(link)),
					),
					el("td", { class: "time-cell", "data-label": "Last mirrored" }, link.last_mirrored_at === null ? "never" : timeElement(link.last_mirrored_at, now)),
					el("td", { class: "actions" }, el("span", { class: "action-buttons" }, remove)),
				);
			}),
		);
	}
}
