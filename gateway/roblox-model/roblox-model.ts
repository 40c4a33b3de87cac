// gateway/roblox-model/roblox-model.ts
// The build's Technified.rbxmx with its Config pointing at this gateway and one guild, never a key: what a developer who only uses Studio downloads.

import { readFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { ApiError } from "../platform/http/envelope";
import { readModel, writeModel } from "./rbxmx";

/** Where `npm run build:roblox` writes the model: `out/` at the repository root, two levels up from here and from dist/gateway/main.js alike. */
export const MODEL_FILE = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../out/Technified.rbxmx");

/** The Secret a game owner creates for the key (Creator Dashboard > Secrets), as the served Config names it. */
export const SECRET_NAME = "technified_api_key";

export interface ModelTarget {
	/** PUBLIC_URL without a trailing slash. */
	publicUrl: string;
	guildId: string;
}

/** Luau's double-quoted string literal of `text`. */
function luauString(text: string) {
	return `"${text.replace(/[\\"]/g, "\\$&").replace(/[\x00-\x1f\x7f]/g, (c) => `\\${c.charCodeAt(0)}`)}"`;
}

/**
 * The compiled Config with the key left empty, the key's Secret named, the guild and the gateway's
 * API filled in. Each field must be found exactly once: a Config of another shape is a build to fix,
 * not a model to serve half-configured.
 */
export function configureSource(source: string, target: ModelTarget): string {
	const values: Record<string, string> = {
		apiKey: "",
		secretName: SECRET_NAME,
		guildId: target.guildId,
		baseUrl: `${target.publicUrl}/api/v1`,
	};
	let configured = source;
	for (const [field, value] of Object.entries(values)) {
		const pattern = new RegExp(`^(\\s*${field} = )"(?:[^"\\\\]|\\\\.)*"(,)`, "gm");
		if ((configured.match(pattern) ?? []).length !== 1) throw new Error(`the built Config has no single ${field} field`);
		configured = configured.replace(pattern, (_whole, head: string, comma: string) => `${head}${luauString(value)}${comma}`);
	}
	return configured;
}

/** The model file with its Config (the ModuleScript `Config` under the model's root) configured for `target`. */
export function configureModel(xml: string, target: ModelTarget): string {
	const instances = readModel(xml);
	const config = instances.find((instance) => instance.parent === 1 && instance.name === "Config" && instance.className === "ModuleScript");
	if (config?.source === undefined) throw new Error("the built model has no Config module");
	config.source = configureSource(config.source, target);
	return writeModel(instances);
}

/** The served model for `target`, read from the build each time (a rebuild is served without a restart). */
export async function modelFor(target: ModelTarget, file = MODEL_FILE): Promise<string> {
	let xml: string;
	try {
		xml = await readFile(file, "utf8");
	} catch {
		throw new ApiError(503, "service_unavailable", "The Roblox model is not built: run npm run build on the gateway's machine");
	}
	return configureModel(xml, target);
}
