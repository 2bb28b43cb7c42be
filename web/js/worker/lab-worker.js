// lab-worker.js: runs a learner's code for the lab, in a Python of its own.
//
// The page (lab-runner.js) terminates this worker when a check runs too long or the learner
// presses Stop, and after every check (the next one gets a Python that has run nothing
// else): learner code never runs in the studio's worker, so an endless loop or a huge
// allocation cannot touch the studio's network, data or training.
//
// The requests are pynn.lab.bridge.LabBridge's (docs/PROTOCOL.md); serve.js answers them.
// The assignment's run gets a worker of its own (lab-assignment.js), which asks for one
// short slice after another and is terminated to stop. When Python answers `fetch` (the
// digits, which the browser's pynn leaves out), this worker fetches the file, installs it
// with the `install` request (or sends the request again with it as `data`) and asks again.
// While booting it says {type: "status", phase: "ready"} once Python and pynn are loaded, or
// phase "error" with a message if they could not be.

import { startPyodide } from "./pyodide-start.js";
import { bridgeCaller, post, readable, serve, siteFile } from "./serve.js";

let ask = null;

async function boot() {
  const py = await startPyodide({
    stdout: (line) => console.log(`[lab] ${line}`),
    stderr: (line) => console.warn(`[lab] ${line}`),
  });
  const module = py.pyimport("pynn.lab.bridge");
  ask = bridgeCaller(py, module.LabBridge());
  module.destroy();
}

const booted = boot();
booted.then(
  () => post({ type: "status", phase: "ready", progress: 1, message: "" }),
  (error) => post({ type: "status", phase: "error", progress: 0, message: readable(error) }),
);

async function answer(request) {
  const reply = ask(request);
  if (reply.ok || !reply.fetch) return reply;
  const { file, what, install } = reply.fetch;
  let data;
  try {
    data = await siteFile(file);
  } catch (error) {
    return { ok: false, error: `Could not load ${what} (${readable(error)})` };
  }
  if (!install) return ask({ ...request, data });
  const installed = ask({ type: install, data });
  return installed.ok ? ask(request) : installed;
}

serve(answer, booted);
