// What a reader would see as broken on the rendered page, as a list of plain
// sentences (empty when the page is fine). Evaluated by tests/web/test_layout.py
// with the viewport as tall as the page, so every point is hit-testable.
//
// 1. Anything wider than the viewport: the document scrolls sideways, or an
//    element's box runs past the right (or left) edge.
// 2. Text spilling out of the box it belongs to (a badge crossing into the next
//    table cell, a title wider than its grid column).
// 3. Two pieces of text overlapping, or text covered by another element.
// 4. Text cut off: clipped by overflow, shortened by an ellipsis or a line clamp,
//    or longer than the form field that shows it.
() => {
  const problems = [];
  const root = document.documentElement;
  const width = root.clientWidth;
  const SLACK = 1;

  const describe = (el) => {
    let name = el.tagName.toLowerCase();
    if (el.id) name += "#" + el.id;
    if (el.classList.length) name += "." + [...el.classList].join(".");
    const text = (el.innerText || el.value || "").trim().replace(/\s+/g, " ");
    return text ? `${name} "${text.slice(0, 60)}${text.length > 60 ? "…" : ""}"` : name;
  };
  // Laid out and visible (not in a closed <details>, not display: none).
  const rendered = (el) => el.getClientRects().length > 0 && el.checkVisibility();
  const shown = (el) => el.checkVisibility({ opacityProperty: true, visibilityProperty: true });
  const ownText = (el) => [...el.childNodes].some((n) => n.nodeType === Node.TEXT_NODE && n.data.trim());
  const BLOCKS = new Set(["block", "list-item", "table-cell", "table-caption", "flex", "grid", "flow-root", "inline-block", "inline-flex", "inline-grid"]);
  const box = (el) => {
    // The nearest box a piece of text must stay inside: its block container.
    for (let node = el; node && node !== document.body; node = node.parentElement) {
      if (BLOCKS.has(getComputedStyle(node).display)) return node;
    }
    return document.body;
  };

  // 1. Wider than the viewport.
  if (root.scrollWidth > width + SLACK) {
    problems.push(`the page is ${root.scrollWidth}px wide in a ${width}px viewport (it scrolls sideways)`);
  }
  const elements = [...document.body.querySelectorAll("*")].filter(rendered);
  const outside = new Set();
  for (const el of elements) {
    const rect = el.getBoundingClientRect();
    if (rect.width === 0 || rect.height === 0) continue;
    if (rect.right > width + SLACK || rect.left < -SLACK) {
      if (el.parentElement && outside.has(el.parentElement)) {
        outside.add(el);
        continue;  // its container is reported already
      }
      outside.add(el);
      problems.push(`${describe(el)} spans ${Math.round(rect.left)}–${Math.round(rect.right)}px, beyond the ${width}px viewport`);
    }
  }

  // Every visible piece of text, one rectangle per line it occupies.
  const pieces = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const el = node.parentElement;
    const data = node.data;
    const first = data.search(/\S/);
    if (first < 0 || !el || el.closest("script, style, select, option, textarea, noscript")) continue;
    if (!rendered(el) || !shown(el)) continue;
    const last = data.length - data.split("").reverse().join("").search(/\S/);
    const range = document.createRange();
    range.setStart(node, first);
    range.setEnd(node, last);
    for (const rect of range.getClientRects()) {
      if (rect.width > 0.5 && rect.height > 0.5) pieces.push({ node, el, rect, text: data.trim() });
    }
  }
  const quote = (piece) => `"${piece.text.replace(/\s+/g, " ").slice(0, 50)}${piece.text.length > 50 ? "…" : ""}"`;

  // 2. Text, or a box holding text, out of the box it belongs to.
  const spilled = new Set();
  const spills = (rect, container) => {
    const outer = container.getBoundingClientRect();
    return rect.right > outer.right + SLACK || rect.left < outer.left - SLACK ? outer : null;
  };
  for (const el of elements) {
    if (!el.parentElement || el.parentElement === document.body || !el.innerText || !el.innerText.trim()) continue;
    if (outside.has(el) || (el.parentElement && spilled.has(el.parentElement))) {
      spilled.add(el);
      continue;
    }
    const container = box(el.parentElement);
    const outer = spills(el.getBoundingClientRect(), container);
    if (outer) {
      spilled.add(el);
      const rect = el.getBoundingClientRect();
      problems.push(`${describe(el)} runs out of its box ${describe(container).split(" ")[0]} (${Math.round(rect.left)}–${Math.round(rect.right)}px, box ${Math.round(outer.left)}–${Math.round(outer.right)}px)`);
    }
  }
  for (const piece of pieces) {
    if (spilled.has(piece.el) || outside.has(piece.el) || spilled.has(piece.node)) continue;
    const container = box(piece.el);
    const outer = spills(piece.rect, container);
    if (outer) {
      spilled.add(piece.node);
      const { rect } = piece;
      problems.push(`text ${quote(piece)} runs out of its box ${describe(container).split(" ")[0]} (${Math.round(rect.left)}–${Math.round(rect.right)}px, box ${Math.round(outer.left)}–${Math.round(outer.right)}px)`);
    }
  }

  // 3. Overlapping or covered text.
  const sorted = [...pieces].sort((a, b) => a.rect.top - b.rect.top);
  const reported = new Set();
  for (let i = 0; i < sorted.length; i++) {
    const a = sorted[i];
    for (let j = i + 1; j < sorted.length && sorted[j].rect.top < a.rect.bottom; j++) {
      const b = sorted[j];
      if (a.node === b.node) continue;
      const across = Math.min(a.rect.right, b.rect.right) - Math.max(a.rect.left, b.rect.left);
      const down = Math.min(a.rect.bottom, b.rect.bottom) - Math.max(a.rect.top, b.rect.top);
      const smaller = Math.min(a.rect.height, b.rect.height);
      if (across > 2 && down > Math.max(2, smaller / 4)) {
        const key = [a.text, b.text].join("\u0000");
        if (reported.has(key)) continue;
        reported.add(key);
        problems.push(`text ${quote(a)} overlaps text ${quote(b)}`);
      }
    }
  }
  for (const piece of pieces) {
    const { rect, el } = piece;
    const x = (rect.left + rect.right) / 2;
    const y = (rect.top + rect.bottom) / 2;
    if (x < 0 || y < 0 || x >= width || y >= root.clientHeight) continue;
    const hit = document.elementFromPoint(x, y);
    if (hit && hit !== el && !el.contains(hit) && !hit.contains(el) && !reported.has(piece.node)) {
      reported.add(piece.node);
      problems.push(`text ${quote(piece)} is covered by ${describe(hit)}`);
    }
  }

  // 4. Cut-off text.
  const canvas = document.createElement("canvas").getContext("2d");
  const textWidth = (text, style) => {
    canvas.font = `${style.fontStyle} ${style.fontWeight} ${style.fontSize} ${style.fontFamily}`;
    return canvas.measureText(text).width;
  };
  for (const el of elements) {
    if (!shown(el)) continue;
    const style = getComputedStyle(el);
    const tag = el.tagName.toLowerCase();
    if (tag === "select" || (tag === "input" && !["hidden", "checkbox", "radio", "submit", "button", "color", "range"].includes(el.type))) {
      const text = tag === "select" ? (el.selectedOptions[0] ? el.selectedOptions[0].text : "") : el.value;
      if (!text) continue;
      const room = el.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight) - (tag === "select" ? 20 : 0);
      const needed = textWidth(text, style);
      if (needed > room + SLACK) problems.push(`${describe(el)} shows only part of "${text.slice(0, 60)}" (needs ${Math.round(needed)}px, has ${Math.round(room)}px)`);
      continue;
    }
    if (!el.innerText || !el.innerText.trim()) continue;
    const clipsX = style.overflowX !== "visible";
    const clipsY = style.overflowY !== "visible";
    if ((clipsX || style.textOverflow === "ellipsis") && el.scrollWidth > el.clientWidth + SLACK) {
      problems.push(`${describe(el)} is cut off at the side (${el.scrollWidth}px of text in ${el.clientWidth}px)`);
    } else if (clipsY && el.scrollHeight > el.clientHeight + SLACK) {
      problems.push(`${describe(el)} is cut off at the bottom (${el.scrollHeight}px of text in ${el.clientHeight}px)`);
    } else if (style.webkitLineClamp && style.webkitLineClamp !== "none" && el.scrollHeight > el.clientHeight + SLACK) {
      problems.push(`${describe(el)} is shortened by a line clamp`);
    }
  }
  return problems;
}
