// roblox/diagnostics.ts
// One clear warning per problem a game owner must fix, never a flood in the output.

export type DiagnosticKind =
	| "http_disabled"
	| "key_refused"
	| "api_unreachable"
	| "bad_response"
	| "not_from_api"
	| "secret_domain"
	| "request_rejected"
	| "mutes_unanswered"
	| "legacy_chat"
	| "roblox_http_limit"
	| "quota_exhausted"
	| "live_updates_failing"
	| "push_failing";

/** Things worth saying once that need no fixing. */
export type NoticeKind = "studio_players" | "live_updates_off";

const PREFIX = "[Technified] ";

export class Diagnostics {
	private readonly shown = new Set<DiagnosticKind>();
	private readonly noticed = new Set<NoticeKind>();

	constructor(
		private readonly write: (message: string) => void = (message) => warn(message),
		private readonly say: (message: string) => void = (message) => print(message),
	) {}

	/** Warns the first time `kind` happens; repeats stay silent until `clear(kind)`. */
	warnOnce(kind: DiagnosticKind, message: string) {
		if (this.shown.has(kind)) return;
		this.shown.add(kind);
		this.write(PREFIX + message);
	}

	/** Re-arms a warning once its cause is gone, so the next outage is reported again (once). */
	clear(kind: DiagnosticKind, recoveredMessage?: string) {
		if (!this.shown.has(kind)) return;
		this.shown.delete(kind);
		if (recoveredMessage !== undefined) this.write(PREFIX + recoveredMessage);
	}

	/** Prints (not warns) the first time `kind` happens in this server. */
	noticeOnce(kind: NoticeKind, message: string) {
		if (this.noticed.has(kind)) return;
		this.noticed.add(kind);
		this.say(PREFIX + message);
	}
}
