// gateway/dashboard/web/src/main.ts
// Starts the page: sign-in with the admin token, the guild picker, and the API Keys page of the picked guild.

import "./styles.css";
import { AdminApi, AdminApiError } from "./admin-api";
import { byId, el, setFieldError, withProgress } from "./dom";
import { KeysPage, messageOf } from "./keys-page";
import { ModerationPage, showGuildPage } from "./moderation-page";
import { OutboundPages } from "./outbound-pages";
import { setUpRollDialog } from "./roll-dialog";
import { setUpSecretDialog } from "./secret-dialog";
import { forgetAdminToken, recentGuilds, rememberGuild, saveAdminToken, savedAdminToken } from "./session";
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
const moderation = new ModerationPage(signOut);
// Webhooks and experiences are guild settings: they belong to the API Keys tab, not the Moderation one.
const outbound = new OutboundPages(byId("keys-panel", HTMLElement));
setUpSecretDialog();
setUpRollDialog();

function showSignIn(notice: string): void {
	page.close();
	moderation.close();
	outbound.close();
	keysView.hidden = true;
	signOutButton.hidden = true;
	signInView.hidden = false;
	byId("sign-in-notice", HTMLElement).textContent = notice;
	signInGuild.value = recentGuilds()[0] ?? "";
	tokenInput.focus();
}

function showKeys(guildId: string): void {
	signInView.hidden = true;
	keysView.hidden = false;
	signOutButton.hidden = false;
	guildInput.value = guildId;
	const list = byId("recent-guilds", HTMLDataListElement);
	list.replaceChildren(...recentGuilds().map((id) => el("option", { value: id })));
	moderation.setGuild(guildId);
	showGuildPage(moderation);
	const token = savedAdminToken();
	if (token !== null) void outbound.open(new AdminApi(token), guildId);
}

function signOut(notice: string): void {
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

/** A reload of the tab keeps the session: the token and the last guild come back from sessionStorage. */
async function resume(): Promise<void> {
	const token = savedAdminToken();
	const guildId = recentGuilds()[0];
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
window.addEventListener("hashchange", () => showGuildPage(moderation));
signOutButton.addEventListener("click", () => signOut("Signed out. The token was removed from this tab."));
setInterval(() => refreshRelativeTimes(nowInSeconds()), REDRAW_TIMES_MS);
void resume();
