// worker.js: the one place that talks to Pyodide. It boots Python, keeps one
// pynn.bridge.Studio, forwards requests to it, and runs training in time slices so that
// pause/stop/predict messages are handled between slices (see shared/PLATFORM.md).
//
// ---------------------------------------------------------------------------------------
// Message protocol (page <-> worker). Everything is plain data; binary fields are
// Uint8Arrays (transferred, not copied, where it matters).
//
// Page -> worker: requests, each with a numeric `id` that the reply carries back. They are
// answered between training slices, so predicting (with the newest weights) works mid-run.
//   {id, type, ...args}
//   - any Studio request (pynn/bridge.py, Studio.REQUESTS; its docstrings are the reference):
//       defaults, check_config {config}, reset {config}, set_config {config}, info,
//       load_model {data, name}, save_model, predict {pixels, width, height}, report,
//       test_images, load_csv {file | data, name}, use_digits
//     (load_csv may send the File itself: the worker reads it, so a 110 MB CSV never sits
//      in the page's memory.)
//   - training, run here over the bridge's start / train_slice / stop:
//       train            start a run of config.epochs epochs (refused while one is active)
//       pause / resume   stop / restart slicing; the run keeps its place
//       step             train to the end of the next epoch, then pause (starts a run if idle)
//       stop             end the run; the weights stay as trained so far
//   - default_model      reload the pretrained model shipped in dist/models/default.npz
//
// Worker -> page:
//   {type: "reply", id, ok: true, ...answer}          the request's answer
//   {type: "reply", id, ok: false, error}             one readable line; nothing changed
//   {type: "status", phase, progress, message}        while booting: phase "loading"
//                                                     (progress 0..1), then "ready" or "error"
//   {type: "training", state, reason, message}       state "running" | "paused" | "idle";
//                                                     reason says why it changed (started,
//                                                     paused, resumed, step, stopped,
//                                                     finished, diverged, replaced, error)
//   {type: "progress", epochs_done, run_epoch, epochs, batch, n_batches, run_done, run_total,
//    examples_per_s, eta_s, at: [...], losses: [...], smoothed: [...]}
//                                                     at most every PROGRESS_MS while training
//                                                     (and before every epoch message, pause
//                                                     and end of a run);
//                                                     at/losses/smoothed: the batches since the
//                                                     previous progress message
//   {type: "epoch", epoch, run_epoch, epochs, loss, accuracy, val_loss, val_accuracy}
//                                                     after every finished epoch
// ---------------------------------------------------------------------------------------

import { loadPyodide } from "../pyodide/pyodide.mjs";

const PYODIDE_URL = new URL("../pyodide/", import.meta.url).href;
const DEFAULT_MODEL_URL = new URL("../models/default.npz", import.meta.url).href;
const DEFAULT_MODEL_NAME = "the pretrained model";
const SLICE_MS = 30;       // Python time per slice; messages are handled between slices
const PROGRESS_MS = 100;   // at most ~10 progress messages a second
const TRAINING_COMMANDS = new Set(["train", "pause", "resume", "step", "stop"]);
const WORKER_ONLY = new Set(["start", "train_slice"]);   // the worker drives runs itself
// Studio requests that replace the network or the data: they end any run (bridge._forget_run)
const ENDS_THE_RUN = new Set(["reset", "load_model", "load_csv", "use_digits"]);

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
  defaultModel = self.fetch(DEFAULT_MODEL_URL).then(async (response) => {
    if (!response.ok) throw new Error(`models/default.npz: HTTP ${response.status}`);
    return new Uint8Array(await response.arrayBuffer());
  });
  py = await loadPyodide({
    indexURL: PYODIDE_URL,
    packages: ["pynn"],
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

// -- calling the bridge ------------------------------------------------------------------

// The last line of a Python traceback is the readable part.
function readable(error) {
  const text = String(error && error.message ? error.message : error).trim();
  return text.split("\n").filter((line) => line.trim()).pop() || "unknown error";
}

// One Studio request. Binary fields go in as JsProxies of the typed array (the bridge
// copies each once with to_bytes); everything else is converted to Python values.
function call(request) {
  const plain = {};
  const binary = {};
  for (const [key, value] of Object.entries(request)) {
    if (ArrayBuffer.isView(value)) binary[key] = value;
    else if (value !== undefined) plain[key] = value;
  }
  const pyRequest = py.toPy(plain);
  let answer;
  try {
    for (const [key, value] of Object.entries(binary)) pyRequest.set(key, value);
    answer = studio.handle(pyRequest);
  } catch (error) {
    return { ok: false, error: `internal error: ${readable(error)}` };
  } finally {
    pyRequest.destroy();
  }
  try {
    return answer.toJs({ dict_converter: Object.fromEntries, create_pyproxies: false });
  } finally {
    answer.destroy();
  }
}

function transferables(answer) {
  return Object.values(answer).filter(ArrayBuffer.isView).map((view) => view.buffer);
}

// -- training ----------------------------------------------------------------------------

// One run at a time; `null` when idle.
// {state: "running" | "paused", stepping, epochs, n_batches, batch_size, epochs_done,
//  run_epoch, batch, activeMs, resumedAt, batchesThisRun, pending: {at, losses, smoothed},
//  lastProgress}
let run = null;
let pumpScheduled = false;
const tick = new MessageChannel();   // setTimeout(0) would clamp to 4 ms; this does not
tick.port1.onmessage = () => {
  pumpScheduled = false;
  pump();
};

function schedulePump() {
  if (!pumpScheduled) {
    pumpScheduled = true;
    tick.port2.postMessage(null);
  }
}

function trainingEvent(state, reason, message = "") {
  post({ type: "training", state, reason, message });
}

function activeMs() {
  return run.activeMs + (run.resumedAt === null ? 0 : performance.now() - run.resumedAt);
}

function flushProgress() {
  const done = (run.run_epoch - 1) * run.n_batches + run.batch;
  const total = run.epochs * run.n_batches;
  const seconds = activeMs() / 1000;
  const perBatch = run.batchesThisRun ? seconds / run.batchesThisRun : null;
  const { at, losses, smoothed } = run.pending;
  post({
    type: "progress", epochs_done: run.epochs_done, run_epoch: run.run_epoch, epochs: run.epochs,
    batch: run.batch, n_batches: run.n_batches, run_done: done, run_total: total,
    examples_per_s: seconds > 0 ? run.examples / seconds : null,
    eta_s: perBatch === null ? null : (total - done) * perBatch,
    at, losses, smoothed,
  });
  run.pending = { at: [], losses: [], smoothed: [] };
  run.lastProgress = performance.now();
}

function setRunning(running) {
  if (running && run.resumedAt === null) run.resumedAt = performance.now();
  if (!running && run.resumedAt !== null) {
    run.activeMs += performance.now() - run.resumedAt;
    run.resumedAt = null;
  }
  run.state = running ? "running" : "paused";
}

function endRun(reason, message = "") {
  if (run === null) return;
  setRunning(false);
  flushProgress();
  run = null;
  trainingEvent("idle", reason, message);
}

function pump() {
  if (run === null || run.state !== "running") return;
  const out = call({ type: "train_slice", budget_ms: SLICE_MS, until_epoch_end: run.stepping });
  if (!out.ok) {
    call({ type: "stop" });
    endRun("error", out.error);
    return;
  }
  run.pending.at.push(...out.at);
  run.pending.losses.push(...out.losses);
  run.pending.smoothed.push(...out.smoothed);
  run.examples += out.examples;
  run.batchesThisRun += out.losses.length;
  if (out.batch !== undefined) Object.assign(run, { run_epoch: out.epoch, batch: out.batch });
  for (const end of out.epoch_ends) {
    run.epochs_done = end.epoch;
    flushProgress();
    post({ type: "epoch", ...end });
  }
  if (out.state === "diverged") {
    endRun("diverged", out.error);
    return;
  }
  const last = out.epoch_ends[out.epoch_ends.length - 1];
  if (out.state === "finished" || (last && last.run_epoch === last.epochs)) {
    call({ type: "stop" });   // the last epoch is done: close the generator now
    endRun("finished");
    return;
  }
  if (last && run.stepping) {
    run.stepping = false;
    setRunning(false);
    flushProgress();
    trainingEvent("paused", "step");
    return;
  }
  if (performance.now() - run.lastProgress >= PROGRESS_MS) flushProgress();
  schedulePump();
}

function startRun() {
  const started = call({ type: "start" });
  if (!started.ok) return started;
  run = {
    state: "paused", stepping: false, epochs: started.epochs, n_batches: started.n_batches,
    epochs_done: started.epochs_done, run_epoch: 1, batch: 0, examples: 0, batchesThisRun: 0,
    activeMs: 0, resumedAt: null, pending: { at: [], losses: [], smoothed: [] }, lastProgress: 0,
  };
  return started;
}

function training(type) {
  if (type === "train") {
    if (run !== null) return { ok: false, error: "a run is already active: pause, stop or reset it first" };
    const started = startRun();
    if (!started.ok) return started;
    setRunning(true);
    trainingEvent("running", "started");
    schedulePump();
    return started;
  }
  if (type === "step") {
    if (run === null) {
      const started = startRun();
      if (!started.ok) return started;
    }
    run.stepping = true;
    setRunning(true);
    trainingEvent("running", "step");
    schedulePump();
    return { ok: true };
  }
  if (run === null) return { ok: false, error: "no run is active: press Train first" };
  if (type === "pause") {
    if (run.state === "running") {
      run.stepping = false;
      setRunning(false);
      flushProgress();
      trainingEvent("paused", "paused");
    }
  } else if (type === "resume") {
    if (run.state === "paused") {
      setRunning(true);
      trainingEvent("running", "resumed");
      schedulePump();
    }
  } else if (type === "stop") {
    call({ type: "stop" });
    endRun("stopped");
  }
  return { ok: true };
}

// -- requests ----------------------------------------------------------------------------

async function answer(request) {
  const { id, type, ...args } = request;
  if (TRAINING_COMMANDS.has(type)) return training(type);
  if (WORKER_ONLY.has(type)) return { ok: false, error: `${type} is the worker's: send train or step` };
  if (type === "default_model") {
    return answer({ type: "load_model", data: await defaultModel, name: DEFAULT_MODEL_NAME });
  }
  if (type === "load_csv" && args.file) {
    const { file, ...rest } = args;
    return answer({ type, ...rest, data: new Uint8Array(await file.arrayBuffer()) });
  }
  const reply = call({ type, ...args });
  if (reply.ok && ENDS_THE_RUN.has(type)) endRun("replaced");
  return reply;
}

self.onmessage = async (event) => {
  const request = event.data;
  let reply;
  try {
    await booted;
    reply = await answer(request);
  } catch (error) {
    reply = { ok: false, error: readable(error) };
  }
  post({ type: "reply", id: request.id, ...reply }, transferables(reply));
};

booted = boot().catch((error) => {
  post({ type: "status", phase: "error", progress: 0, message: `Python could not start: ${readable(error)}` });
  throw error;
});
