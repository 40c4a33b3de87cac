// tools/build-model.ts
// Writes out/Technified.rbxmx, the model a developer drags into ServerScriptService, from
// model.project.json and the compiled out/ (run by `npm run build` after rbxtsc).

import { writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { buildTree, TreeNode } from "./rojo-tree";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const target = join(root, "out", "Technified.rbxmx");

function escapeXml(text: string) {
	return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

/** CDATA cannot hold "]]>", so a source containing it is split across two sections. */
function cdata(text: string) {
	return `<![CDATA[${text.replace(/]]>/g, "]]]]><![CDATA[>")}]]>`;
}

function item(nodes: TreeNode[], index: number, depth: number, referents: { next: number }): string {
	const node = nodes[index - 1];
	const referent = referents.next++;
	const pad = "\t".repeat(depth);
	const properties = [`${pad}\t\t<string name="Name">${escapeXml(node.name)}</string>`];
	if (node.source !== undefined) properties.push(`${pad}\t\t<ProtectedString name="Source">${cdata(node.source)}</ProtectedString>`);
	if (node.className === "Script") properties.push(`${pad}\t\t<bool name="Disabled">false</bool>`);
	const children = nodes
		.map((child, i) => (child.parent === index ? item(nodes, i + 1, depth + 1, referents) : ""))
		.filter(Boolean);
	return [
		`${pad}<Item class="${node.className}" referent="RBX${referent}">`,
		`${pad}\t<Properties>`,
		...properties,
		`${pad}\t</Properties>`,
		...children,
		`${pad}</Item>`,
	].join("\n");
}

const nodes = buildTree(join(root, "model.project.json"));
const xml = [
	'<roblox xmlns:xmime="http://www.w3.org/2005/05/xmlmime" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:noNamespaceSchemaLocation="http://www.roblox.com/roblox.xsd" version="4">',
	item(nodes, 1, 1, { next: 0 }),
	"</roblox>",
	"",
].join("\n");
writeFileSync(target, xml);
console.log(`model: ${target} (${nodes.length} instances; drag it into ServerScriptService)`);
