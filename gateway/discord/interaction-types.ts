// gateway/discord/interaction-types.ts
// The parts of Discord's interaction payloads and answers the commands use, typed from Discord's "Receiving and Responding" and "Application Commands" pages.

/** Interaction types ("Interaction Object", Interaction Type). */
export const InteractionType = { PING: 1, APPLICATION_COMMAND: 2, MESSAGE_COMPONENT: 3, AUTOCOMPLETE: 4 } as const;

/** Answer types ("Interaction Response Object", Interaction Callback Type). */
export const CallbackType = { PONG: 1, CHANNEL_MESSAGE: 4, DEFERRED_CHANNEL_MESSAGE: 5, DEFERRED_UPDATE_MESSAGE: 6, UPDATE_MESSAGE: 7, AUTOCOMPLETE_RESULT: 8 } as const;

/** Message flag: seen only by the member who used the command. */
export const EPHEMERAL = 64;

/** Application command option types ("Application Command Option Type"). */
export const OptionType = { STRING: 3, INTEGER: 4 } as const;

export interface InteractionOption {
	name: string;
	type: number;
	value?: string | number | boolean;
	/** Set on the option being typed, in an autocomplete interaction. */
	focused?: boolean;
	options?: InteractionOption[];
}

/** What Discord sends to the interactions endpoint, as far as the commands read it. */
export interface Interaction {
	id: string;
	application_id: string;
	type: number;
	token: string;
	guild_id?: string;
	/** In a guild: the member, with their permissions in the channel as a decimal string. */
	member?: { user: DiscordUser; permissions: string };
	/** Outside a guild (a direct message). */
	user?: DiscordUser;
	data?: {
		/** A command's name (types 2 and 4). */
		name?: string;
		options?: InteractionOption[];
		/** A button's `custom_id` (type 3). */
		custom_id?: string;
		component_type?: number;
	};
}

export interface DiscordUser {
	id: string;
	username: string;
	global_name?: string | null;
}

export interface Embed {
	title?: string;
	description?: string;
	url?: string;
	color?: number;
	thumbnail?: { url: string };
	fields?: { name: string; value: string; inline?: boolean }[];
	footer?: { text: string };
}

export interface Button {
	type: 2;
	/** 2: secondary (grey). */
	style: 2;
	label: string;
	custom_id: string;
	disabled?: boolean;
}

/** A message answer: content, embeds, an action row of buttons, flags. */
export interface InteractionMessage {
	content?: string;
	embeds?: Embed[];
	components?: { type: 1; components: Button[] }[];
	flags?: number;
	/** Nobody is pinged by what a command answers (names of players may look like mentions). */
	allowed_mentions?: { parse: never[] };
}

export type InteractionAnswer =
	| { type: typeof CallbackType.PONG }
	| { type: typeof CallbackType.CHANNEL_MESSAGE | typeof CallbackType.UPDATE_MESSAGE; data: InteractionMessage }
	| { type: typeof CallbackType.DEFERRED_CHANNEL_MESSAGE; data?: { flags?: number } }
	| { type: typeof CallbackType.DEFERRED_UPDATE_MESSAGE }
	| { type: typeof CallbackType.AUTOCOMPLETE_RESULT; data: { choices: { name: string; value: string }[] } };

export interface CommandOptionDefinition {
	type: number;
	name: string;
	description: string;
	required?: boolean;
	autocomplete?: boolean;
	max_length?: number;
}

/** One command as registered through the bulk overwrite. */
export interface CommandDefinition {
	name: string;
	description: string;
	/** 1: a slash command. */
	type: 1;
	options?: CommandOptionDefinition[];
	/** The permissions a member needs to see it, a decimal string ("0": only administrators). */
	default_member_permissions: string;
	/** Guild-only: slash commands act on a guild's bans (`contexts`: 0 is a guild). */
	contexts: number[];
}
