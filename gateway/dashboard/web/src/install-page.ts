// gateway/dashboard/web/src/install-page.ts
// The "Install in your game" page: the Roblox model configured for this gateway and guild, the steps in Studio, and when a game server last used a key of the guild.

import { AdminApi, AdminApiError } from "./admin-api";
import { el } from "./dom";
import { savedAdminToken } from "./session";
import { nowInSeconds, timeElement } from "./time-format";

/** How often the "last used" line is read again while the page shows: key use is counted within seconds. */
const LAST_USED_EVERY_MS = 15_000;

/** The Secret's name and the gateway's address, as the served model's Config writes them. */
function configOf(model: string): { secretName: string; baseUrl: string } | undefined {
	const secretName = /\bsecretName = "([^"]*)"/.exec(model)?.[1];
	const baseUrl = /\bbaseUrl = "([^"]*)"/.exec(model)?.[1];
	return secretName === undefined || baseUrl === undefined ? undefined : { secretName, baseUrl };
}

const step = (...children: (Node | string)[]) => el("li", {}, ...children);

export class InstallPage {
	private guildId: string | undefined;
	private session: AdminApi | undefined;
	private downloadUrl: string | undefined;
	private timer: ReturnType<typeof setInterval> | undefined;

	constructor(private readonly root: HTMLElement) {}

	/** The guild the page is for; `session` for an operator signed in with Discord, else the tab's admin token. */
	setGuild(guildId: string, session?: AdminApi): void {
		this.guildId = guildId;
		this.session = session;
	}

	/** Reads the model and the keys again each time the page is opened. */
	async shown(): Promise<void> {
		this.stopRefreshing();
		const guildId = this.guildId;
		const api = this.api;
		if (guildId === undefined || api === undefined) return;
		this.root.replaceChildren(el("div", { class: "card" }, el("h1", { id: "install-title", tabindex: "-1" }, "Install in your game"), el("p", { class: "muted" }, "Preparing the model…")));
		let model: Blob | AdminApiError;
		try {
			model = await api.robloxModel(guildId);
		} catch (err) {
			if (!(err instanceof AdminApiError)) throw err;
			model = err;
		}
		if (this.guildId !== guildId) return;
		this.render(model instanceof Blob ? configOf(await model.text()) : undefined, model);
		void this.readLastUsed(api, guildId);
		this.timer = setInterval(() => void this.readLastUsed(api, guildId), LAST_USED_EVERY_MS);
	}

	/** Another page of the guild shows: nothing is read meanwhile. */
	hidden(): void {
		this.stopRefreshing();
	}

	/** Sign-out, or the guild picker: the page forgets the guild. */
	close(): void {
		this.stopRefreshing();
		this.guildId = undefined;
		this.session = undefined;
		this.root.replaceChildren();
	}

	private get api(): AdminApi | undefined {
		if (this.session !== undefined) return this.session;
		const token = savedAdminToken();
		return token === null ? undefined : new AdminApi(token);
	}

	private stopRefreshing(): void {
		if (this.timer !== undefined) clearInterval(this.timer);
		this.timer = undefined;
		if (this.downloadUrl !== undefined) URL.revokeObjectURL(this.downloadUrl);
		this.downloadUrl = undefined;
	}

	private render(config: { secretName: string; baseUrl: string } | undefined, model: Blob | AdminApiError): void {
		const title = el("h1", { id: "install-title", tabindex: "-1" }, "Install in your game");
		const lastUsed = el("p", { id: "install-last-used", role: "status" }, "Reading when a key was last used…");
		if (!(model instanceof Blob) || config === undefined) {
			const reason =
				model instanceof AdminApiError && model.code === "public_url_unset"
					? el(
							"p",
							{ id: "install-error", class: "error" },
							"Roblox's servers must reach this gateway at a public https address. Set ",
							el("code", {}, "PUBLIC_URL"),
							" (for example ",
							el("code", {}, "PUBLIC_URL=https://bans.example.com"),
							") where the gateway runs, put it behind a TLS reverse proxy (README, \"Put it on the internet\"), and restart it: the model is then ready here.",
						)
					: el("p", { id: "install-error", class: "error", role: "alert" }, model instanceof AdminApiError ? model.message : "The model could not be read.");
			this.root.replaceChildren(el("div", { class: "card" }, title, reason, lastUsed));
			return;
		}
		this.downloadUrl = URL.createObjectURL(model);
		const host = new URL(config.baseUrl).hostname;
		this.root.replaceChildren(
			el(
				"div",
				{ class: "card" },
				title,
				el("p", { class: "muted" }, "The ban guard for your Roblox game: one model, already pointing at this gateway and this server, with no key inside."),
				el("p", {}, el("a", { id: "install-download", class: "button primary", href: this.downloadUrl, download: "Technified.rbxmx" }, "Download Technified.rbxmx")),
				el(
					"ol",
					{ id: "install-steps", class: "steps" },
					step("In Roblox Studio, drag ", el("code", {}, "Technified.rbxmx"), " into ", el("strong", {}, "ServerScriptService"), "."),
					step("Turn on ", el("strong", {}, "Game Settings > Security > Allow HTTP Requests"), "."),
					step(
						"Create an API key on the API Keys page, then in Creator Dashboard (your experience > Secrets > Create Secret) create a Secret named ",
						el("code", {}, config.secretName),
						" holding the key, bound to the domain ",
						el("code", {}, host),
						". For Play in Studio, add the same Secret under Game Settings > Security.",
					),
					step("Press ", el("strong", {}, "Play"), ": banned players are kicked as they join. The model talks to ", el("code", {}, config.baseUrl), "."),
				),
				lastUsed,
			),
		);
	}

	private async readLastUsed(api: AdminApi, guildId: string): Promise<void> {
		const line = this.root.querySelector<HTMLElement>("#install-last-used");
		if (line === null) return;
		try {
			const keys = await api.listKeys(guildId);
			if (this.guildId !== guildId) return;
			const last = Math.max(0, ...keys.map((key) => key.last_used_at ?? 0));
			if (last === 0) line.replaceChildren("No game server has used a key of this guild yet.");
			else line.replaceChildren("A game server used a key of this guild ", timeElement(last, nowInSeconds()), ".");
		} catch (err) {
			line.replaceChildren(err instanceof AdminApiError ? `When a key was last used is unknown: ${err.message}` : "When a key was last used is unknown.");
		}
	}
}
