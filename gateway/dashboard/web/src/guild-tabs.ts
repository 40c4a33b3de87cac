// gateway/dashboard/web/src/guild-tabs.ts
// The guild's pages as tabs, one list: adding a page is one line here and its panel in index.html.

import { byId, el } from "./dom";

interface GuildTab {
	/** The address's hash that shows it. */
	hash: string;
	label: string;
	/** The element shown while the tab is current. */
	panel: string;
}

export const GUILD_TABS: readonly GuildTab[] = [
	{ hash: "#keys", label: "API Keys", panel: "keys-panel" },
	{ hash: "#moderation", label: "Moderation", panel: "moderation-view" },
	{ hash: "#webhooks", label: "Webhooks", panel: "webhooks-panel" },
	{ hash: "#experiences", label: "Roblox experiences", panel: "experiences-panel" },
	{ hash: "#members", label: "Members", panel: "members-view" },
	{ hash: "#servers", label: "Servers", panel: "servers-view" },
	{ hash: "#import", label: "Import", panel: "import-view" },
	{ hash: "#install", label: "Install in your game", panel: "install-view" },
];

/** Tabs the caller may not use (their permissions in the guild) are left out of the list; the pages that need a permission start out. */
const unavailable = new Set<string>(["#webhooks", "#experiences", "#members"]);

/** Fills `.page-tabs` once. */
export function buildGuildTabs(onShown: (hash: string) => void): void {
	byId("page-tabs", HTMLElement).replaceChildren(...GUILD_TABS.map((tab) => el("a", { href: tab.hash, "data-tab": tab.hash }, tab.label)));
	window.addEventListener("hashchange", () => onShown(showGuildTab()));
}

/** Offers or withdraws a tab (a missing permission); the current page follows. */
export function setTabAvailable(hash: string, available: boolean): void {
	if (available) unavailable.delete(hash);
	else unavailable.add(hash);
	showGuildTab();
}

/** Shows the tab the address names (API Keys when it names none the caller may use); answers its hash. */
export function showGuildTab(): string {
	const current = GUILD_TABS.find((tab) => tab.hash === location.hash && !unavailable.has(tab.hash)) ?? GUILD_TABS[0];
	for (const tab of GUILD_TABS) {
		byId(tab.panel, HTMLElement).hidden = tab !== current;
		const link = document.querySelector<HTMLAnchorElement>(`.page-tabs a[data-tab="${tab.hash}"]`);
		if (link === null) continue;
		link.hidden = unavailable.has(tab.hash);
		if (tab === current) link.setAttribute("aria-current", "page");
		else link.removeAttribute("aria-current");
	}
	byId("crumb-page", HTMLElement).textContent = current.label;
	document.title = `${current.label} · Technified`;
	return current.hash;
}

/** The breadcrumb's first place: the server on screen. */
export function setCrumbServer(name: string): void {
	byId("crumb-server", HTMLElement).textContent = name;
}
