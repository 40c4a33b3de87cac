// roblox/integrations/adonis.ts
// The Adonis plugin's work (loaded by the Server-Technified module copied into Adonis): Adonis's bans,
// unbans, mutes and unmutes go to the API with the moderator's user id, and changes made elsewhere are
// written into Adonis's own lists, never sent back.
//
// Adonis's source (github.com/Epix-Incorporated/Adonis) names the points hooked here:
// - MainModule/Server/Core/Admin.luau: Admin.AddBan(p, reason, doSave, moderator, banType) and
//   Admin.AddTimeBan(p, duration, reason, moderator) are where every ban command (:ban, :permban,
//   :tempban, the ban menu) records a ban, with the moderator; Admin.RemoveBan(name, doSave) and
//   Admin.RemoveTimeBan(name) remove one, without the moderator, which the unban commands give instead.
// - MainModule/Server/Commands/Moderators.luau: :mute and :unmute change Settings.Muted and fire
//   service.Events.PlayerMuted / PlayerUnMuted with { Target, Moderator } (user ids); :mute's duration is
//   only in its arguments, and its timer ends the mute by calling Commands.UnMute.Function.

import { client, onModeration, TechnifiedClient } from "../index";
import type { ModerationChange } from "../changes";
import { errorInWords } from "./errors";

/** A Player, or the table Adonis makes for a user who is not in the server (Functions.GetFakePlayer). */
export interface AdonisUser {
	Name?: string;
	/** A number, or for a fake player typed as digits, the digits as a string. */
	UserId?: number | string;
}

type BanEntry = string | { Name?: string; UserId?: number | string; Reason?: string };
type MuteEntry = string | number;

interface AdonisCommand {
	Function: (this: void, player: Player, args: Array<string>, data: unknown) => unknown;
}

interface AdonisSignal<T> {
	Connect(handler: (event: T) => void): { Disconnect(): void };
}

interface MuteEvent {
	/** A fake player's UserId: digits typed for a user not in the server stay a string. */
	Target: number | string;
	Moderator: number;
}

/** What the plugin touches of `Vargs.Server`. */
export interface AdonisServer {
	Admin: {
		AddBan: (this: void, user: AdonisUser, reason: string | undefined, doSave: boolean, moderator?: Player, banType?: string) => void;
		AddTimeBan: (this: void, user: AdonisUser, duration: number | string, reason: string | undefined, moderator?: Player) => void;
		RemoveBan: (this: void, user: AdonisUser | number, doSave?: boolean) => unknown;
		RemoveTimeBan: (this: void, user: AdonisUser | number) => unknown;
	};
	Commands: Record<string, AdonisCommand | undefined>;
	Settings: { Banned: Array<BanEntry>; Muted: Array<MuteEntry> };
	Core: { Variables: { TimeBans: Array<BanEntry> } };
	Functions: { Hint: (this: void, message: string, players: Array<Player>) => void };
}

export interface AdonisVargs {
	Server: AdonisServer;
	Service: { Events: { PlayerMuted: AdonisSignal<MuteEvent>; PlayerUnMuted: AdonisSignal<MuteEvent> } };
}

/** Adonis has no mute reasons; the API keeps one. */
const MUTE_REASON = "Muted in Adonis";
/** `:ban` is Adonis's ban of one server; through the API it is a ban of the whole game, and the moderator is told so. */
const BANNED = "banned in every server of the game";
/** Adonis's own words for a ban given none (Admin.AddBan's kick message). */
const NO_REASON = "No reason provided";

function userIdOf(user: AdonisUser | number | string | undefined): number | undefined {
	const id = typeIs(user, "number") || typeIs(user, "string") ? tonumber(user) : tonumber(user?.UserId);
	return id !== undefined && id > 0 ? id : undefined;
}

function entryUserId(entry: BanEntry | MuteEntry): number | undefined {
	if (typeIs(entry, "number")) return entry;
	if (typeIs(entry, "string")) return tonumber(entry.match(":(%d+)$")[0]);
	return tonumber(entry.UserId);
}

const UNIT_SECONDS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400 };

/** `10m`, `2h`, `7d`: Adonis's own form, which the API reads as is; anything else ("inf", none) is permanent. */
function adonisDuration(argument: string | undefined): { text: string; seconds: number } | undefined {
	if (argument === undefined) return undefined;
	const [count, unit] = argument.match("^(%d+)([smhd])$");
	if (count === undefined) return undefined;
	return { text: argument, seconds: tonumber(count)! * UNIT_SECONDS[unit as string] };
}

export function install(vargs: AdonisVargs) {
	const server = vargs.Server;
	const admin = server.Admin;
	const original = {
		AddBan: admin.AddBan,
		AddTimeBan: admin.AddTimeBan,
		RemoveBan: admin.RemoveBan,
		RemoveTimeBan: admin.RemoveTimeBan,
	};
	/** The moderator running an unban command, by its thread: Admin.RemoveBan is not told who it is. */
	const unbanningModerator = new Map<thread, Player>();
	/** When the timed mutes sent from here end: the API ends those itself, Adonis's timer need not. */
	const muteEnds = new Map<number, number>();

	const hint = (moderator: Player, message: string) => server.Functions.Hint(message, [moderator]);

	/**
	 * In its own thread: Adonis's command carries on while the API answers. The moderator is told either
	 * way: `done` once the API has it, or its refusal.
	 */
	const send = (
		moderator: Player | undefined,
		userId: number | undefined,
		done: string,
		write: (c: TechnifiedClient, userId: number, moderatorId: number) => void,
	) => {
		if (moderator === undefined || userId === undefined) return;
		task.spawn(() => {
			const running = client();
			if (running === undefined) {
				hint(moderator, "Technified is not running in this server: this change stays in Adonis only");
				return;
			}
			const [ok, problem] = pcall(() => write(running, userId, moderator.UserId));
			hint(moderator, ok ? `Technified: user ${userId} ${done}` : errorInWords(problem));
		});
	};

	admin.AddBan = (user, reason, doSave, moderator, banType) => {
		original.AddBan(user, reason, doSave, moderator, banType);
		send(moderator, userIdOf(user), BANNED, (c, userId, moderatorId) => c.ban(userId, { reason: reason ?? NO_REASON, moderatorId }));
	};

	admin.AddTimeBan = (user, duration, reason, moderator) => {
		original.AddTimeBan(user, duration, reason, moderator);
		const seconds = math.floor(tonumber(duration) ?? 0);
		send(moderator, userIdOf(user), BANNED, (c, userId, moderatorId) =>
			c.ban(userId, { reason: reason ?? NO_REASON, duration: `${seconds}s`, moderatorId }),
		);
	};

	const lifted = (user: AdonisUser | number) =>
		send(unbanningModerator.get(coroutine.running()), userIdOf(user), "unbanned", (c, userId, moderatorId) => c.unban(userId, { moderatorId }));

	admin.RemoveBan = (user, doSave) => {
		const removed = original.RemoveBan(user, doSave);
		lifted(user);
		return removed;
	};

	admin.RemoveTimeBan = (user) => {
		const removed = original.RemoveTimeBan(user);
		lifted(user);
		return removed;
	};

	const wrapCommand = (name: string, around: (player: Player, args: Array<string>, run: () => unknown) => unknown) => {
		const command = server.Commands[name];
		if (command === undefined) return;
		const run = command.Function;
		command.Function = (player, args, data) => around(player, args, () => run(player, args, data));
	};

	/** Runs an Adonis command with `during` in force, and undoes it even when the command fails. */
	const runWith = (during: () => () => void, run: () => unknown) => {
		const undo = during();
		const [ok, result] = pcall(run);
		undo();
		if (!ok) error(result, 0);
		return result;
	};

	for (const name of ["UnBan", "UnGameBan", "UnTimeBan"]) {
		wrapCommand(name, (player, _, run) =>
			runWith(() => {
				const thread = coroutine.running();
				unbanningModerator.set(thread, player);
				return () => unbanningModerator.delete(thread);
			}, run),
		);
	}

	wrapCommand("Mute", (player, args, run) => {
		const duration = adonisDuration(args[1]);
		return runWith(() => {
			const connection = vargs.Service.Events.PlayerMuted.Connect((event) => {
				const target = userIdOf(event.Target);
				if (event.Moderator !== player.UserId || target === undefined) return;
				if (duration !== undefined) muteEnds.set(target, os.time() + duration.seconds);
				else muteEnds.delete(target);
				send(player, target, "muted in every server", (c, userId, moderatorId) =>
					c.mute(userId, { reason: MUTE_REASON, duration: duration?.text, moderatorId }),
				);
			});
			return () => connection.Disconnect();
		}, run);
	});

	wrapCommand("UnMute", (player, _, run) =>
		runWith(() => {
			const connection = vargs.Service.Events.PlayerUnMuted.Connect((event) => {
				const target = userIdOf(event.Target);
				if (event.Moderator !== player.UserId || target === undefined) return;
				const endsAt = muteEnds.get(target);
				muteEnds.delete(target);
				// Adonis's timer ending a timed mute sent from here: the API ends it at the same moment (give or
				// take the second between Adonis's clock reading and this one).
				if (endsAt !== undefined && os.time() >= endsAt - 1) return;
				send(player, target, "unmuted", (c, userId, moderatorId) => c.unmute(userId, { moderatorId }));
			});
			return () => connection.Disconnect();
		}, run),
	);

	onModeration((change) => mirror(server, original, change));
}

function hasUser(entries: Array<BanEntry | MuteEntry>, userId: number) {
	return entries.some((entry) => entryUserId(entry) === userId);
}

/**
 * A change made elsewhere (or by this server's own call) written into Adonis's lists through the
 * unhooked functions, so it is never sent back; one Adonis already holds is left as it is.
 */
function mirror(server: AdonisServer, original: AdonisServer["Admin"], change: ModerationChange) {
	const userId = change.userId;
	const player = game.GetService("Players").GetPlayerByUserId(userId);
	switch (change.kind) {
		case "ban": {
			if (hasUser(server.Settings.Banned, userId) || hasUser(server.Core.Variables.TimeBans, userId)) return;
			original.AddBan({ Name: player?.Name, UserId: userId }, change.reason, false);
			const expiresAt = change.expiresAt;
			// Adonis keeps its entry until removed: a temporary ban leaves its list when it ends.
			if (expiresAt !== undefined) task.delay(math.max(0, expiresAt - os.time()), () => original.RemoveBan(userId, false));
			return;
		}
		case "unban":
			original.RemoveBan(userId, true);
			original.RemoveTimeBan(userId);
			return;
		case "mute":
			if (!hasUser(server.Settings.Muted, userId)) server.Settings.Muted.push(player !== undefined ? `${player.Name}:${userId}` : userId);
			return;
		case "unmute": {
			const muted = server.Settings.Muted;
			for (let index = muted.size() - 1; index >= 0; index--) {
				if (entryUserId(muted[index]) === userId) muted.remove(index);
			}
			return;
		}
	}
}
