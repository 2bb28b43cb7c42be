// lab-worker.js: runs a learner's code for the lab, in a Python of its own.
//
// The page (lab-runner.js) terminates this worker when a check runs too long or the learner
// presses Stop, and starts a fresh one: learner code never runs in the studio's worker, so
// an endless loop or a huge allocation cannot touch the studio's network, data or training.
//
// Page -> worker: {id, type, ...args}, a pynn.lab.bridge.LabBridge request:
//   exercises | check {exercise, code} | solution {exercise}
// Worker -> page: {type: "ready"} once Python and pynn are loaded, or
//   {type: "failed", message} if they could not be; then {type: "reply", id, ok, ...answer}.

import { startPyodide } from "./pyodide-start.js";

let bridge = null;

async function boot() {
  const py = await startPyodide({
    stdout: (line) => console.log(`[lab] ${line}`),
    stderr: (line) => console.warn(`[lab] ${line}`),
  });
  const module = py.pyimport("pynn.lab.bridge");
  bridge = { py, lab: module.LabBridge() };
  module.destroy();
}

function call(request) {
  const pyRequest = bridge.py.toPy(request);
  let answer;
  try {
    answer = bridge.lab.handle(pyRequest);
    return answer.toJs({ dict_converter: Object.fromEntries, create_pyproxies: false });
  } finally {
    pyRequest.destroy();
    if (answer) answer.destroy();
  }
}

const booted = boot().then(
  () => self.postMessage({ type: "ready" }),
  (error) => self.postMessage({ type: "failed", message: String(error && error.message || error) }),
);

self.onmessage = async (event) => {
  const { id, ...request } = event.data;
  await booted;
  let reply;
  try {
    reply = call(request);
  } catch (error) {
    const lines = String(error && error.message || error).trim().split("\n");
    reply = { ok: false, error: lines[lines.length - 1] || "the check failed" };
  }
  self.postMessage({ type: "reply", id, ...reply });
};
