// tools/rojo-tree.ts
// The Instance tree a Rojo build makes of a project file (default.project.json, model.project.json) and
// out/, by Rojo's rules: used by the model file writer and by the Luau test bench.

import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { basename, dirname, join, relative, resolve } from "node:path";

export interface TreeNode {
	name: string;
	className: string;
	/** Index (1-based) of the parent node; 0 is the DataModel. */
	parent: number;
	/** Luau source of a script (a Rojo `.luau`/`.lua` file or a folder's `init.luau`). */
	source?: string;
	/** Where the node came from, for error messages. */
	file?: string;
}

interface ProjectNode {
	$className?: string;
	$path?: string;
	[child: string]: unknown;
}

interface Project {
	name: string;
	globIgnorePaths?: string[];
	tree: ProjectNode;
}

const SCRIPT_SUFFIXES: Array<[string, string]> = [
	[".server.luau", "Script"],
	[".server.lua", "Script"],
	[".client.luau", "LocalScript"],
	[".client.lua", "LocalScript"],
	[".luau", "ModuleScript"],
	[".lua", "ModuleScript"],
];

function scriptKind(file: string): { className: string; stem: string } | undefined {
	for (const [suffix, className] of SCRIPT_SUFFIXES) {
		if (file.endsWith(suffix)) return { className, stem: basename(file).slice(0, -suffix.length) };
	}
	return undefined;
}

function globToRegExp(glob: string): RegExp {
	const pattern = glob
		.split("**/")
		.map((part) => part.replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*/g, "[^/]*"))
		.join("(?:.*/)?");
	return new RegExp(`^${pattern}$`);
}

export function buildTree(projectFile: string): TreeNode[] {
	const nodes: TreeNode[] = [];
	const add = (node: TreeNode) => nodes.push(node) && nodes.length;

	function fromPath(path: string, name: string, parent: number, className: string | undefined, ignore: (p: string) => boolean): number {
		if (path.endsWith(".project.json")) return fromProject(path, name, parent);
		const stat = statSync(path);
		if (stat.isFile()) {
			const kind = scriptKind(path);
			if (!kind) throw new Error(`Rojo cannot map ${path}`);
			return add({ name, className: kind.className, parent, source: readFileSync(path, "utf8"), file: path });
		}
		const entries = readdirSync(path).sort();
		const init = entries.find((entry) => /^init(\.server|\.client)?\.luau?$/.test(entry));
		const index = init
			? add({ name, className: scriptKind(join(path, init))!.className, parent, source: readFileSync(join(path, init), "utf8"), file: join(path, init) })
			: add({ name, className: className ?? "Folder", parent, file: path });
		for (const entry of entries) {
			const full = join(path, entry);
			if (entry === init || ignore(full)) continue;
			if (statSync(full).isDirectory()) fromPath(full, entry, index, undefined, ignore);
			else {
				const kind = scriptKind(entry);
				if (kind) add({ name: kind.stem, className: kind.className, parent: index, source: readFileSync(full, "utf8"), file: full });
			}
		}
		return index;
	}

	function fromNode(node: ProjectNode, name: string, parent: number, base: string, ignore: (p: string) => boolean): number {
		const index = node.$path
			? fromPath(resolve(base, node.$path), name, parent, node.$className, ignore)
			: add({ name, className: node.$className ?? "Folder", parent });
		for (const [key, child] of Object.entries(node)) {
			if (!key.startsWith("$")) fromNode(child as ProjectNode, key, index, base, ignore);
		}
		return index;
	}

	function fromProject(file: string, name: string | undefined, parent: number): number {
		const project = JSON.parse(readFileSync(file, "utf8")) as Project;
		const base = dirname(file);
		const patterns = (project.globIgnorePaths ?? []).map(globToRegExp);
		const ignore = (path: string) => patterns.some((pattern) => pattern.test(relative(base, path)));
		if (project.tree.$className === "DataModel") {
			for (const [key, child] of Object.entries(project.tree)) {
				if (!key.startsWith("$")) fromNode(child as ProjectNode, key, 0, base, ignore);
			}
			return 0;
		}
		return fromNode(project.tree, name ?? project.name, parent, base, ignore);
	}

	if (!existsSync(projectFile)) throw new Error(`no project file at ${projectFile}`);
	fromProject(projectFile, undefined, 0);
	return nodes;
}
