// wheels.js: install pynn and numpy after a snapshot restore by unzipping their wheels here, in
// JavaScript, instead of with Pyodide's loadPackage, which unzips them in Python inside
// WebAssembly (zipfile and shutil, then importlib.invalidate_caches: ~0.9 s for numpy's 210
// files under Node); here the browser's own inflater, DecompressionStream("deflate-raw"), does
// it. A second visit is ready ~0.24 s sooner; docs/BOOT.md has the figures.
//
// It does what loadPackage does for a pure or platform wheel installed into site-packages: it
// follows the lock's `depends`, checks each wheel's sha256 against pyodide-lock.json, writes
// its files, and loads its shared libraries with Pyodide's own dynamic loader (private API:
// `_api.loadDynlibsFromPackage`, Pyodide 0.27.7, the version pyodide-start.js pins for the
// snapshot). Anything it does not handle (a shared library package, a wheel's .data folder,
// zip64, an unknown compression method, a browser without deflate-raw) throws before a file
// is written, and pyodide-start.js then calls loadPackage as before.

// The wheels of `names` and of everything they depend on, dependencies first, each fetched,
// checked against the lock and unzipped: [{entry, files: [[path, bytes]]}]. The downloads
// start at once; the work on them once `after` has settled (the snapshot's inflating, which
// needs this thread too), so that it runs while Pyodide compiles its wasm and restores.
export function fetchWheels(lock, names, baseUrl, after) {
  return Promise.all(installOrder(lock, names).map(async (entry) => {
    supported(entry);
    const response = await fetch(new URL(entry.file_name, baseUrl));
    if (!response.ok) throw new Error(`${entry.file_name}: HTTP ${response.status}`);
    const bytes = new Uint8Array(await response.arrayBuffer());
    await after;
    if (hex(await crypto.subtle.digest("SHA-256", bytes)) !== entry.sha256) {
      throw new Error(`${entry.file_name}'s sha256 is not pyodide-lock.json's`);
    }
    return { entry, files: await unzipped(entry.file_name, bytes) };
  }));
}

// Write `wheels` (fetchWheels') into Python's site-packages and load their shared libraries
// (all of them, as loadPackage does: docs/BOOT.md says why not fewer).
export async function installWheels(py, wheels) {
  const site = runPython(py, "import site\nsite.getsitepackages()[0]");
  const made = new Set();
  for (const { entry, files } of wheels) {
    const libraries = [];
    for (const [name, data] of files) {
      const path = `${site}/${name}`;
      const folder = path.slice(0, path.lastIndexOf("/"));
      if (!made.has(folder)) {
        py.FS.mkdirTree(folder);
        made.add(folder);
      }
      py.FS.writeFile(path, data, { canOwn: true });
      if (name.endsWith(".so")) libraries.push(path);
    }
    await py._api.loadDynlibsFromPackage({ file_name: entry.file_name }, libraries);
  }
  forgetListings(py, site);
}

// Python's import system caches folder listings: drop those of site-packages and of package
// metadata. Not importlib.invalidate_caches(), which also re-reads the standard library zip's
// directory once per package folder imported from it (~0.2 s; loadPackage pays it).
function forgetListings(py, site) {
  runPython(py, `
import sys, importlib.metadata
for path, finder in list(sys.path_importer_cache.items()):
    if path.startswith(site) and finder is not None:
        finder.invalidate_caches()
importlib.metadata.MetadataPathFinder.invalidate_caches()
`, { site });
}

// Run `code` with `names` as its only globals (the interpreter's own stay as they were).
function runPython(py, code, names = {}) {
  const scope = py.toPy(names);
  try {
    return py.runPython(code, { globals: scope });
  } finally {
    scope.destroy();
  }
}

function installOrder(lock, names, order = [], seen = new Set()) {
  for (const name of names) {
    if (seen.has(name)) continue;
    seen.add(name);
    const entry = lock.packages[name];
    if (!entry) throw new Error(`${name} is not in pyodide-lock.json`);
    installOrder(lock, entry.depends || [], order, seen);
    order.push(entry);
  }
  return order;
}

function supported(entry) {
  if (entry.shared_library || entry.install_dir !== "site" || !entry.file_name.endsWith(".whl")) {
    throw new Error(`${entry.name} is not a wheel for site-packages`);
  }
  new DecompressionStream("deflate-raw");   // throws in a browser without it
}

// [[path in the wheel, bytes]] of every file in a zip (a wheel), read from its central
// directory; stored and deflated members only.
async function unzipped(fileName, zip) {
  const view = new DataView(zip.buffer, zip.byteOffset, zip.byteLength);
  let end = zip.length - 22;
  while (end >= 0 && view.getUint32(end, true) !== 0x06054b50) end -= 1;
  if (end < 0) throw new Error(`${fileName} is not a zip file`);
  const count = view.getUint16(end + 10, true);
  let at = view.getUint32(end + 16, true);
  const names = new TextDecoder();
  const members = [];
  for (let i = 0; i < count; i += 1) {
    if (view.getUint32(at, true) !== 0x02014b50) throw new Error(`${fileName}: broken zip directory`);
    const method = view.getUint16(at + 10, true);
    const packed = view.getUint32(at + 20, true);
    const size = view.getUint32(at + 24, true);
    const nameLength = view.getUint16(at + 28, true);
    const header = view.getUint32(at + 42, true);
    const name = names.decode(zip.subarray(at + 46, at + 46 + nameLength));
    at += 46 + nameLength + view.getUint16(at + 30, true) + view.getUint16(at + 32, true);
    if (name.endsWith("/")) continue;
    if (name.startsWith("/") || name.split("/").includes("..") || /^[^/]+\.data\//.test(name)) {
      throw new Error(`${fileName}: ${name} would be installed outside site-packages`);
    }
    if ((method !== 0 && method !== 8) || packed === 0xffffffff || header === 0xffffffff) {
      throw new Error(`${fileName}: ${name} is stored in a way this reader does not handle`);
    }
    const start = header + 30 + view.getUint16(header + 26, true) + view.getUint16(header + 28, true);
    members.push({ name, method, size, data: zip.subarray(start, start + packed) });
  }
  return Promise.all(members.map(async ({ name, method, size, data }) => {
    const bytes = method === 0 ? data.slice() : await inflate(data);
    if (bytes.length !== size) throw new Error(`${fileName}: ${name} inflates to the wrong size`);
    return [name, bytes];
  }));
}

async function inflate(data) {
  const stream = new Blob([data]).stream().pipeThrough(new DecompressionStream("deflate-raw"));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

export function hex(buffer) {
  return Array.from(new Uint8Array(buffer), (byte) => byte.toString(16).padStart(2, "0")).join("");
}
