// test/fakes/roblox-users.ts
// A fake of Roblox's public users and thumbnails APIs on loopback, for the names tests and the dashboard's journeys.
//
// Written from Roblox's API reference (create.roblox.com/docs/cloud/legacy/users/v1 and …/thumbnails/v1):
// - users: `POST /v1/usernames/users` with `{"usernames": [...], "excludeBannedUsers": bool}` answers
//   `{"data": [{"requestedUsername", "hasVerifiedBadge", "id", "name", "displayName"}]}`, matching current and
//   previous usernames without regard to case and leaving out names that match nobody; more than 100 names is
//   400 `{"errors": [{"code": 2, "message": "Too many usernames."}]}`. `POST /v1/users` with `{"userIds": [...],
//   "excludeBannedUsers": bool}` answers `{"data": [{"hasVerifiedBadge", "id", "name", "displayName"}]}` for the
//   ids it knows; more than 100 ids is 400 `{"errors": [{"code": 1, "message": "Too many Ids."}]}`.
// - thumbnails: `GET /v1/users/avatar-headshot?userIds=1,2&size=150x150&format=Png&isCircular=false` answers
//   `{"data": [{"targetId", "state": "Completed"|"Pending"|"Blocked"|"Error", "imageUrl", "version"}]}`, images on
//   https://tr.rbxcdn.com/…; more than 100 ids is 400 `{"errors": [{"code": 1, "message": "There are too many
//   requested Ids."}]}`.
// - both: a caller over the rate limit gets 429 `{"errors": [{"code": 0, "message": "Too many requests"}]}`.
// `mode` turns the fake into an outage: "down" (503), "garbage" (200 with HTML), "slow" (no answer), "rate_limited" (429).

import type { AddressInfo } from "node:net";
import type { Server } from "node:http";
import express from "express";

export interface FakeRobloxUser {
	id: number;
	name: string;
	displayName: string;
	previousNames?: string[];
	/** Headshot state; Completed unless told. */
	headshot?: "Completed" | "Pending" | "Blocked";
}

export type FakeRobloxMode = "up" | "down" | "garbage" | "slow" | "rate_limited";

export interface FakeRoblox {
	/** ROBLOX_USERS_URL and ROBLOX_THUMBNAILS_URL: one server answers both. */
	url: string;
	add(...users: FakeRobloxUser[]): void;
	setMode(mode: FakeRobloxMode): void;
	/** Every answer waits this long first (ms): a slow Roblox that still answers. */
	setDelay(ms: number): void;
	/** Every request, as `METHOD path` with how many names or ids it carried. */
	requests: { route: string; count: number }[];
	close(): Promise<void>;
}

const LIMIT = 100;

export const headshotUrl = (id: number) => `https://tr.rbxcdn.com/30DAY-AvatarHeadshot-${id.toString(16).toUpperCase().padStart(32, "0")}-Png/150/150/AvatarHeadshot/Png/noFilter`;

export async function startFakeRoblox(): Promise<FakeRoblox> {
	const users = new Map<number, FakeRobloxUser>();
	let mode: FakeRobloxMode = "up";
	let delayMs = 0;
	const requests: FakeRoblox["requests"] = [];
	const app = express();
	app.use(express.json());
	app.use((_req, _res, next) => {
		if (delayMs === 0) return next();
		setTimeout(next, delayMs);
	});
	app.use((_req, res, next) => {
		if (mode === "up") return next();
		if (mode === "slow") return;
		if (mode === "down") return res.status(503).send("Service Unavailable");
		if (mode === "garbage") return res.status(200).type("html").send("<html><body>Roblox is down for maintenance</body></html>");
		res.status(429).set("retry-after", "60").json({ errors: [{ code: 0, message: "Too many requests" }] });
	});
	const summary = (user: FakeRobloxUser) => ({ hasVerifiedBadge: false, id: user.id, name: user.name, displayName: user.displayName });

	app.post("/v1/usernames/users", (req, res) => {
		const names = (req.body as { usernames?: string[] }).usernames ?? [];
		requests.push({ route: "POST /v1/usernames/users", count: names.length });
		if (names.length > LIMIT) return res.status(400).json({ errors: [{ code: 2, message: "Too many usernames." }] });
		const data = names.flatMap((requested) => {
			const lower = requested.toLowerCase();
			const user = [...users.values()].find((each) => each.name.toLowerCase() === lower || (each.previousNames ?? []).some((old) => old.toLowerCase() === lower));
			return user === undefined ? [] : [{ requestedUsername: requested, ...summary(user) }];
		});
		res.json({ data });
	});
	app.post("/v1/users", (req, res) => {
		const ids = (req.body as { userIds?: number[] }).userIds ?? [];
		requests.push({ route: "POST /v1/users", count: ids.length });
		if (ids.length > LIMIT) return res.status(400).json({ errors: [{ code: 1, message: "Too many Ids." }] });
		res.json({ data: ids.flatMap((id) => (users.has(id) ? [summary(users.get(id)!)] : [])) });
	});
	app.get("/v1/users/avatar-headshot", (req, res) => {
		const ids = String(req.query.userIds ?? "").split(",").filter((id) => id !== "").map(Number);
		requests.push({ route: "GET /v1/users/avatar-headshot", count: ids.length });
		if (ids.length > LIMIT) return res.status(400).json({ errors: [{ code: 1, message: "There are too many requested Ids." }] });
		const data = ids.map((id) => {
			const state = users.has(id) ? (users.get(id)!.headshot ?? "Completed") : "Error";
			return { targetId: id, state, imageUrl: state === "Completed" ? headshotUrl(id) : null, version: "TN3" };
		});
		res.json({ data });
	});

	const server = await new Promise<Server>((resolve) => {
		const listening = app.listen(0, "127.0.0.1", () => resolve(listening));
	});
	return {
		url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
		add: (...added) => {
			for (const user of added) users.set(user.id, user);
		},
		setMode: (next) => {
			mode = next;
		},
		setDelay: (ms) => {
			delayMs = ms;
		},
		requests,
		close: () =>
			new Promise((resolve) => {
				server.closeAllConnections();
				server.close(() => resolve());
			}),
	};
}
