// gateway/dashboard/web/src/members-page.ts
// The Members section of a guild (manage_members): who may do what, by Discord user id; add, change and remove them.

import { AdminApiError, type AdminApi, type Member, type Permission } from "./admin-api";
import { byId, el, setFieldError, withProgress } from "./dom";
import { setTabAvailable } from "./guild-tabs";

const PERMISSION_LABEL: Record<Permission, string> = {
	administer_keys: "Administer all keys",
	create_keys: "Create keys (and manage their own)",
	moderate: "Moderate players",
	view: "View keys and moderation",
	manage_members: "Manage members",
	manage_servers: "Command live servers",
};
const PERMISSIONS = Object.keys(PERMISSION_LABEL) as Permission[];
const isDiscordId = (text: string) => /^\d{17,20}$/.test(text);

const messageOf = (err: unknown) => (err instanceof Error ? err.message : String(err));

function permissionBoxes(idPrefix: string, checked: readonly Permission[]): HTMLLabelElement[] {
	return PERMISSIONS.map((permission) => {
		const box = el("input", { type: "checkbox", id: `${idPrefix}-${permission}`, value: permission });
		box.checked = checked.includes(permission);
		return el("label", { class: "check", for: box.id }, box, ` ${PERMISSION_LABEL[permission]}`);
	});
}

const checkedIn = (container: HTMLElement) =>
	[...container.querySelectorAll<HTMLInputElement>("input[type=checkbox]")].filter((box) => box.checked).map((box) => box.value as Permission);

/** One per page; `open` shows a guild's members, `close` hides the section. */
export class MembersPage {
	private current: { api: AdminApi; guildId: string } | undefined;

	constructor() {
		byId("member-permissions", HTMLFieldSetElement).append(...permissionBoxes("new-member", ["view"]));
		byId("add-member-form", HTMLFormElement).addEventListener("submit", (event) => {
			event.preventDefault();
			void this.add();
		});
	}

	async open(api: AdminApi, guildId: string): Promise<void> {
		this.current = { api, guildId };
		setTabAvailable("#members", true);
		await this.reload();
	}

	close(): void {
		this.current = undefined;
		setTabAvailable("#members", false);
		byId("member-rows", HTMLTableSectionElement).replaceChildren();
	}

	private async reload(): Promise<void> {
		if (this.current === undefined) return;
		const error = byId("members-error", HTMLElement);
		try {
			const members = await this.current.api.members(this.current.guildId);
			error.textContent = "";
			byId("no-members", HTMLElement).hidden = members.length > 0;
			byId("member-rows", HTMLTableSectionElement).replaceChildren(...members.map((member) => this.row(member)));
		} catch (err) {
			error.textContent = `The members could not be loaded: ${messageOf(err)}`;
		}
	}

	private row(member: Member): HTMLTableRowElement {
		// Every row's controls share their names ("Save", "Moderate"): each is tied to its member's cell, so a
		// screen reader says whose they are.
		const whoId = `member-${member.discord_user_id}-who`;
		const boxes = el(
			"div",
			{ class: "member-permissions", role: "group", "aria-labelledby": whoId },
			...permissionBoxes(`member-${member.discord_user_id}`, member.permissions),
		);
		const save = el("button", { type: "button", "data-action": "save", "aria-describedby": whoId }, "Save");
		const remove = el("button", { type: "button", class: "danger", "data-action": "remove", "aria-describedby": whoId }, "Remove");
		save.addEventListener("click", () => void this.change(save, () => this.current!.api.updateMember(this.current!.guildId, member.discord_user_id, checkedIn(boxes))));
		remove.addEventListener("click", () => void this.change(remove, () => this.current!.api.removeMember(this.current!.guildId, member.discord_user_id)));
		const who = member.name === null ? member.discord_user_id : `${member.name} (${member.discord_user_id})`;
		const addedBy = member.added_by.type === "operator" ? member.added_by.name : "the admin token";
		return el(
			"tr",
			{ "data-member-id": member.discord_user_id },
			el("td", { class: "member-cell", id: whoId, "data-label": "Discord user" }, who),
			el("td", { class: "permissions-cell", "data-label": "Permissions" }, boxes),
			el("td", { "data-label": "Added by" }, addedBy),
			el("td", { class: "actions" }, el("span", { class: "action-buttons" }, save, remove)),
		);
	}

	private async change(button: HTMLButtonElement, action: () => Promise<unknown>): Promise<void> {
		try {
			await withProgress(button, "Saving…", action);
		} catch (err) {
			byId("members-error", HTMLElement).textContent = messageOf(err);
			return;
		}
		await this.reload();
	}

	private async add(): Promise<void> {
		if (this.current === undefined) return;
		const input = byId("member-id", HTMLInputElement);
		const error = byId("member-id-error", HTMLElement);
		const discordUserId = input.value.trim();
		setFieldError(input, error, isDiscordId(discordUserId) ? "" : "A Discord user ID is 17 to 20 digits.");
		if (!isDiscordId(discordUserId)) return input.focus();
		const { api, guildId } = this.current;
		try {
			await withProgress(byId("add-member", HTMLButtonElement), "Adding…", () =>
				api.addMember(guildId, discordUserId, checkedIn(byId("member-permissions", HTMLFieldSetElement))),
			);
		} catch (err) {
			setFieldError(input, error, err instanceof AdminApiError ? err.message : messageOf(err));
			return input.focus();
		}
		input.value = "";
		await this.reload();
	}
}
