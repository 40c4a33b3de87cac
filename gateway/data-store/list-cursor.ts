// gateway/data-store/list-cursor.ts
// Turns a store's `afterId` into the opaque `cursor` of the active lists, and back.

import { badRequest } from "../http/envelope";
import type { ModerationKind } from "./moderation-store";

const CURSOR_TEXT = /^(ban|mute):([1-9][0-9]*)$/;

/**
 * The cursor is `<kind>:<record id>` in base64url. Callers must treat it as opaque; the kind inside lets
 * the store refuse a bans cursor sent to the mutes list instead of silently skipping records.
 */
export function encodeCursor(kind: ModerationKind, afterId: number): string {
	return Buffer.from(`${kind}:${afterId}`).toString("base64url");
}

/** The record id a cursor points after; a 400 for anything this module did not produce. */
export function decodeCursor(kind: ModerationKind, cursor: string): number {
	const match = CURSOR_TEXT.exec(Buffer.from(cursor, "base64url").toString("utf8"));
	const afterId = Number(match?.[2]);
	if (match === null || match[1] !== kind || !Number.isSafeInteger(afterId) || encodeCursor(kind, afterId) !== cursor) {
		throw badRequest(`cursor is not one this list returned as next_cursor`);
	}
	return afterId;
}
