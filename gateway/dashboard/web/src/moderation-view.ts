// gateway/dashboard/web/src/moderation-view.ts
// The Moderation page's skeleton, built once with DOM APIs: lookup, status, actions, history and the active lists.

import { el, labelledField as field } from "./dom";

/** Length presets of the ban and mute form, in the API's duration words. */
export const DURATION_PRESETS: readonly [string, string][] = [
	["1h", "1 hour"],
	["1d", "1 day"],
	["3d", "3 days"],
	["7d", "7 days"],
	["30d", "30 days"],
	["permanent", "Permanent"],
];

const idInput = (placeholder: string, required = false) =>
	el("input", { inputmode: "numeric", autocomplete: "off", spellcheck: "false", placeholder, required });

/** Fills `#moderation-view` (empty in index.html). */
export function buildModerationView(root: HTMLElement): void {
	const duration = el("select", {}, ...DURATION_PRESETS.map(([value, label]) => el("option", { value, selected: value === "1d" }, label)));
	root.replaceChildren(
		el(
			"div",
			{ class: "card" },
			el("h1", { id: "moderation-title", tabindex: "-1" }, "Moderation"),
			el("p", { class: "muted" }, "Look a player up by Roblox username or user ID to see their bans and mutes, act on them, and read their history."),
			el(
				"form",
				{ id: "lookup-form", class: "inline-form", novalidate: true, role: "search", "aria-label": "Look up a player" },
				field(
					"lookup-user",
					"Roblox username or user ID",
					el("input", { autocomplete: "off", spellcheck: "false", autocapitalize: "none", placeholder: "builderman or 156", required: true }),
				),
				field("lookup-place", "Place ID (optional)", idInput("Every place"), "Place bans of this place count too."),
				el("div", { class: "form-buttons" }, el("button", { id: "lookup-submit", class: "primary", type: "submit" }, "Look up")),
			),
			el("p", { id: "lookup-error", class: "error", role: "alert" }),
			el("p", { id: "lookup-note", class: "notice", hidden: true }),
		),
		el(
			"div",
			{ id: "user-panel", hidden: true },
			el(
				"section",
				{ class: "card", "aria-labelledby": "user-title" },
				el("h2", { id: "user-title", tabindex: "-1" }),
				el("p", { id: "user-names-note", class: "muted quiet-note", hidden: true }, "Roblox could not be asked for this player's name right now: the ID alone is shown. Banning by ID still works."),
				el("div", { id: "user-status", class: "status-grid", "aria-live": "polite" }),
			),
			el(
				"section",
				{ class: "card", "aria-labelledby": "act-title" },
				el("h2", { id: "act-title" }, "Ban or mute"),
				el("p", { id: "actions-note", class: "notice", hidden: true }, "Banning, muting and lifting need the moderate permission in this server. Ask someone who manages its members."),
				el(
					"form",
					{ id: "impose-form", novalidate: true },
					field("impose-reason", "Reason", el("textarea", { rows: 2, maxlength: 500, required: true, placeholder: "Exploiting: fly hacks" }), "Shown to moderators; 1 to 500 characters."),
					el(
						"div",
						{ class: "field-row" },
						field("impose-duration", "Duration", duration),
						field("impose-place", "Place ID (optional)", idInput("Every place"), "Empty: the ban or mute applies in every place."),
					),
					el("p", { id: "impose-error", class: "error", role: "alert" }),
					el(
						"div",
						{ class: "form-buttons" },
						el("button", { id: "ban-submit", class: "danger", type: "submit", value: "ban" }, "Ban player"),
						el("button", { id: "mute-submit", type: "submit", value: "mute" }, "Mute player"),
					),
				),
				el("h3", { class: "subhead" }, "Lift"),
				el(
					"form",
					{ id: "lift-form", novalidate: true },
					field("lift-reason", "Reason (optional)", el("input", { maxlength: 500, autocomplete: "off", placeholder: "Appeal accepted" }), "Lifting ends every active record of that kind, global and per place."),
					el("p", { id: "lift-error", class: "error", role: "alert" }),
					el(
						"div",
						{ class: "form-buttons" },
						el("button", { id: "unban-submit", type: "submit", value: "ban" }, "Unban"),
						el("button", { id: "unmute-submit", type: "submit", value: "mute" }, "Unmute"),
					),
				),
			),
			el(
				"section",
				{ class: "card", "aria-labelledby": "history-title" },
				el("h2", { id: "history-title" }, "History"),
				el("p", { id: "history-error", class: "error", role: "alert" }),
				el("ol", { id: "history-list", class: "timeline" }),
				el("p", { id: "history-empty", class: "empty", hidden: true }, "No bans or mutes, ever."),
				el("button", { id: "history-more", type: "button", hidden: true }, "Load older"),
			),
		),
		el(
			"section",
			{ class: "card", "aria-labelledby": "active-title" },
			el("h2", { id: "active-title" }, "Active bans and mutes"),
			el(
				"form",
				{ id: "active-filters", class: "inline-form", novalidate: true, "aria-label": "Filter the active list" },
				field("active-kind", "Show", el("select", {}, el("option", { value: "ban" }, "Bans"), el("option", { value: "mute" }, "Mutes"))),
				field(
					"active-length",
					"Length",
					el("select", {}, el("option", { value: "any" }, "Any"), el("option", { value: "permanent" }, "Permanent"), el("option", { value: "temporary" }, "Temporary")),
				),
				field("active-place", "Place", idInput("Any place"), "A place ID, global, or empty for any."),
				el("div", { class: "form-buttons" }, el("button", { id: "active-export", type: "button" }, "Export CSV")),
			),
			el("p", { id: "active-error", class: "error", role: "alert" }),
			el("p", { id: "active-summary", class: "muted", role: "status" }),
			el("p", { id: "active-names-note", class: "muted quiet-note", hidden: true }, "Roblox could not be asked for names right now: players are shown by ID."),
			el(
				"table",
				{ id: "active-table", class: "data-table" },
				el("caption", { id: "active-caption", class: "visually-hidden" }),
				el(
					"thead",
					{},
					el(
						"tr",
						{},
						...["User", "Reason", "By", "Since", "Lasts", "Where"].map((name) => el("th", { scope: "col" }, name)),
						el("th", { scope: "col" }, el("span", { class: "visually-hidden" }, "Actions")),
					),
				),
				el("tbody", { id: "active-rows" }),
			),
			el(
				"nav",
				{ class: "pager", "aria-label": "Pages of the active list" },
				el("button", { id: "active-previous", type: "button" }, "Previous page"),
				el("span", { id: "active-page", class: "muted" }),
				el("button", { id: "active-next", type: "button" }, "Next page"),
			),
		),
	);
}
