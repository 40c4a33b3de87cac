// gateway/roblox-model/rbxmx.ts
// Rojo's XML model format (.rbxmx), written and read back: the build writes the model with it, the gateway rewrites its Config, the Luau bench builds its DataModel from it.

/** One instance of a model, in document order; `parent` is the 1-based index of its parent, 0 for the model's root. */
export interface ModelInstance {
	name: string;
	className: string;
	parent: number;
	/** A script's Luau source. */
	source?: string;
}

function escapeXml(text: string) {
	return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

/** CDATA cannot hold "]]>", so a source containing it is split across two sections. */
function cdata(text: string) {
	return `<![CDATA[${text.replace(/]]>/g, "]]]]><![CDATA[>")}]]>`;
}

function writeItem(instances: readonly ModelInstance[], index: number, depth: number, referents: { next: number }): string {
	const instance = instances[index - 1];
	const referent = referents.next++;
	const pad = "\t".repeat(depth);
	const properties = [`${pad}\t\t<string name="Name">${escapeXml(instance.name)}</string>`];
	if (instance.source !== undefined) properties.push(`${pad}\t\t<ProtectedString name="Source">${cdata(instance.source)}</ProtectedString>`);
	if (instance.className === "Script") properties.push(`${pad}\t\t<bool name="Disabled">false</bool>`);
	const children = instances.flatMap((child, i) => (child.parent === index ? [writeItem(instances, i + 1, depth + 1, referents)] : []));
	return [`${pad}<Item class="${escapeXml(instance.className)}" referent="RBX${referent}">`, `${pad}\t<Properties>`, ...properties, `${pad}\t</Properties>`, ...children, `${pad}</Item>`].join("\n");
}

/** The model file of `instances`, whose first is the root (its parent 0). */
export function writeModel(instances: readonly ModelInstance[]): string {
	return [
		'<roblox xmlns:xmime="http://www.w3.org/2005/05/xmlmime" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:noNamespaceSchemaLocation="http://www.roblox.com/roblox.xsd" version="4">',
		writeItem(instances, 1, 1, { next: 0 }),
		"</roblox>",
		"",
	].join("\n");
}

interface Element {
	tag: string;
	attributes: Record<string, string>;
	children: Element[];
	text: string;
}

const ENTITIES: Record<string, string> = { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'" };

function unescapeXml(text: string) {
	return text.replace(/&(#x[0-9a-f]+|#[0-9]+|[a-z]+);/gi, (whole, name: string) => {
		if (name.startsWith("#x") || name.startsWith("#X")) return String.fromCodePoint(parseInt(name.slice(2), 16));
		if (name.startsWith("#")) return String.fromCodePoint(parseInt(name.slice(1), 10));
		return ENTITIES[name] ?? whole;
	});
}

/** The element tree of an XML document: elements, attributes and text (CDATA included); declarations and comments skipped. */
function parseXml(xml: string): Element {
	const root: Element = { tag: "", attributes: {}, children: [], text: "" };
	const open: Element[] = [root];
	let at = 0;
	const fail = (what: string): never => {
		throw new Error(`not a model file: ${what} at character ${at}`);
	};
	while (at < xml.length) {
		const current = open[open.length - 1];
		if (xml.startsWith("<![CDATA[", at)) {
			const end = xml.indexOf("]]>", at);
			if (end < 0) fail("an unclosed CDATA section");
			current.text += xml.slice(at + 9, end);
			at = end + 3;
		} else if (xml.startsWith("<!--", at) || xml.startsWith("<?", at) || xml.startsWith("<!", at)) {
			const closer = xml.startsWith("<!--", at) ? "-->" : ">";
			const end = xml.indexOf(closer, at);
			if (end < 0) fail("an unclosed declaration");
			at = end + closer.length;
		} else if (xml.startsWith("</", at)) {
			const end = xml.indexOf(">", at);
			const tag = xml.slice(at + 2, end).trim();
			if (open.length === 1 || tag !== current.tag) fail(`</${tag}> closing <${current.tag}>`);
			open.pop();
			at = end + 1;
		} else if (xml[at] === "<") {
			const end = xml.indexOf(">", at);
			if (end < 0) fail("an unclosed tag");
			const body = xml.slice(at + 1, end);
			const selfClosing = body.endsWith("/");
			const [tag] = /^[^\s/>]+/.exec(body) ?? fail("a tag without a name");
			const element: Element = { tag, attributes: {}, children: [], text: "" };
			for (const [, name, value] of body.matchAll(/([^\s=]+)\s*=\s*"([^"]*)"/g)) element.attributes[name] = unescapeXml(value);
			current.children.push(element);
			if (!selfClosing) open.push(element);
			at = end + 1;
		} else {
			const end = xml.indexOf("<", at);
			const stop = end < 0 ? xml.length : end;
			current.text += unescapeXml(xml.slice(at, stop));
			at = stop;
		}
	}
	if (open.length !== 1) fail(`<${open[open.length - 1].tag}> left open`);
	return root;
}

/** The instances of a model file, in document order, as `writeModel` takes them; properties other than Name and Source are left out. */
export function readModel(xml: string): ModelInstance[] {
	const document = parseXml(xml).children.find((element) => element.tag === "roblox");
	if (document === undefined) throw new Error("not a model file: no <roblox> element");
	const instances: ModelInstance[] = [];
	const visit = (item: Element, parent: number) => {
		const properties = item.children.find((element) => element.tag === "Properties")?.children ?? [];
		const property = (name: string) => properties.find((element) => element.attributes.name === name)?.text;
		const source = property("Source");
		instances.push({ name: property("Name") ?? item.attributes.class, className: item.attributes.class, parent, ...(source === undefined ? {} : { source }) });
		const index = instances.length;
		for (const child of item.children) if (child.tag === "Item") visit(child, index);
	};
	for (const item of document.children) if (item.tag === "Item") visit(item, 0);
	return instances;
}
