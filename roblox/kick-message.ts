// roblox/kick-message.ts
// What a banned player reads when kicked: the owner's template (or function) filled from the ban.

import type { BanStatus } from "./ban-status";

export type KickMessage = string | ((banInfo: BanStatus) => string);

export const DEFAULT_KICK_MESSAGE = "You are banned from this game.\nReason: {reason}\n{expiry}";

export const DEFAULT_UNAVAILABLE_MESSAGE =
	"We could not check your access to this game right now. Please try again shortly.";

function plural(count: number, unit: string) {
	return `${count} ${unit}${count === 1 ? "" : "s"}`;
}

/** A span of time as a player reads it: "45 seconds", "3 hours", "2 days". */
export function durationInWords(seconds: number) {
	const s = math.max(1, math.ceil(seconds));
	if (s < 60) return plural(s, "second");
	if (s < 3600) return plural(math.max(1, math.floor(s / 60 + 0.5)), "minute");
	if (s < 172800) return plural(math.max(1, math.floor(s / 3600 + 0.5)), "hour");
	return plural(math.floor(s / 86400 + 0.5), "day");
}

/** `{expiry}`: a whole sentence, because "permanent" and "ends in …" do not share a grammar. */
export function expiryInWords(status: BanStatus, unixNow: number) {
	if (status.isPermanent || status.expiresAt === undefined) return "This ban is permanent.";
	return `This ban ends in ${durationInWords(status.expiresAt - unixNow)}.`;
}

export function renderKickMessage(template: KickMessage, status: BanStatus, unixNow: number): string {
	if (!typeIs(template, "string")) {
		// A custom function that errors must not let the banned player stay: fall back to the default.
		const [ok, text] = pcall(template, status);
		if (ok && typeIs(text, "string")) return text;
		return renderKickMessage(DEFAULT_KICK_MESSAGE, status, unixNow);
	}
	const reason = status.reason !== undefined && status.reason !== "" ? status.reason : "No reason given";
	const expiry = expiryInWords(status, unixNow);
	// gsub with a function: a reason containing "%" must come out as written.
	const [text] = template.gsub("{(%a+)}", (token: string) => {
		if (token === "reason") return reason;
		if (token === "expiry") return expiry;
		return undefined;
	});
	return text;
}
