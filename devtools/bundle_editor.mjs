// Bundle the lab's code editor (web/editor/editor.js: CodeMirror 6 + Python) into one ES
// module with esbuild's JS API (it finds its platform binary in node_modules/@esbuild/).
//   node devtools/bundle_editor.mjs <web dir> <out file>
import { createRequire } from "node:module";
import path from "node:path";

const [web, out] = process.argv.slice(2);
const esbuild = createRequire(path.join(path.resolve(web), "package.json"))("esbuild");
esbuild.buildSync({
  entryPoints: [path.join(web, "editor", "editor.js")],
  bundle: true,
  format: "esm",
  minify: true,
  legalComments: "none",
  outfile: out,
  logLevel: "warning",
});
console.log(`esbuild ${esbuild.version}`);
