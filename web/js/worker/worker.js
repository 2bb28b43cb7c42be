// worker.js: the one place the studio talks to Pyodide. It boots Python, keeps one
// pynn.studio.bridge.Studio and answers the page's requests with it (serve.js). The messages,
// requests and events are described in docs/PROTOCOL.md, made from pynn's code: this file
// holds none of Python's facts. What is its own:
//
// - booting: `status` messages with the loading progress (downloads fill the first 60%);
//   then it asks Python for its `defaults` (the budgets below) and loads the pretrained
//   model Python starts with;
// - slices: while an answer says the run is `running`, it sends `train_slice` with Python's
//   `limits.slice_ms`, rescheduled through a MessageChannel so that the page's messages
//   (pause, stop, predict...) are answered between slices; a `report` is computed in pieces
//   of `limits.piece_ms` the same way;
// - files: when Python answers `fetch` (the bundled digits, a pretrained model), it fetches
//   the file from the site, installs it or passes it on, and asks again.
// Everything about a run is decided in Python (pynn/studio/run.py); this file relays its
// events to the page before the reply of the request that caused them.

import { startPyodide } from "./pyodide-start.js";
import { bridgeCaller, post, readable, serve, siteFile } from "./serve.js";

let ask = null;           // sends one request to the Studio (serve.js's bridgeCaller)
let limits = null;        // Python's budgets: {slice_ms, piece_ms}

// -- boot --------------------------------------------------------------------------------

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
    // WebAssembly goes on as it came: Chromium keeps a module's compiled code beside the
    // response it was compiled from (HTTP or service-worker cache) and reuses it on the next
    // visit, which a new Response wrapped around the body would lose. It counts as done at once.
    if (!response.ok || !response.body || name.endsWith(".wasm")) {
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
  const py = await startPyodide({
    stdout: (line) => console.log(`[python] ${line}`),
    stderr: (line) => console.warn(`[python] ${line}`),
  });
  loadingStatus("Importing numpy and pynn…", 0.85);
  const bridge = py.pyimport("pynn.studio.bridge");
  ask = bridgeCaller(py, bridge.Studio());
  bridge.destroy();
  ({ limits } = succeeded(call({ type: "defaults" })));
  loadingStatus("Loading the pretrained model…", 0.95);
  succeeded(await answer({ type: "load_pretrained" }));
  self.fetch = realFetch;
  post({ type: "status", phase: "ready", progress: 1, message: "Ready: draw a digit" });
}

function succeeded(reply) {
  if (!reply.ok) throw new Error(reply.error);
  return reply;
}

// One Studio request; the run's events in the answer go to the page, and slicing goes on
// while the run is running.
function call(request) {
  const { events = [], ...reply } = ask(request);
  for (const event of events) post(event);
  if (reply.state === "running") schedulePump();
  return reply;
}

// -- training slices and report pieces -----------------------------------------------------

let pumpScheduled = false;
let reporting = 0;        // reports being computed: training waits for them (see report())
const tick = new MessageChannel();   // setTimeout(0) would clamp to 4 ms; this does not
const waiting = [];       // resolvers of nextTurn()
tick.port1.onmessage = () => {
  for (const resolve of waiting.splice(0)) resolve();
  if (!pumpScheduled) return;
  pumpScheduled = false;
  if (reporting) return;   // report() schedules the pump again when it is done
  const answer = call({ type: "train_slice", budget_ms: limits.slice_ms });   // reschedules itself
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

// The test-split report, in pieces (Python keeps the work between them), with the page's
// messages answered between pieces. Training waits meanwhile, so the report describes one
// set of weights.
async function report() {
  reporting += 1;
  try {
    let reply = call({ type: "report", budget_ms: limits.piece_ms });
    while (reply.ok && reply.pending) {
      await nextTurn();
      reply = call({ type: "report", budget_ms: limits.piece_ms });
    }
    return reply;
  } finally {
    reporting -= 1;
    if (!reporting) schedulePump();
  }
}

// -- requests, and the site's files Python asks for ---------------------------------------

const files = new Map();   // path -> Promise of its bytes (or of its install), shared

async function answer(request) {
  const once = () => (request.type === "report" ? report() : call(request));
  const reply = await once();
  if (reply.ok || !reply.fetch) return reply;
  const data = await obtain(reply.fetch);
  if (!reply.fetch.install) request = { ...request, data };
  return once();
}

// Fetch `file` once (a failed fetch is tried again by the next request), and install it
// with the `install` request when Python says so.
function obtain({ file, what, install }) {
  if (!files.has(file)) {
    const job = siteFile(file).then((data) => {
      if (install) succeeded(call({ type: install, data }));
      return install ? null : data;
    }).catch((error) => {
      files.delete(file);
      throw new Error(`Could not load ${what} (${readable(error)})`);
    });
    files.set(file, job);
  }
  return files.get(file);
}

const booted = boot().catch((error) => {
  post({ type: "status", phase: "error", progress: 0, message: `Python could not start: ${readable(error)}` });
  throw error;
});
serve(answer, booted);
