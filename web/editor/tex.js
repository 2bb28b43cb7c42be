// tex.js: KaTeX for the lab's statements, bundled by esbuild at build time into
// dist/vendor/katex/katex.js (devtools/dist.py), with KaTeX's stylesheet and fonts beside it.
// Not loaded from web/ directly.
//
//   renderTex(element, "\\max(0, x)");   // element's content becomes the formula
//
// katex.render builds DOM nodes and sets their styles through the CSSOM, which the page's
// Content-Security-Policy (style-src 'self') allows; renderToString's style="" attributes it
// would block. A formula KaTeX cannot parse is shown as its TeX source, in red (KaTeX's own).

import katex from "katex";

export function renderTex(element, tex) {
  katex.render(tex, element, { throwOnError: false, output: "htmlAndMathml" });
}
