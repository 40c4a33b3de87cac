// test/luau/harness/luau-host.ts
// Runs the compiled module in the real Luau VM (luau-web): one chunk holding the emulated engine and every
// script of the model file (out/Technified.rbxmx, read as Roblox Studio would insert it into
// ServerScriptService), loaded once per process; each scenario gets a fresh emulated server in it.

import { readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { LuauState } from "luau-web";
import { readModel, type ModelInstance } from "../../../gateway/roblox-model/rbxmx";

const here = dirname(fileURLToPath(import.meta.url));
export const REPO_ROOT = resolve(here, "../../..");
const ENGINE_DIR = join(here, "../engine");

/** When the module sent a request and with which method; the transport sees the rest. */
export interface SentRequest {
	at: number;
	method: string;
}

export interface WorldReport {
	now: number;
	requests: SentRequest[];
	kicks: Array<{ userId: number; message: string; at: number }>;
	output: Array<{ kind: "print" | "warn" | "error"; text: string; at: number }>;
	players: number[];
	refusedByLimit: number;
	results: Record<string, { ok: boolean; status?: StatusResult; value?: unknown; error?: string }>;
	/** What the module told onAction (with `recordActions` at start). */
	actions: Array<{ kind: "kick" | "mute" | "unmute"; userId: number; reason?: string; source: string }>;
	/** TextChannel:DisplaySystemMessage calls. */
	systemMessages: Array<{ channel: string; text: string; at: number }>;
	/** MessagingService:SubscribeAsync calls, and messages handed to a subscription's callback. */
	subscribeCalls: number;
	messagesReceived: number;
}

/** What getBanStatus, getMuteStatus, ban and mute return. */
export interface StatusResult {
	banned?: boolean;
	muted?: boolean;
	reason?: string;
	expiresAt?: number;
	isPermanent?: boolean;
}

/** What the transport (the test's API) receives and answers. */
export interface ApiRequest {
	/** Numbers the exchanges of one emulated server: a held exchange is asked about again by it. */
	id: number;
	at: number;
	method: string;
	url: string;
	headers: Record<string, string>;
	body: string;
	/** Opened by HttpService:CreateWebStreamClient (SSE) rather than RequestAsync. */
	stream?: boolean;
}

export interface ApiAnswer {
	status?: number;
	headers?: Record<string, string>;
	body?: string;
	/** Virtual seconds the exchange takes. */
	latency?: number;
	/** Raised by RequestAsync instead of answering, e.g. "HttpError: Timedout" (a stream: its Error). */
	error?: string;
	/**
	 * Not answered yet (a long poll held, a stream still open): the engine asks `poll` again whenever its
	 * clock moves, until RequestAsync's time-out. `wakeAt` is a virtual time worth asking again at.
	 */
	pending?: boolean;
	wakeAt?: number;
	/** A stream's text since the last answer, in the event stream format. */
	chunk?: string;
	/** The server ended the stream. */
	ended?: boolean;
}

/**
 * Answers the emulated server's requests. Answers that are `pending` are asked about again through
 * `poll` (on the virtual clock); `close` hears that the module (or RequestAsync's time-out) let go of one.
 */
export type Transport = ((request: ApiRequest) => ApiAnswer | Promise<ApiAnswer>) & {
	poll?: (id: number, at: number) => ApiAnswer;
	close?: (id: number) => void;
	/** MessagingService:PublishAsync from the emulated server (harness/messaging-hub.ts delivers it). */
	publish?: (topic: string, data: unknown, sent: number) => void;
};

export interface WorldSettings {
	httpEnabled?: boolean;
	secrets?: Record<string, string>;
	studio?: boolean;
	latency?: number;
	seed?: number;
	/** game.PlaceId (default 4483381587; 0 in Studio) and game.JobId (default a GUID; empty in Studio). */
	placeId?: number;
	jobId?: string;
	/** game.GameId, the universe (default 5203828273; 0 in Studio). */
	universeId?: number;
	/** The domain each secret is bound to (Creator Dashboard > Secrets); default "*". */
	secretDomains?: Record<string, string>;
	/** TextChatService.ChatVersion; default "TextChatService". */
	chatVersion?: "TextChatService" | "LegacyChatService";
	/** Workspace.SignalBehavior = Deferred: signal handlers run at the next resumption point. */
	deferredSignals?: boolean;
	/** HttpService:CreateWebStreamClient works (Studio, at the time of writing); otherwise it raises. */
	webStreams?: boolean;
}

export interface StartResult {
	ok: boolean;
	error?: string;
}

export interface ExtraModule {
	/** Where the ModuleScript goes, e.g. "ServerScriptService.NaiveGuard". */
	parentPath: string;
	name: string;
	source: string;
}

/** The JS face of one emulated server; every call runs Luau and resolves when it has finished. */
export class World {
	constructor(private readonly handle: Record<string, (...args: unknown[]) => Promise<unknown[]>>) {}

	private async call<T>(name: string, ...args: unknown[]): Promise<T> {
		const [value] = await this.handle[name](...args);
		return value as T;
	}

	async start(
		options: Record<string, unknown>,
		extra: { secretName?: string; kickFunction?: boolean; modulePath?: string; recordActions?: boolean } = {},
	) {
		const modulePath = extra.modulePath ?? "ServerScriptService.Technified";
		const outcome = await this.call<string>(
			"start",
			modulePath,
			JSON.stringify(options),
			extra.secretName ?? "",
			extra.kickFunction ?? false,
			extra.recordActions ?? false,
		);
		return JSON.parse(outcome) as StartResult;
	}

	/** `Technified.client()`, as an admin script calls it; later calls go to the client it returns. */
	async reachClient(modulePath = "ServerScriptService.Technified") {
		return JSON.parse(await this.call<string>("reachClient", modulePath)) as { found: boolean; sameAsStarted: boolean };
	}

	join(...userIds: number[]) {
		return this.call("join", JSON.stringify(userIds));
	}

	/** One player leaves and another joins, then the clock moves `seconds`. */
	churn(leavingId: number, joiningId: number, seconds: number) {
		return this.call("churn", leavingId, joiningId, seconds);
	}

	leave(userId: number) {
		return this.call("leave", userId);
	}

	/** Moves the virtual clock, running every thread that wakes on the way. */
	advance(seconds: number) {
		return this.call("advance", seconds);
	}

	getBanStatus(userId: number) {
		return this.call<string>("getBanStatus", userId);
	}

	getMuteStatus(userId: number) {
		return this.call<string>("getMuteStatus", userId);
	}

	/** client:ban/unban/mute/unmute(userId, options); the outcome is in report().results[token]. */
	moderate(method: "ban" | "unban" | "mute" | "unmute", userId: number, options: Record<string, unknown>) {
		return this.call<string>("moderate", method, userId, JSON.stringify(options));
	}

	/**
	 * `require(modulePath)[functionName](...args)` in its own thread (an emulated admin system's entry
	 * points); its outcome is in report().results[token], the value under `value`.
	 */
	invoke(modulePath: string, functionName: string, ...args: unknown[]) {
		return this.call<string>("invoke", modulePath, functionName, JSON.stringify(args));
	}

	/** A game script creating a TextChannel of its own, with everyone in the server in it. */
	createChannel(name: string) {
		return this.call("createChannel", name);
	}

	/** CanSend of each of the user's TextSources, by channel name. */
	async canSend(userId: number) {
		const value = JSON.parse(await this.call<string>("canSend", userId));
		return (Array.isArray(value) ? {} : value) as Record<string, boolean>;
	}

	/** A game script setting a TextSource's CanSend itself. */
	setCanSend(userId: number, channel: string, value: boolean) {
		return this.call("setCanSend", userId, channel, value);
	}

	/** Moves an instance, e.g. the model into Workspace. */
	move(path: string, newParentPath: string) {
		return this.call("move", path, newParentPath);
	}

	stop() {
		return this.call("stop");
	}

	/** Fills in the drop-in Config, as a game owner would in Studio. */
	configure(config: Record<string, unknown>) {
		return this.call("configure", JSON.stringify(config));
	}

	/** Starts every Script in ServerScriptService, as a server does. */
	runScripts() {
		return this.call("runScripts", "");
	}

	/** Starts the Scripts in Workspace, where Scripts with the Legacy RunContext run too. */
	runWorkspaceScripts() {
		return this.call("runScripts", "Workspace");
	}

	/** A value of the drop-in Config, e.g. "options.baseUrl". */
	configValue(path: string) {
		return this.call<unknown>("configValue", path);
	}

	/** Other scripts of the game using up part of Roblox's 500 requests/minute. */
	otherScriptsSend(count: number) {
		return this.call("otherScriptsSend", count);
	}

	async secretLeaks(secretName: string) {
		return JSON.parse(await this.call<string>("secretLeaks", secretName)) as { text: string; concatenated: boolean };
	}

	async clientReadable(text: string) {
		return asArray<string>(JSON.parse(await this.call<string>("clientReadable", text)));
	}

	async scripts() {
		return asArray<string>(JSON.parse(await this.call<string>("scripts")));
	}

	async report(): Promise<WorldReport> {
		const report = JSON.parse(await this.call<string>("report"));
		// Luau's JSON cannot tell an empty array from an empty object.
		return {
			...report,
			requests: asArray(report.requests),
			kicks: asArray(report.kicks),
			output: asArray(report.output),
			players: asArray(report.players),
			actions: asArray(report.actions),
			systemMessages: asArray(report.systemMessages),
			results: Array.isArray(report.results) ? {} : report.results,
		};
	}

	/**
	 * A message Roblox's MessagingService hands this server's subscribers of `topic`, `delay` seconds from
	 * now; `sent` is when it was published (unix seconds; 0: now).
	 */
	deliverMessage(topic: string, data: string, delay: number, sent = 0) {
		return this.call("deliverMessage", topic, data, delay, sent);
	}

	/** Every SubscribeAsync raises `text` from now on; undefined: it works again. */
	failSubscribe(text: string | undefined) {
		return this.call("failSubscribe", text ?? "");
	}

	/** Subscriptions of `topic` connected right now. */
	subscribers(topic: string) {
		return this.call<number>("subscribers", topic);
	}

	gcKilobytes() {
		return this.call<number>("gcKilobytes");
	}
}

function asArray<T>(value: T[] | Record<string, never>): T[] {
	return Array.isArray(value) ? value : [];
}

/** Escapes a string as a Luau literal. */
function luauString(text: string) {
	return `"${text.replace(/[\\"\n\r\t]|[^\x20-\x7e]/g, (c) => {
		if (c === "\n") return "\\n";
		if (c === "\r") return "\\r";
		if (c === "\t") return "\\t";
		if (c === "\\" || c === '"') return `\\${c}`;
		return Array.from(new TextEncoder().encode(c), (byte) => `\\${byte}`).join("");
	})}"`;
}

function engineSource(name: string) {
	return readFileSync(join(ENGINE_DIR, name), "utf8");
}

/** One chunk: engine, driver, and every script as `function(script, ENV)` with Roblox globals as locals. */
export function buildChunk(tree: ModelInstance[]): string {
	const globals = ["game", "workspace", "require", "task", "typeof", "os", "warn", "print", "_G", "DateTime", "tick", "time", "wait", "delay", "spawn", "Enum"];
	const locals = `local ${globals.join(", ")} = ${globals.map((g) => `ENV.${g}`).join(", ")}`;
	const parts: string[] = [
		`local Json = (function(...)\n${engineSource("json.luau")}\nend)()`,
		`local Engine = (function(...)\n${engineSource("engine.luau")}\nend)(Json)`,
		"local SOURCES = {}",
	];
	let sourceCount = 0;
	const treeEntries = tree.map((node) => {
		let source = "nil";
		if (node.source !== undefined) {
			sourceCount += 1;
			parts.push(`SOURCES[${sourceCount}] = function(script, ENV)\n${locals}\n${node.source}\nend`);
			source = String(sourceCount);
		}
		return `{ name = ${luauString(node.name)}, className = ${luauString(node.className)}, parent = ${node.parent}, source = ${source} }`;
	});
	parts.push(`local TREE = {\n${treeEntries.join(",\n")}\n}`);
	parts.push(`return (function(...)\n${engineSource("driver.luau")}\nend)(Engine, Json, TREE, SOURCES)`);
	return parts.join("\n");
}

export interface Host {
	/** A fresh emulated server; `transport` answers every HttpService request it makes. */
	newWorld(transport: Transport, settings?: WorldSettings): Promise<World>;
}

let hostPromise: Promise<Host> | undefined;
/** Exchange ids are per emulated server; the transport sees them offset by the server's number. */
const IDS_PER_WORLD = 1_000_000;
let worldCount = 0;
let hostExtras: string | undefined;

/** What `npm run build` writes: the model a developer inserts. */
export const BUILT_MODEL = join(REPO_ROOT, "out", "Technified.rbxmx");

/** The DataModel the scripts run in: the model inside ServerScriptService, as Studio inserts it. */
function dataModel(modelXml: string): ModelInstance[] {
	const model = readModel(modelXml).map((instance) => ({ ...instance, parent: instance.parent + 1 }));
	return [{ name: "ServerScriptService", className: "ServerScriptService", parent: 0 }, ...model];
}

/**
 * The Luau VM of this process. luau-web's heap is fixed at 16 MiB and destroying a state breaks later
 * ones, so there is one state per process; scenarios are fresh worlds inside it, collected by Luau's GC.
 */
export function luauHost(extraModules: ExtraModule[] = [], modelXml?: string): Promise<Host> {
	const extras = JSON.stringify([extraModules.map((extra) => `${extra.parentPath}.${extra.name}`), modelXml ?? BUILT_MODEL]);
	if (hostExtras !== undefined && hostExtras !== extras) {
		throw new Error("this process's Luau VM was built with another model or other extra modules; use one set per process");
	}
	hostExtras = extras;
	hostPromise ??= (async () => {
		const tree = dataModel(modelXml ?? readFileSync(BUILT_MODEL, "utf8"));
		for (const extra of extraModules) {
			const parent = extra.parentPath.split(".").reduce((parentIndex, name) => {
				const index = tree.findIndex((node, i) => node.name === name && node.parent === parentIndex && i >= 0);
				if (index < 0) throw new Error(`no ${name} in the project tree`);
				return index + 1;
			}, 0);
			tree.push({ name: extra.name, className: "ModuleScript", parent, source: extra.source });
		}
		const state = await LuauState.createAsync({});
		const [driver] = (await state.loadstring(buildChunk(tree), "technified-bench", true)()) as [
			{ newWorld: (settings: string, transport: (request: string) => string | Promise<string>) => Promise<unknown[]> },
		];
		return {
			async newWorld(transport, given = {}) {
				// The whole suite runs once more with deferred signals (the default of new places).
				const settings = { deferredSignals: process.env.TECHNIFIED_DEFERRED_SIGNALS === "1", ...given };
				// Answer synchronously when the transport can: every async call from Luau costs the VM memory.
				const idBase = ++worldCount * IDS_PER_WORLD;
				const [handle] = await driver.newWorld(JSON.stringify(settings), (request: string) => {
					const parsed = JSON.parse(request) as
						| ApiRequest
						| { poll: number; at: number }
						| { close: number }
						| { publish: string; data: unknown; sent: number };
					if ("publish" in parsed) {
						transport.publish?.(parsed.publish, parsed.data, parsed.sent);
						return "{}";
					}
					if ("poll" in parsed) {
						if (!transport.poll) throw new Error("a pending answer needs a transport with poll()");
						return JSON.stringify(transport.poll(idBase + parsed.poll, parsed.at));
					}
					if ("close" in parsed) {
						transport.close?.(idBase + parsed.close);
						return "{}";
					}
					const answer = transport({ ...parsed, id: idBase + parsed.id });
					return answer instanceof Promise ? answer.then((value) => JSON.stringify(value)) : JSON.stringify(answer);
				});
				return new World(handle as Record<string, (...args: unknown[]) => Promise<unknown[]>>);
			},
		};
	})();
	return hostPromise;
}
