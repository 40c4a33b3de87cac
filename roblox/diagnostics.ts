// roblox/diagnostics.ts
// One clear warning per problem a game owner must fix, never a flood in the output.

export type DiagnosticKind =
	| "http_disabled"
	| "key_refused"
	| "api_unreachable"
	| "bad_response"
	| "roblox_http_limit"
	| "quota_exhausted";

const PREFIX = "[Technified] ";

export class Diagnostics {
	private readonly shown = new Set<DiagnosticKind>();

	constructor(private readonly write: (message: string) => void = (message) => warn(message)) {}

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
}
