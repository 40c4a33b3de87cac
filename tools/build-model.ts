// tools/build-model.ts
// Writes out/Technified.rbxmx, the model a developer drags into ServerScriptService (and the gateway serves
// configured for a guild), from model.project.json and the compiled out/ (run by `npm run build` after rbxtsc).

import { writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { writeModel } from "../gateway/roblox-model/rbxmx";
import { buildTree } from "./rojo-tree";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const target = join(root, "out", "Technified.rbxmx");

const nodes = buildTree(join(root, "model.project.json"));
writeFileSync(target, writeModel(nodes));
console.log(`model: ${target} (${nodes.length} instances; drag it into ServerScriptService)`);
