// Run pynn's core test suite inside Pyodide (WebAssembly), under Node.
//
//   node tests/pyodide/run.mjs [--wheels DIR] [-- extra pytest args]
//   node tests/pyodide/run.mjs --exec script.py --mount DIR   (run one Python file; DIR at /mnt)
//   --no-kernel: leave pynn's WebAssembly kernel out (numpy's products, as in a browser without it)
//   --tests DIR: run the suite in DIR instead of tests/ (e.g. a patched copy)
//
// It uses exactly what the site ships in dist/pyodide/ (Pyodide core, the verified numpy
// wheel, the pynn wheel, loaded by name from the trimmed pyodide-lock.json), plus pytest and
// its pure-Python dependencies from local wheels (--wheels, made by
// `devtools/pyodide_tests.py`). tests/ is mounted read-only-in-spirit at /repo/tests and pytest
// runs there; the tests that need the native runtime skip themselves with a reason. Like the
// page's workers, it installs dist/kernels/pynn_gemm.wasm (pynn/wasm_products.py) when the
// build made it, and says which products are in use.
// Exit code: pytest's (0 = all passed).
import { existsSync, readdirSync } from "node:fs";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");
const DIST = path.join(ROOT, "dist", "pyodide");

function parseArgs(argv) {
  const args = { wheels: path.join(ROOT, ".cache", "pyodide-test-wheels"), pytest: [], exec: null, mount: null, kernel: true,
                 tests: path.join(ROOT, "tests") };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === "--") { args.pytest = argv.slice(i + 1); break; }
    else if (arg === "--wheels") args.wheels = path.resolve(argv[++i]);
    else if (arg === "--exec") args.exec = path.resolve(argv[++i]);
    else if (arg === "--mount") args.mount = path.resolve(argv[++i]);
    else if (arg === "--no-kernel") args.kernel = false;
    else if (arg === "--tests") args.tests = path.resolve(argv[++i]);
    else args.pytest.push(arg);
  }
  return args;
}

function fail(message) {
  console.error(`pyodide runner: ${message}`);
  process.exit(2);
}

async function boot(args) {
  if (!existsSync(path.join(DIST, "pyodide.mjs"))) fail(`${DIST} has no Pyodide: run python3 build.py first`);
  const { loadPyodide } = await import(pathToFileURL(path.join(DIST, "pyodide.mjs")).href);
  // Python's output goes straight through; stderr too, but never Pyodide's ~1 MB asm lines.
  const py = await loadPyodide({
    indexURL: DIST + path.sep,
    stdout: (line) => process.stdout.write(line + "\n"),
    stderr: (line) => process.stderr.write(line.length > 2000 ? line.slice(0, 2000) + " …\n" : line + "\n"),
  });
  await py.loadPackage("pynn", { messageCallback: () => {} });
  // dist's pynn leaves the bundled digits out (the page fetches dist/data/digits.npz when it
  // first needs them); hand them over the same way the page's worker does.
  const digits = path.join(ROOT, "dist", "data", "digits.npz");
  if (!existsSync(digits)) fail(`${digits} is missing: run python3 build.py first`);
  const { readFileSync } = await import("node:fs");
  py.globals.set("digits_npz", new Uint8Array(readFileSync(digits)));
  py.runPython("import pynn.data; pynn.data.install_digits(digits_npz.to_bytes()); del digits_npz");
  // pynn's kernel, the way the page's workers hand it over (web/js/worker/pyodide-start.js).
  const products = py.pyimport("pynn.wasm_products");
  const kernel = path.join(ROOT, "dist", products.KERNEL_FILE);
  const line = !args.kernel ? products.install(null, "--no-kernel")
    : existsSync(kernel) ? products.install(new Uint8Array(readFileSync(kernel)))
      : products.install(null, `${kernel} not built`);
  products.destroy();
  process.stderr.write(`pyodide runner: ${line}\n`);
  return py;
}

async function runSuite(py, args) {
  if (!existsSync(args.wheels)) fail(`${args.wheels} not found: run python3 run_tests.py (it downloads pytest's wheels)`);
  const wheels = readdirSync(args.wheels).filter((f) => f.endsWith(".whl")).map((f) => path.join(args.wheels, f));
  await py.loadPackage(wheels, { messageCallback: () => {} });
  py.FS.mkdirTree("/repo/tests");
  py.FS.mount(py.FS.filesystems.NODEFS, { root: args.tests }, "/repo/tests");
  py.globals.set("pytest_args", py.toPy(args.pytest));
  // --capture=sys: fd capture crashes at teardown in Pyodide (Errno 44).
  return py.runPython(`
import os, sys, pytest, numpy, pynn
os.chdir("/repo")
print(f"inside Pyodide: Python {sys.version.split()[0]} on {sys.platform}, numpy {numpy.__version__}, "
      f"pynn from {os.path.dirname(pynn.__file__)}", flush=True)
int(pytest.main(["-q", "--capture=sys", "-p", "no:cacheprovider", "-o", "console_output_style=classic",
                 "-rs", "-m", "not browser", "tests", *pytest_args]))
`);
}

async function runScript(py, args) {
  if (args.mount) {
    py.FS.mkdirTree("/mnt");
    py.FS.mount(py.FS.filesystems.NODEFS, { root: args.mount }, "/mnt");
  }
  const { readFileSync } = await import("node:fs");
  await py.runPythonAsync(readFileSync(args.exec, "utf8"));
  return 0;
}

const args = parseArgs(process.argv.slice(2));
const py = await boot(args);
let code;
try {
  code = args.exec ? await runScript(py, args) : await runSuite(py, args);
} catch (error) {
  console.error(`pyodide runner: ${String(error.message || error).slice(-3000)}`);
  code = 1;
}
process.exit(code);
