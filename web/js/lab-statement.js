// lab-statement.js: an exercise's statement as Python wrote it: paragraphs of plain text
// (split at blank lines) with inline TeX between `$...$`, drawn by KaTeX
// (dist/vendor/katex/, bundled from npm with its stylesheet and fonts: web/editor/tex.js);
// then the exercise's `shapes`, one line per array.

const KATEX_URL = new URL("../vendor/katex/katex.js", import.meta.url).href;
const KATEX_CSS = new URL("../vendor/katex/katex.min.css", import.meta.url).href;
const TEX = /\$([^$\n]+)\$/g;

// KaTeX's module, with its stylesheet added to the page once.
export function loadTex() {
  if (!document.querySelector(`link[href="${KATEX_CSS}"]`)) {
    const link = Object.assign(document.createElement("link"), { rel: "stylesheet", href: KATEX_CSS });
    document.head.append(link);
  }
  return import(KATEX_URL);
}

export function showStatement(box, statement, renderTex) {
  box.replaceChildren(...statement.split(/\n\s*\n/).map((text) => {
    const paragraph = document.createElement("p");
    appendText(paragraph, text, renderTex);
    return paragraph;
  }));
}

// Text with inline `$...$` TeX, appended to `element`.
export function appendText(element, text, renderTex) {
  let last = 0;
  for (const match of text.matchAll(TEX)) {
    element.append(text.slice(last, match.index));
    const formula = document.createElement("span");
    formula.className = "lab-tex";
    renderTex(formula, match[1]);
    element.append(formula);
    last = match.index + match[0].length;
  }
  element.append(text.slice(last));
}

export function showShapes(list, shapes = []) {
  list.hidden = shapes.length === 0;
  list.replaceChildren(...shapes.map((line) => {
    const item = document.createElement("li");
    item.textContent = line;
    return item;
  }));
}
