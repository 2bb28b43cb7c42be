// worker.js: the one place that talks to Pyodide. It boots Python, keeps one
// pynn.bridge.Studio, forwards the page's requests to it and, while Python says a training
// run is running, asks it for ~30 ms slices of training, rescheduled through a
// MessageChannel so that the page's messages (pause, stop, predict...) are answered between
// slices. Everything about a run (its state, epochs, progress, speed, time left, stepping,
// the end of the run) is decided in Python (pynn/studio/run.py); this file only relays it.
// docs/ARCHITECTURE.md describes the seams.
//
// ---------------------------------------------------------------------------------------
// Message protocol (page <-> worker). Everything is plain data; binary fields are
// Uint8Arrays (transferred, not copied, where it matters).
//
// Page -> worker: requests, each with a numeric `id` that the reply carries back.
//   {id, type, ...args}
//   - any Studio request (pynn/bridge.py, Studio.REQUESTS; its docstrings are the reference):
//       defaults, check_config {config}, set_config {config}, reset {config}, info,
//       load_model {data, name}, save_model, predict {pixels, width, height}, report
//       (computed here in pieces of PIECE_MS, answered when complete), test_images,
//       load_csv {file | data, name}, use_digits, (install_digits is the worker's own:
//       it fetches dist/data/digits.npz when Python first needs the digits)
//       train, step, pause, resume, stop      (the run's commands; one that does not apply,
//                                              such as stop when idle, changes nothing)
//     (load_csv may send the File itself: the worker reads it, so a 110 MB CSV never sits
//      in the page's memory. train_slice is the worker's own.)
//   - default_model {which}  load a pretrained model shipped in dist/models/: which "mlp"
//                        (default.npz, the one loaded at start) or "cnn" (cnn.npz)
//
// Worker -> page:
//   {type: "reply", id, ok: true, ...answer}          the request's answer (run commands and
//                                                     requests that can end a run also say
//                                                     the run's `state`)
//   {type: "reply", id, ok: false, error}             one readable line; nothing changed
//   {type: "status", phase, progress, message}        while booting: phase "loading"
//                                                     (progress 0..1), then "ready" or "error"
//   and, relayed as Python made them (fields documented in pynn/studio/run.py), before the
//   reply of the request that caused them (or as the slices of a run produce them):
//   {type: "training", state, reason, message}       state "running" | "paused" | "idle";
//                                                     reason: started, paused, resumed, step,
//                                                     stopped, finished, diverged, replaced
//                                                     (reset, a model or data loaded), error
//   {type: "progress", epochs_done, run_epoch, epochs, batch, n_batches, run_done, run_total,
//    examples_per_s, eta_s, at: [...], losses: [...], smoothed: [...]}
//                                                     at most ~10 a second while training, and
//                                                     before every epoch message, pause and
//                                                     end of a run; at/losses/smoothed: the
//                                                     batches since the previous one
//   {type: "epoch", epoch, run_epoch, epochs, loss, accuracy, val_loss, val_accuracy}
//                                                     after every finished epoch
// ---------------------------------------------------------------------------------------

import { startPyodide } from "./pyodide-start.js";

const DEFAULT_MODEL_URL = new URL("../models/default.npz", import.meta.url).href;
const DEFAULT_MODEL_NAME = "the pretrained model";
const CNN_MODEL_URL = new URL("../models/cnn.npz", import.meta.url).href;
let cnnModel = null;      // Promise<Uint8Array> of dist/models/cnn.npz, fetched when first asked
const DIGITS_URL = new URL("../data/digits.npz", import.meta.url).href;
let digits = null;        // Promise of installing dist/data/digits.npz, started when Python asks
const SLICE_MS = 30;       // Python time per slice; messages are handled between slices
const PIECE_MS = 20;       // Python time per piece of a report; messages are handled between

let py = null;            // the Pyodide instance
let studio = null;        // PyProxy of pynn.bridge.Studio
let defaultModel = null;  // Promise<Uint8Array> of dist/models/default.npz
let booted = null;        // Promise that settles when Python is ready (or failed to start)

// -- boot --------------------------------------------------------------------------------

function post(message, transfer = []) {
  self.postMessage(message, transfer);
}

// Loading progress: downloads fill the first 60% of the bar (the total grows as Pyodide
// discovers which files it needs, so the bar never moves back), then Python starting up
// (most of the wait, all of it CPU), importing pynn and loading the model fill the rest.
const DOWNLOADS_SHARE = 0.6;
const loading = { started: 0, finished: 0, shown: 0 };

function loadingStatus(message, progress = DOWNLOADS_SHARE * loading.finished / Math.max(1, loading.started)) {
  loading.shown = Math.max(loading.shown, Math.min(0.99, progress));
  post({ type: "status", phase: "loading", progress: loading.shown, message });
}

function countedFetch(realFetch) {
  return async (input, init) => {
    const url = input instanceof Request ? input.url : String(input);
    const name = decodeURIComponent(new URL(url, self.location.href).pathname.split("/").pop());
    loading.started += 1;
    loadingStatus(`Downloading ${name}…`);
    const done = () => {
      loading.finished += 1;
      loadingStatus(loading.finished === loading.started
        ? "Starting Python in WebAssembly (a few seconds of work)…" : `Downloaded ${name}`);
    };
    const response = await realFetch(input, init);
    if (!response.ok || !response.body) {
      done();
      return response;
    }
    // Count the file as done when its last byte has arrived, not when its headers have.
    const finished = new TransformStream({ flush: done });
    return new Response(response.body.pipeThrough(finished), {
      status: response.status, statusText: response.statusText, headers: response.headers,
    });
  };
}

async function boot() {
  const realFetch = self.fetch.bind(self);
  self.fetch = countedFetch(realFetch);
  loadingStatus("Starting the Python runtime…");
  // The model downloads while Pyodide boots, and numpy + pynn load during the boot itself.
  defaultModel = fetchBytes(DEFAULT_MODEL_URL, "models/default.npz");
  py = await startPyodide({
    stdout: (line) => console.log(`[python] ${line}`),
    stderr: (line) => console.warn(`[python] ${line}`),
  });
  loadingStatus("Importing numpy and pynn…", 0.85);
  const bridge = py.pyimport("pynn.bridge");
  studio = bridge.Studio();
  bridge.destroy();
  loadingStatus("Loading the pretrained model…", 0.95);
  const loaded = call({ type: "load_model", data: await defaultModel, name: DEFAULT_MODEL_NAME });
  if (!loaded.ok) throw new Error(loaded.error);
  self.fetch = realFetch;
  post({ type: "status", phase: "ready", progress: 1, message: "Ready: draw a digit" });
}

async function fetchBytes(url, name) {
  const response = await self.fetch(url);
  if (!response.ok) throw new Error(`${name}: HTTP ${response.status}`);
  return new Uint8Array(await response.arrayBuffer());
}

// -- calling the bridge ------------------------------------------------------------------

// The last line of a Python traceback is the readable part.
function readable(error) {
  const text = String(error && error.message ? error.message : error).trim();
  return text.split("\n").filter((line) => line.trim()).pop() || "unknown error";
}

// One Studio request. Binary fields go in as JsProxies of the typed array (the bridge
// copies each once with to_bytes); everything else is converted to Python values. The
// page events in the answer are posted here, and slicing goes on while the run is running.
function call(request) {
  const plain = {};
  const binary = {};
  for (const [key, value] of Object.entries(request)) {
    if (ArrayBuffer.isView(value)) binary[key] = value;
    else if (value !== undefined) plain[key] = value;
  }
  let answer;
  try {
    const pyRequest = py.toPy(plain);
    try {
      for (const [key, value] of Object.entries(binary)) pyRequest.set(key, value);
      answer = studio.handle(pyRequest);
    } finally {
      pyRequest.destroy();
    }
  } catch (error) {   // Python never raises here; this is the request's conversion failing
    return { ok: false, error: `the request could not be passed to Python: ${readable(error)}` };
  }
  let reply;
  try {
    reply = answer.toJs({ dict_converter: Object.fromEntries, create_pyproxies: false });
  } finally {
    answer.destroy();
  }
  const { events = [], ...rest } = reply;
  for (const event of events) post(event);
  if (rest.state === "running") schedulePump();
  return rest;
}

function transferables(answer) {
  return Object.values(answer).filter(ArrayBuffer.isView).map((view) => view.buffer);
}

// -- training slices -----------------------------------------------------------------------

let pumpScheduled = false;
let reporting = 0;        // reports being computed: training waits for them (see report())
const tick = new MessageChannel();   // setTimeout(0) would clamp to 4 ms; this does not
const waiting = [];       // resolvers of nextTurn()
tick.port1.onmessage = () => {
  for (const resolve of waiting.splice(0)) resolve();
  if (!pumpScheduled) return;
  pumpScheduled = false;
  if (reporting) return;   // report() schedules the pump again when it is done
  const answer = call({ type: "train_slice", budget_ms: SLICE_MS });   // reschedules itself
  if (!answer.ok) {   // a bug in the bridge: end the run so that the page is not left waiting
    call({ type: "stop" });
    post({ type: "training", state: "idle", reason: "error", message: answer.error });
  }
};

function schedulePump() {
  if (!pumpScheduled) {
    pumpScheduled = true;
    tick.port2.postMessage(null);
  }
}

// Resolves after the messages already queued (the page's pause, stop, predict...) are handled.
function nextTurn() {
  return new Promise((resolve) => {
    waiting.push(resolve);
    tick.port2.postMessage(null);
  });
}

// The test-split report, in pieces of PIECE_MS (Python keeps the work between them), with
// the page's messages answered between pieces. Training waits meanwhile, so the report
// describes one set of weights.
async function report() {
  reporting += 1;
  try {
    let reply = call({ type: "report", budget_ms: PIECE_MS });
    while (reply.ok && reply.pending) {
      await nextTurn();
      reply = call({ type: "report", budget_ms: PIECE_MS });
    }
    return reply;
  } finally {
    reporting -= 1;
    if (!reporting) schedulePump();
  }
}

// -- requests ----------------------------------------------------------------------------

async function answer(request) {
  const { id, type, ...args } = request;
  if (type === "train_slice") return { ok: false, error: "train_slice is the worker's own: send train or step" };
  if (type === "default_model") {
    if (args.which === "cnn") {
      cnnModel = cnnModel || fetchBytes(CNN_MODEL_URL, "models/cnn.npz");
      return answer({ type: "load_model", data: await cnnModel, name: "the pretrained CNN" });
    }
    return answer({ type: "load_model", data: await defaultModel, name: DEFAULT_MODEL_NAME });
  }
  if (type === "report") return report();
  if (type === "load_csv" && args.file) {
    const { file, ...rest } = args;
    return answer({ type, ...rest, data: new Uint8Array(await file.arrayBuffer()) });
  }
  return call({ type, ...args });
}

// The bundled digits are not in the browser's pynn (the page is ready to draw sooner without
// them): a request that needs them is answered `missing: "digits"` having changed nothing,
// so the digits are fetched and installed once, and the request is asked again.
async function answerWithDigits(request) {
  const reply = await answer(request);
  if (reply.ok || reply.missing !== "digits") return reply;
  digits = digits || installDigits().catch((error) => {
    digits = null;     // the next request tries again
    throw new Error(`Could not load the bundled digits (${readable(error)})`);
  });
  await digits;
  return answer(request);
}

async function installDigits() {
  const installed = call({ type: "install_digits", data: await fetchBytes(DIGITS_URL, "data/digits.npz") });
  if (!installed.ok) throw new Error(installed.error);
}

self.onmessage = async (event) => {
  const request = event.data;
  let reply;
  try {
    await booted;
    reply = await answerWithDigits(request);
  } catch (error) {
    reply = { ok: false, error: readable(error) };
  }
  post({ type: "reply", id: request.id, ...reply }, transferables(reply));
};

booted = boot().catch((error) => {
  post({ type: "status", phase: "error", progress: 0, message: `Python could not start: ${readable(error)}` });
  throw error;
});
