// Make dist's Pyodide memory snapshot under Node (devtools/snapshot.py runs it; docs/BOOT.md).
//   node devtools/snapshot.mjs <stage>/pyodide <out .bin>
// Prints ONE line of JSON on stdout: {version, bytes, preimported, seconds}. Any failure exits non-zero
// with the reason on stderr.
//
// Pyodide 0.27.7 snapshots the wasm heap only (src/js/snapshot.ts): not the file system, not
// the wasm function table, not JS objects. So the snapshot may hold no binary extension
// (numpy's .so files are separate wasm modules whose functions live in the table: 0.27.7
// "crashes if the user loads any binary extension before taking the snapshot", pyodide
// PR #4720) and no JS reference (makeMemorySnapshot throws "Unexpected hiwire entry" /
// "Can't serialize object"). loadPackage does both, so numpy and pynn are loaded after the
// restore. What the snapshot holds: the started interpreter plus the pure-Python and built-in
// standard library modules that loading and importing numpy and pynn would import anyway.
import { writeFileSync } from "node:fs";
import path from "node:path";

const [pyodideDir, out] = process.argv.slice(2);

async function main() {
  const indexURL = path.resolve(pyodideDir) + "/";
  const started = performance.now();
  const quiet = { stdout: () => {}, stderr: (line) => process.stderr.write(`[python] ${line}\n`) };
  // The exact files dist ships: its pyodide.mjs, which loads pyodide.asm.js/.wasm and the stdlib
  // from indexURL (the same BUILD_ID the page checks the snapshot against).
  const { loadPyodide: loadShipped, version } = await import(indexURL + "pyodide.mjs");

  // 1. Which standard library modules do loading pynn and importing the workers' modules add?
  const scout = await loadShipped({ indexURL, ...quiet });
  scout.runPython("import sys; _before = set(sys.modules)");
  await scout.loadPackage(["pynn"], { messageCallback: () => {} });
  const preimported = scout.runPython(`
import pynn.studio.bridge, pynn.lab.bridge
def _from_stdlib(name):
    # ctypes makes libffi closures at import: they live in the wasm table, not in the heap.
    if name.split(".")[0] in ("ctypes", "_ctypes"):
        return False
    file = getattr(sys.modules[name], "__file__", None)
    stdlib_zip = f"/lib/python{sys.version_info[0]}{sys.version_info[1]}.zip/"
    return name in sys.builtin_module_names if file is None else file.startswith(stdlib_zip)
sorted(n for n in set(sys.modules) - _before if _from_stdlib(n))
`).toJs();

  // 2. A fresh interpreter that imports them, then the snapshot.
  const maker = await loadShipped({ indexURL, _makeSnapshot: true, ...quiet });
  maker.runPython(`
import importlib
for _name in ${JSON.stringify(preimported)}:
    importlib.import_module(_name)
globals().pop("_name", None); del importlib
`);
  const snapshot = maker.makeMemorySnapshot();

  // 3. Self-test: the page boots it this way (web/js/worker/pyodide-start.js), so a bad snapshot fails
  // the build here rather than falling back on every visitor's page.
  const restored = await loadShipped({ indexURL, _loadSnapshot: snapshot, packages: ["pynn"], ...quiet });
  const check = restored.runPython(`
import sys, numpy as np, pynn.studio.bridge, pynn.lab.bridge
pynn.studio.bridge.Studio(); pynn.lab.bridge.LabBridge()
missing = [n for n in ${JSON.stringify(preimported)} if n not in sys.modules]
"ok" if not missing and float((np.ones((3, 4)) @ np.ones(4)).sum()) == 12.0 else f"missing {missing}"
`);
  if (check !== "ok") throw new Error(`the restored snapshot failed its self-test: ${check}`);

  writeFileSync(out, snapshot);
  const seconds = (performance.now() - started) / 1000;
  const result = { version, bytes: snapshot.length, preimported, seconds: Number(seconds.toFixed(1)) };
  console.log(JSON.stringify(result));
}

// One readable line: Pyodide's errors print the whole minified pyodide.asm.js line (~1 MB).
function readable(error) {
  const lines = String(error && error.message ? error.message : error).trim().split("\n");
  return (error && error.type ? lines[lines.length - 1] : lines[0]).slice(0, 300);
}

main().catch((error) => {
  process.stderr.write(`error: ${readable(error)}\n`);
  process.exit(1);
});
