// Bundle the lab's code editor (web/editor/editor.js: CodeMirror 6 + Python) and its formulas
// (web/editor/tex.js: KaTeX) into one ES module each, with esbuild's JS API (it finds its
// platform binary in node_modules/@esbuild/):
//   node devtools/bundle_editor.mjs <web dir> <vendor dir>
// writes <vendor dir>/codemirror/editor.js and <vendor dir>/katex/katex.js.
import { createRequire } from "node:module";
import path from "node:path";

const [web, vendor] = process.argv.slice(2);
const esbuild = createRequire(path.join(path.resolve(web), "package.json"))("esbuild");
esbuild.buildSync({
  entryPoints: {
    "codemirror/editor": path.join(web, "editor", "editor.js"),
    "katex/katex": path.join(web, "editor", "tex.js"),
  },
  bundle: true,
  format: "esm",
  minify: true,
  legalComments: "none",
  outdir: vendor,
  logLevel: "warning",
});
console.log(`esbuild ${esbuild.version}`);
