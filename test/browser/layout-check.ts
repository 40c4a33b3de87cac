// test/browser/layout-check.ts
// The dashboard's layout check, run in the page by the Chromium suites: nothing wider than the viewport, every action on screen.

/** What a layout check found wrong: elements wider than the viewport or poking out of it, actions off screen. */
export interface LayoutReport {
	scrollWidth: number;
	viewport: number;
	tooWide: string[];
	/** Elements whose box sticks out of their card's box (a scrolling container between them excepted). */
	outsideCard: string[];
	offScreenButtons: string[];
	buttons: number;
}

/** Runs in the page: every rendered element inside the viewport's width and inside its card, every visible button fully on screen horizontally. */
export const LAYOUT_CHECK = `(() => {
	const viewport = document.documentElement.clientWidth;
	const describe = (node) => node.tagName.toLowerCase() + (node.id ? "#" + node.id : "") + (node.className && typeof node.className === "string" ? "." + node.className.trim().split(/\\s+/).join(".") : "") + " «" + (node.textContent || "").trim().slice(0, 40) + "»";
	const shown = (node) => {
		if (node.closest("[hidden], dialog:not([open]), .visually-hidden, thead")) return false;
		const style = getComputedStyle(node);
		if (style.display === "none" || style.visibility === "hidden") return false;
		const box = node.getBoundingClientRect();
		return box.width > 0 && box.height > 0;
	};
	const tooWide = [];
	for (const node of document.querySelectorAll("body *")) {
		if (!shown(node)) continue;
		const box = node.getBoundingClientRect();
		if (box.width > viewport + 0.5 || box.right > viewport + 0.5 || box.left < -0.5) tooWide.push(describe(node) + " " + Math.round(box.left) + ".." + Math.round(box.right));
	}
	const scrolls = (node, card) => {
		for (let parent = node.parentElement; parent !== null && parent !== card; parent = parent.parentElement) {
			if (["auto", "scroll", "hidden"].includes(getComputedStyle(parent).overflowX)) return true;
		}
		return false;
	};
	const outsideCard = [];
	for (const node of document.querySelectorAll(".card *, dialog[open] *")) {
		if (!shown(node)) continue;
		const card = node.closest(".card, dialog[open]");
		const box = node.getBoundingClientRect();
		const cardBox = card.getBoundingClientRect();
		if ((box.left < cardBox.left - 0.5 || box.right > cardBox.right + 0.5) && !scrolls(node, card)) outsideCard.push(describe(node) + " " + Math.round(box.left) + ".." + Math.round(box.right) + " in " + Math.round(cardBox.left) + ".." + Math.round(cardBox.right));
	}
	const buttons = [...document.querySelectorAll("main button, main a, header button")].filter(shown);
	const offScreenButtons = buttons.filter((button) => { const box = button.getBoundingClientRect(); return box.left < 0 || box.right > viewport + 0.5; }).map(describe);
	return { scrollWidth: document.documentElement.scrollWidth, viewport, tooWide: tooWide.slice(0, 10), outsideCard: outsideCard.slice(0, 10), offScreenButtons, buttons: buttons.length };
})()`;
