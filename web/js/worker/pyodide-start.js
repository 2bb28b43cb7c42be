// pyodide-start.js: how both workers (worker.js for the studio, lab-worker.js for the lab)
// start Pyodide with pynn loaded. One place, so that every faster way to start serves both
// and falls back the same way. docs/BOOT.md has the whole story and the figures.
//
// The memory snapshot (private API, written against Pyodide 0.27.7 ONLY):
// - dist/pyodide/snapshot.bin.gz is the wasm heap of an interpreter that has started and
//   imported the standard library modules numpy and pynn need, made at build time under Node
//   by devtools/snapshot.mjs with `loadPyodide({_makeSnapshot: true})` +
//   `pyodide.makeMemorySnapshot()`. `loadPyodide({_loadSnapshot})` copies it into a new heap
//   instead of running Python's start-up (~1-3 s of CPU). It holds no files, no JS objects
//   and no binary extension, so numpy and pynn are still installed after it: by wheels.js,
//   which unzips their wheels here in JavaScript (loadPackage unzips them in Python, which
//   is slower), or by loadPackage if wheels.js cannot (the start line then says why).
// - dist/pyodide/snapshot.json describes it. Before using it this file checks, cheaply:
//   its Pyodide version is this pyodide.mjs's `version` (and the API's, SNAPSHOT_API);
//   its packages' sha256s are exactly pyodide-lock.json's (the files dist ships); the
//   gzipped file's sha256 (crypto.subtle) and inflated size are the recorded ones. Pyodide
//   itself then checks the snapshot's BUILD_ID against pyodide.asm.js/.wasm.
// - Any problem (missing file, stale, corrupt, the restore throwing) means today's normal
//   start, and ONE console.info line says which start was used and why (info, not warn:
//   a fallback is not an error for the visitor; the web tests watch for errors).
// - The snapshot froze `random`'s seed: it is reseeded after a restore.
//
// pynn's WebAssembly SIMD kernel for matrix products (pynn/wasm_products.py, docs/PYODIDE.md):
// once pynn is loaded, Python names the kernel's file; its bytes are fetched from the site and
// handed to Python, which checks the kernel against numpy before using it. Without it (a
// 404, no WebAssembly SIMD, a failed check) pynn keeps numpy's products; ONE console.info
// line per worker says which products are in use, and why.
// When upgrading Pyodide: re-read src/js/snapshot.ts and loadPyodide's options, then update
// SNAPSHOT_API here and PINNED_PYODIDE in devtools/snapshot.py (docs/BOOT.md, "Upgrading").

import { loadPyodide, version } from "../../pyodide/pyodide.mjs";
import { siteFile } from "./serve.js";
import { fetchWheels, hex, installWheels } from "./wheels.js";

export const PYODIDE_URL = new URL("../../pyodide/", import.meta.url).href;
const SNAPSHOT_API = "0.27.7";
const INFO_URL = `${PYODIDE_URL}snapshot.json`;
const LOCK_URL = `${PYODIDE_URL}pyodide-lock.json`;
const PACKAGES = ["pynn"];     // and what pyodide-lock.json says it depends on (numpy)

// Start Pyodide with numpy and pynn installed, and pynn's kernel when it works. `options`
// are loadPyodide's (stdout, stderr).
export async function startPyodide(options = {}) {
  const py = await startRuntime(options);
  mark("packages installed");
  await installKernel(py);
  mark("kernel installed");
  return py;
}

// A performance mark for each step of the start (DevTools shows them; bench/page_load.py
// prints them for a warm visit).
function mark(step) {
  performance.mark(`pyodide-start: ${step}`);
}

async function startRuntime(options) {
  const config = { indexURL: PYODIDE_URL, packages: PACKAGES, ...options };
  let info, lock;
  try {
    ({ info, lock } = await usableSnapshotInfo());
  } catch (error) {
    return normalStart(config, error.message);
  }
  // The big downloads (the snapshot, the wheels) run while Pyodide fetches its wasm; the
  // wheels are unzipped while it compiles that (loadPyodide awaits the snapshot first) and
  // restores the heap.
  let unusable = null;          // why the download was refused (loadPyodide rethrows it)
  const snapshot = verifiedSnapshot(info);
  snapshot.catch((error) => { unusable = error; });
  const wheels = fetchWheels(lock, PACKAGES, PYODIDE_URL, snapshot);
  wheels.catch(() => {});       // installPackages says why
  let py;
  try {
    py = await loadPyodide({ ...config, packages: [], _loadSnapshot: snapshot });
    mark("snapshot restored");
    py.runPython("import random; random.seed()");
  } catch (error) {
    return normalStart(config, unusable ? unusable.message : `restoring it failed: ${firstLine(error)}`);
  }
  const how = await installPackages(py, wheels);
  console.info(`pyodide-start: started from the memory snapshot (${info.file}, Pyodide ${version})${how}`);
  return py;
}

// Install the packages from their wheels unzipped in JavaScript (wheels.js), or, if that
// cannot be done, with loadPackage; returns "" or why loadPackage was used.
async function installPackages(py, wheels) {
  try {
    await installWheels(py, await wheels);
    return "";
  } catch (error) {
    await py.loadPackage(PACKAGES, { messageCallback: () => {} });
    return `; packages installed by loadPackage: ${firstLine(error)}`;
  }
}

function normalStart(config, why) {
  console.info(`pyodide-start: normal start without the memory snapshot: ${why}`);
  return loadPyodide(config);
}

// Fetch the kernel file Python names and give Python its bytes (or why there are none).
async function installKernel(py) {
  const products = py.pyimport("pynn.wasm_products");
  mark("numpy and pynn imported");
  try {
    let data = null;
    let why = "";
    try {
      data = await siteFile(products.KERNEL_FILE);
    } catch (error) {
      why = firstLine(error);
    }
    console.info(`pyodide-start: ${products.install(data, why)}`);
  } finally {
    products.destroy();
  }
}

// snapshot.json and pyodide-lock.json ({info, lock}), if the snapshot was made for exactly this
// Pyodide and these packages.
async function usableSnapshotInfo() {
  if (version !== SNAPSHOT_API) {
    throw new Error(`Pyodide ${version} is not ${SNAPSHOT_API}, the version this snapshot code is written for`);
  }
  if (!globalThis.crypto?.subtle || typeof DecompressionStream !== "function") {
    throw new Error("this browser cannot check and inflate it (crypto.subtle needs https or localhost)");
  }
  const [info, lock] = await Promise.all([fetchJson(INFO_URL), fetchJson(LOCK_URL)]);
  if (info.pyodide_version !== version) {
    throw new Error(`stale: made with Pyodide ${info.pyodide_version}, this is ${version}`);
  }
  const shipped = Object.entries(lock.packages).map(([name, entry]) => [name, entry.sha256]);
  const recorded = info.packages || {};
  const differs = shipped.filter(([name, sha256]) => recorded[name] !== sha256).map(([name]) => name);
  const extra = Object.keys(recorded).filter((name) => !(name in lock.packages));
  if (differs.length || extra.length) {
    const names = [...differs, ...extra].join(", ");
    throw new Error(`stale: made from other packages than pyodide-lock.json's (${names})`);
  }
  return { info, lock };
}

// The snapshot's bytes, once its sha256 and size are the recorded ones. It is inflated as it
// arrives (into one buffer of the recorded size); the sha256 is checked before it is used.
async function verifiedSnapshot(info) {
  const response = await fetch(new URL(info.file, PYODIDE_URL));
  if (!response.ok) throw new Error(`${info.file}: HTTP ${response.status}`);
  const [forDigest, forHeap] = response.body.tee();
  const [packed, heap] = await Promise.allSettled([
    new Response(forDigest).arrayBuffer(),
    readAll(forHeap.pipeThrough(new DecompressionStream("gzip")), info.bytes, info.file),
  ]);
  if (packed.status === "rejected") throw packed.reason;
  const digest = await crypto.subtle.digest("SHA-256", packed.value);
  if (hex(digest) !== info.sha256) throw new Error(`corrupt: ${info.file}'s sha256 is not snapshot.json's`);
  if (heap.status === "rejected") throw heap.reason;
  if (heap.value.length !== info.bytes) {
    throw new Error(`corrupt: ${info.file} inflates to ${heap.value.length} bytes, not ${info.bytes}`);
  }
  mark("snapshot downloaded and inflated");
  return heap.value;
}

// A stream's bytes, read into one buffer of `size` bytes (fewer if it ends early, an error
// naming `file` if it has more).
async function readAll(stream, size, file) {
  const buffer = new Uint8Array(size);
  let filled = 0;
  const reader = stream.getReader();
  for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) {
    if (filled + chunk.value.length > size) {
      await reader.cancel();
      throw new Error(`corrupt: ${file} inflates to more than ${size} bytes`);
    }
    buffer.set(chunk.value, filled);
    filled += chunk.value.length;
  }
  return filled === size ? buffer : buffer.subarray(0, filled);
}

async function fetchJson(url) {
  const response = await fetch(url);
  const name = url.split("/").pop();
  if (!response.ok) throw new Error(`${name}: HTTP ${response.status}`);
  try {
    return await response.json();
  } catch (error) {
    throw new Error(`${name} is not JSON`);
  }
}

function firstLine(error) {
  return String(error && error.message ? error.message : error).trim().split("\n")[0];
}
