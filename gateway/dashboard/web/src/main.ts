// gateway/dashboard/web/src/main.ts
// Starts the page: sign-in with Discord or the admin token, the guild picker, and the pages of the picked guild (API Keys and Members, Moderation, Install in your game).

import "./styles.css";
import { AdminApi, AdminApiError, currentSession, discordSignInOffered, type GuildSummary, type SignedIn } from "./admin-api";
import { byId, el, setFieldError, withProgress } from "./dom";
import { InstallPage } from "./install-page";
import { ServersPage } from "./servers-page";
import { KeysPage, messageOf } from "./keys-page";
import { MembersPage } from "./members-page";
import { ImportPage } from "./import-page";
import { ModerationPage } from "./moderation-page";
import { buildGuildTabs, setCrumbServer, showGuildTab } from "./guild-tabs";
import { OutboundPages } from "./outbound-pages";
import { setUpRollDialog } from "./roll-dialog";
import { setUpSecretDialog } from "./secret-dialog";
import {
	forgetAdminToken,
	recentGuilds,
	rememberDiscordSession,
	rememberGuild,
	saveAdminToken,
	savedAdminToken,
	usesDiscordSession,
} from "./session";
import { nowInSeconds, refreshRelativeTimes } from "./time-format";

/** Discord ids as the admin API accepts them (17-20 digits); checked here to answer before a round trip. */
const isGuildId = (text: string) => /^\d{17,20}$/.test(text);
const GUILD_ID_RULE = "A guild ID is the Discord server's id: 17 to 20 digits.";
/** Relative times ("3 minutes ago") are redrawn this often. */
const REDRAW_TIMES_MS = 60_000;

const signInView = byId("sign-in", HTMLElement);
const keysView = byId("keys-view", HTMLElement);
const signOutButton = byId("sign-out", HTMLButtonElement);
const tokenInput = byId("admin-token", HTMLInputElement);
const tokenError = byId("admin-token-error", HTMLElement);
const signInGuild = byId("sign-in-guild", HTMLInputElement);
const signInGuildError = byId("sign-in-guild-error", HTMLElement);
const guildInput = byId("guild-id", HTMLInputElement);
const guildError = byId("guild-id-error", HTMLElement);

const page = new KeysPage(signOut);
const members = new MembersPage();
const pickerView = byId("guild-picker", HTMLElement);
const sessionGuild = byId("session-guild", HTMLElement);
const guildForm = byId("guild-form", HTMLFormElement);
/** The operator's session (Discord sign-in), when the page works with one rather than the admin token. */
let session: { api: AdminApi; signedIn: SignedIn } | undefined;
const moderation = new ModerationPage(signOut);
const imports = new ImportPage();
// Webhooks and experiences are guild settings: they belong to the API Keys tab, not the Moderation one.
const outbound = new OutboundPages(byId("webhooks-panel", HTMLElement), byId("experiences-panel", HTMLElement));
const install = new InstallPage(byId("install-view", HTMLElement));
const servers = new ServersPage(byId("servers-view", HTMLElement));
setUpSecretDialog();
setUpRollDialog();

/** What a page does as it is shown: the moderation list reloads, the install page follows its last-used line. */
function showPage(hash: string): void {
	if (hash === "#moderation") moderation.shown();
	if (hash === "#install") void install.shown();
	else install.hidden();
	if (hash === "#servers") void servers.shown();
	else servers.hidden();
}

function showSignIn(notice: string): void {
	page.close();
	members.close();
	session = undefined;
	moderation.close();
	imports.close();
	outbound.close();
	install.close();
	servers.close();
	keysView.hidden = true;
	pickerView.hidden = true;
	signOutButton.hidden = true;
	signInView.hidden = false;
	void discordSignInOffered().then((offered) => {
		byId("discord-area", HTMLElement).hidden = !offered;
	});
	byId("sign-in-notice", HTMLElement).textContent = notice;
	signInGuild.value = recentGuilds()[0] ?? "";
	tokenInput.focus();
}

function showKeys(guildId: string): void {
	signInView.hidden = true;
	pickerView.hidden = true;
	keysView.hidden = false;
	signOutButton.hidden = false;
	sessionGuild.hidden = true;
	guildForm.hidden = false;
	guildInput.value = guildId;
	const list = byId("recent-guilds", HTMLDataListElement);
	list.replaceChildren(...recentGuilds().map((id) => el("option", { value: id })));
	moderation.setGuild(guildId, session?.api);
	imports.setGuild(guildId, session?.api);
	install.setGuild(guildId, session?.api);
	// Commands need manage_servers (docs/fleets.md); the admin token may do everything.
	const permissions = session?.signedIn.guilds.find((guild) => guild.id === guildId)?.permissions;
	servers.setGuild(guildId, session?.api, permissions?.includes("manage_servers") ?? true);
	setCrumbServer(`Server ${guildId}`);
	showPage(showGuildTab());
	const token = savedAdminToken();
	if (token !== null) void outbound.open(new AdminApi(token), guildId);
}

/** Discord's picture of the guild, or its initials when it has none. */
function guildIcon(guild: GuildSummary): HTMLElement {
	const name = guild.name ?? guild.id;
	if (guild.icon === null) return el("span", { class: "guild-icon", "aria-hidden": "true" }, name.slice(0, 2).toUpperCase());
	const image = el("img", { class: "guild-icon", alt: "", width: 40, height: 40 });
	image.src = `https://cdn.discordapp.com/icons/${encodeURIComponent(guild.id)}/${encodeURIComponent(guild.icon)}.png?size=64`;
	return image;
}

/** An operator signed in with Discord: their servers to pick from. */
async function showPicker(signedIn: SignedIn): Promise<void> {
	const api = new AdminApi({ csrfToken: signedIn.csrf_token ?? "" });
	session = { api, signedIn };
	page.close();
	members.close();
	outbound.close();
	install.close();
	servers.close();
	signInView.hidden = true;
	keysView.hidden = true;
	pickerView.hidden = false;
	signOutButton.hidden = false;
	const name = signedIn.actor.type === "operator" ? signedIn.actor.name : "the admin token";
	byId("picker-who", HTMLElement).textContent = `Signed in with Discord as ${name}. Pick a server to manage.`;
	const list = byId("guild-list", HTMLUListElement);
	const error = byId("picker-error", HTMLElement);
	let guilds: GuildSummary[];
	try {
		guilds = await api.guilds();
		error.textContent = "";
	} catch (err) {
		if (err instanceof AdminApiError && err.status === 401) return signOut("Your session ended. Sign in again.");
		error.textContent = messageOf(err);
		return;
	}
	byId("no-guilds", HTMLElement).hidden = guilds.length > 0;
	list.replaceChildren(
		...guilds.map((guild) => {
			const button = el(
				"button",
				{ type: "button", class: "guild-choice", "data-guild-id": guild.id },
				guildIcon(guild),
				el("span", { class: "guild-name" }, guild.name ?? `Server ${guild.id}`),
				el("span", { class: "muted" }, `${guild.key_count ?? 0} of 3 keys · ${guild.active_ban_count ?? "?"} active bans`),
			);
			button.addEventListener("click", () => void openSessionGuild(guild));
			return el("li", {}, button);
		}),
	);
	byId("picker-title", HTMLElement).focus();
}

async function openSessionGuild(guild: GuildSummary): Promise<void> {
	if (session === undefined) return;
	const { api } = session;
	try {
		await page.open(api, guild.id, { auditAllowed: guild.permissions.includes("administer_keys") });
	} catch (err) {
		if (err instanceof AdminApiError && err.status === 401) return signOut("Your session ended. Sign in again.");
		byId("picker-error", HTMLElement).textContent = messageOf(err);
		return;
	}
	showKeys(guild.id);
	guildForm.hidden = true;
	sessionGuild.hidden = false;
	byId("session-guild-icon", HTMLElement).replaceChildren(guildIcon(guild));
	byId("session-guild-name", HTMLElement).textContent = guild.name ?? `Server ${guild.id}`;
	setCrumbServer(guild.name ?? `Server ${guild.id}`);
	moderation.allowActions(guild.permissions.includes("moderate"));
	// Webhooks and experiences need administer_keys (docs/api.md, "API summary"), members manage_members.
	if (guild.permissions.includes("administer_keys")) void outbound.open(api, guild.id);
	else outbound.close();
	if (guild.permissions.includes("manage_members")) await members.open(api, guild.id);
	else members.close();
	byId("keys-title", HTMLElement).focus();
}

function signOut(notice: string): void {
	// A session ends at the gateway too (the cookie is cleared there); a refused one is already gone.
	if (session !== undefined) void session.api.signOut().catch(() => undefined);
	rememberDiscordSession(false);
	forgetAdminToken();
	// A dialog left open would keep a key or an action on screen after sign-out.
	for (const dialog of document.querySelectorAll("dialog")) if (dialog.open) dialog.close();
	showSignIn(notice);
}

async function signIn(event: SubmitEvent): Promise<void> {
	event.preventDefault();
	const token = tokenInput.value.trim();
	const guildId = signInGuild.value.trim();
	setFieldError(tokenInput, tokenError, token === "" ? "Paste the admin token." : "");
	setFieldError(signInGuild, signInGuildError, isGuildId(guildId) ? "" : GUILD_ID_RULE);
	if (token === "") return tokenInput.focus();
	if (!isGuildId(guildId)) return signInGuild.focus();
	byId("sign-in-notice", HTMLElement).textContent = "";
	try {
		await withProgress(byId("sign-in-submit", HTMLButtonElement), "Signing in…", () => page.open(new AdminApi(token), guildId));
	} catch (err) {
		if (err instanceof AdminApiError && (err.status === 401 || err.code === "auth_throttled")) {
			setFieldError(tokenInput, tokenError, `The gateway refused this token: ${err.message}.`);
			return tokenInput.focus();
		}
		if (err instanceof AdminApiError && err.code === "bad_request") {
			setFieldError(signInGuild, signInGuildError, err.message);
			return signInGuild.focus();
		}
		byId("sign-in-notice", HTMLElement).textContent = messageOf(err);
		return;
	}
	saveAdminToken(token);
	rememberGuild(guildId);
	tokenInput.value = "";
	showKeys(guildId);
	byId("keys-title", HTMLElement).focus();
}

async function openGuild(event: SubmitEvent): Promise<void> {
	event.preventDefault();
	const token = savedAdminToken();
	if (token === null) return signOut("Sign in again: this tab no longer holds the admin token.");
	const guildId = guildInput.value.trim();
	setFieldError(guildInput, guildError, isGuildId(guildId) ? "" : GUILD_ID_RULE);
	if (!isGuildId(guildId)) return guildInput.focus();
	try {
		await withProgress(byId("guild-open", HTMLButtonElement), "Opening…", () => page.open(new AdminApi(token), guildId));
	} catch (err) {
		if (err instanceof AdminApiError && err.status === 401) return signOut("The gateway refused the admin token. Paste it again to sign in.");
		setFieldError(guildInput, guildError, messageOf(err));
		return guildInput.focus();
	}
	rememberGuild(guildId);
	showKeys(guildId);
}

/** A reload of the tab keeps the session: the Discord session's cookie, or the token and the last guild from sessionStorage. */
async function resume(): Promise<void> {
	const token = savedAdminToken();
	const guildId = recentGuilds()[0];
	// Back from Discord (the callback's fragment), or a reload of a tab signed in with Discord.
	const fromDiscord = location.hash === "#signed-in";
	if (fromDiscord) history.replaceState(null, "", location.pathname);
	if (token === null && (fromDiscord || usesDiscordSession())) {
		const signedIn = await currentSession();
		rememberDiscordSession(signedIn?.actor.type === "operator");
		if (signedIn !== null && signedIn.actor.type === "operator") return showPicker(signedIn);
	}
	if (token === null || guildId === undefined) return showSignIn("");
	showKeys(guildId);
	try {
		await page.open(new AdminApi(token), guildId);
	} catch (err) {
		if (err instanceof AdminApiError && err.status === 401) return signOut("The gateway refused the admin token. Paste it again to sign in.");
		byId("keys-error", HTMLElement).textContent = messageOf(err);
	}
}

byId("sign-in-form", HTMLFormElement).addEventListener("submit", (event) => void signIn(event));
byId("guild-form", HTMLFormElement).addEventListener("submit", (event) => void openGuild(event));
byId("create-key", HTMLButtonElement).addEventListener("click", () => page.openCreate());
buildGuildTabs(showPage);
signOutButton.addEventListener("click", () =>
	signOut(session === undefined ? "Signed out. The token was removed from this tab." : "Signed out of your Discord session."),
);
byId("switch-guild", HTMLButtonElement).addEventListener("click", () => {
	if (session !== undefined) void showPicker(session.signedIn);
});
setInterval(() => refreshRelativeTimes(nowInSeconds()), REDRAW_TIMES_MS);
void resume();
