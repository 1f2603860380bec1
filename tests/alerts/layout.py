"""What a person would see is wrong with a rendered page, measured in the
browser: anything wider than the viewport, two pieces of text on top of each
other, and text cut off by its box. (A small checker for the mail tests; the
web pages have their own in tests/web.)"""

from __future__ import annotations

CHECK = r"""
() => {
  const problems = [];
  const width = document.documentElement.clientWidth;
  const describe = (el) => {
    const text = (el.innerText || el.textContent || "").trim().replace(/\s+/g, " ").slice(0, 60);
    return `<${el.tagName.toLowerCase()}> "${text}"`;
  };
  if (document.documentElement.scrollWidth > width + 1) {
    problems.push(`page is ${document.documentElement.scrollWidth}px wide in a ${width}px viewport`);
  }
  const texts = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const node = walker.currentNode;
    if (!node.textContent.trim()) continue;
    const style = getComputedStyle(node.parentElement);
    if (style.visibility === "hidden" || style.display === "none") continue;
    const range = document.createRange();
    range.selectNodeContents(node);
    for (const rect of range.getClientRects()) {
      if (rect.width < 1 || rect.height < 1) continue;
      texts.push({ node, rect });
      if (rect.right > width + 1 || rect.left < -1) {
        problems.push(`text outside the viewport: ${describe(node.parentElement)} at ${Math.round(rect.left)}–${Math.round(rect.right)}px`);
      }
    }
  }
  for (let i = 0; i < texts.length; i++) {
    for (let j = i + 1; j < texts.length; j++) {
      const a = texts[i].rect, b = texts[j].rect;
      if (texts[i].node === texts[j].node) continue;
      const x = Math.min(a.right, b.right) - Math.max(a.left, b.left);
      const y = Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top);
      if (x > 2 && y > 2) {
        problems.push(`overlapping text: ${describe(texts[i].node.parentElement)} and ${describe(texts[j].node.parentElement)}`);
      }
    }
  }
  for (const el of document.body.querySelectorAll("*")) {
    const style = getComputedStyle(el);
    const clips = ["hidden", "clip", "scroll", "auto"];
    if ((clips.includes(style.overflowX) && el.scrollWidth > el.clientWidth + 1) ||
        (clips.includes(style.overflowY) && el.scrollHeight > el.clientHeight + 1)) {
      problems.push(`text cut off: ${describe(el)}`);
    }
  }
  return problems;
}
"""


def layout_problems(page) -> list[str]:
    """Every layout problem of the page as it is rendered now (an empty list when it looks right)."""
    return page.evaluate(CHECK)
