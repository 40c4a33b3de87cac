// gateway/data-store/list-cursor.ts
// Turns a store's list position into the opaque `cursor` of the active lists, and back.

import { badRequest } from "../platform/http/envelope";
import type { ListPosition, ModerationKind } from "./moderation-store";

const CURSOR_TEXT = /^(ban|mute):(0|[1-9][0-9]*):([1-9][0-9]*):(0|[1-9][0-9]*)$/;

/**
 * The cursor is `<kind>:<created ms>:<user id>:<place id or 0>` in base64url: only values of the
 * record the caller was just shown, nothing about other guilds. Callers must treat it as opaque; the
 * kind inside lets the store refuse a bans cursor sent to the mutes list instead of silently skipping.
 */
export function encodeCursor(kind: ModerationKind, position: ListPosition): string {
	return Buffer.from(`${kind}:${position.createdAt}:${position.robloxId}:${position.placeId ?? 0}`).toString("base64url");
}

/** The position a cursor points after; a 400 for anything this module did not produce. */
export function decodeCursor(kind: ModerationKind, cursor: string): ListPosition {
	const match = CURSOR_TEXT.exec(Buffer.from(cursor, "base64url").toString("utf8"));
	const [createdAt, robloxId, placeId] = [match?.[2], match?.[3], match?.[4]].map(Number);
	const position = { createdAt, robloxId, placeId: placeId === 0 ? null : placeId };
	const exact = [createdAt, robloxId, placeId].every(Number.isSafeInteger);
	if (match === null || match[1] !== kind || !exact || encodeCursor(kind, position) !== cursor) {
		throw badRequest(`cursor is not one this list returned as next_cursor`);
	}
	return position;
}

const HISTORY_CURSOR_TEXT = /^history:([1-9][0-9]*)$/;

/** The history's `cursor`: the place in the user's history (oldest first) where the next page starts. */
export function encodeHistoryCursor(before: number): string {
	return Buffer.from(`history:${before}`).toString("base64url");
}

/** The place a history cursor points at; a 400 for anything `encodeHistoryCursor` did not produce. */
export function decodeHistoryCursor(cursor: string): number {
	const before = Number(HISTORY_CURSOR_TEXT.exec(Buffer.from(cursor, "base64url").toString("utf8"))?.[1]);
	if (!Number.isSafeInteger(before) || encodeHistoryCursor(before) !== cursor) {
		throw badRequest("cursor is not one this history returned as next_cursor");
	}
	return before;
}
